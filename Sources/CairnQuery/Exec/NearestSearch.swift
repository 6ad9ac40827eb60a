import CairnFormat
import CairnSQL
import CairnTables
import CairnVector
import Dispatch
import HeapModule
import Synchronization

/// A nearest-neighbour request from the Swift API: the `k` rows of `table` whose `column` is closest
/// to a query vector under `metric`, among rows matching `filter` (SQL, with `$n` bound to `parameters`).
package struct NearestRequest: Sendable {
    package var table: String
    package var column: String
    package var k: Int
    package var metric: VectorMetric
    package var filter: String?
    package var parameters: [Value]
    /// Columns returned before the `distance` column.
    package var returning: [String]
    package var probes: Int?

    package init(table: String, column: String, k: Int, metric: VectorMetric, filter: String?, parameters: [Value],
                 returning: [String], probes: Int?) {
        self.table = table; self.column = column; self.k = k; self.metric = metric; self.filter = filter
        self.parameters = parameters; self.returning = returning; self.probes = probes
    }

    /// `SELECT <returning>, <column> <op> $n AS distance FROM <table> [WHERE <filter>] ORDER BY … LIMIT k`.
    var sql: String {
        let p = "$\(parameters.count + 1)"
        let distance = "\(quote(column)) \(metric.sqlOperator) \(p)"
        let items = returning.map(quote) + ["\(distance) AS distance"]
        return "SELECT \(items.joined(separator: ", ")) FROM \(quote(table))" + (filter.map { " WHERE (\($0))" } ?? "")
            + " ORDER BY \(distance) LIMIT \(k)"
    }

    /// `SELECT <returning>, <column> FROM <table> [WHERE <filter>]`: the rows a batched exact search scores.
    var candidateSQL: String {
        "SELECT \((returning + [column]).map(quote).joined(separator: ", ")) FROM \(quote(table))" + (filter.map { " WHERE (\($0))" } ?? "")
    }

    private func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    var distance: VectorDistance {
        switch metric {
        case .l2: .l2
        case .innerProduct: .negativeInnerProduct
        case .cosine: .cosine
        }
    }
}

extension Session {
    /// One query, run as SQL so it gets the planner's index choice, filter pushdown and iterative widening.
    package func nearest(_ r: NearestRequest, query: [Float]) throws(CairnError) -> MaterializedResult {
        guard r.k >= 0 else { throw CairnError(.invalidInput, "k must not be negative") }
        return try execute(r.sql, r.parameters + [.vector(query)], probes: r.probes)
    }

    /// Many queries. An exact search reads the table once and scores each block against all queries
    /// with one `sgemm`; searches that an IVF index serves run as single queries spread over the cores.
    package func nearest(_ r: NearestRequest, queries: [[Float]]) throws(CairnError) -> [MaterializedResult] {
        guard r.k >= 0 else { throw CairnError(.invalidInput, "k must not be negative") }
        guard !queries.isEmpty else { return [] }
        let snapshot = engine.snapshot()
        guard let table = snapshot.table(r.table) else { throw CairnError(.notFound, "table \"\(r.table)\" does not exist") }
        if let c = table.schema.columnIndex(named: r.column), let index = table.vectorIndex(column: c, metric: r.metric),
           (r.probes ?? VectorSearch.IVFProbe.defaultProbes(lists: index.lists)) < index.lists {
            return try eachQuery(r, queries)
        }
        return try exactBatch(r, queries, snapshot)
    }

    private func eachQuery(_ r: NearestRequest, _ queries: [[Float]]) throws(CairnError) -> [MaterializedResult] {
        let results = Mutex<[Int: MaterializedResult]>([:])
        let failure = Mutex<CairnError?>(nil)
        let workers = min(queries.count, Executor.defaultWorkers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for q in stride(from: w, to: queries.count, by: workers) where failure.withLock({ $0 == nil }) {
                do {
                    let result = try nearest(r, query: queries[q])
                    results.withLock { $0[q] = result }
                } catch let e as CairnError {
                    failure.withLock { $0 = $0 ?? e }
                } catch {
                    failure.withLock { $0 = $0 ?? CairnError(.io, "\(error)") }
                }
            }
        }
        if let e = failure.withLock({ $0 }) { throw e }
        let all = results.withLock { $0 }
        return (0..<queries.count).compactMap { all[$0] }
    }

    private func exactBatch(_ r: NearestRequest, _ queries: [[Float]], _ snapshot: Snapshot) throws(CairnError) -> [MaterializedResult] {
        let statements: [Statement]
        do { statements = try SQLParser.parse(r.candidateSQL) } catch {
            throw CairnError(.syntax, error.message, location: SourceLocation(line: error.position.line, column: error.position.column))
        }
        guard statements.count == 1, case .select(let select) = statements[0] else {
            throw CairnError(.invalidInput, "the filter must be a single expression")
        }
        let context = makeContext(r.parameters, CancelFlag(), snapshot, probes: nil)
        let plan = try Planner(snapshot: snapshot, context: context).plan(select)
        guard case .table(let t, let columns, let constraints) = plan.source, let vectorExpr = plan.projections.last,
              vectorExpr.type == .vector else {
            throw CairnError(.type, "column \"\(r.column)\" is not a VECTOR column")
        }
        let d = queries[0].count
        for q in queries where q.count != d || q.contains(where: { !$0.isFinite }) {
            throw CairnError(.invalidInput, "query vectors must all have \(d) finite elements")
        }
        let flat = queries.flatMap { $0 }
        let evaluator = Evaluator(context: context)
        let units = try t.scan(columns: columns, mayMatch: Executor.pruner(constraints)).units
        func filtered(_ u: Int) throws(CairnError) -> Batch {
            var batch = Batch(columns: try units[u].read(), count: units[u].rowCount)
            if let f = plan.filter { batch = batch.gather(try evaluator.select(f, batch)) }
            return batch
        }

        // Pass 1: score every block against all queries with one sgemm; each query keeps its k best
        // (unit, row) in a bounded heap, and most scores fail the heap's threshold at one comparison.
        let best = BestRows(queries: queries.count, k: r.k)
        var scores: [Float] = []
        for u in units.indices {
            if context.isCancelled() { throw CairnError(.cancelled, "statement cancelled") }
            let batch = try filtered(u)
            let vectors = try evaluator.evaluate(vectorExpr, batch)
            guard case .vectors(let a) = vectors.storage, batch.count > 0, a.dimension != 0 else { continue }
            guard a.dimension == d else { throw CairnError(.type, "different vector dimensions \(a.dimension) and \(d)") }
            VectorKernels.scores(a, queries: flat, queryCount: queries.count, metric: r.metric, into: &scores)
            best.offer(scores, rows: batch.count, unit: u, validity: vectors.validity)
        }

        // Pass 2: read back only the rows that won (blocks are cached) and compute exact distances.
        let winners = best.results()
        var rowsByUnit: [Int: Set<Int>] = [:]
        for list in winners { for c in list { rowsByUnit[c.unit, default: []].insert(c.row) } }
        var values: [Int: [Int: [Value]]] = [:]   // unit → row → projected values
        for (u, rows) in rowsByUnit {
            let order = rows.sorted()
            let picked = try filtered(u).gather(order)
            var projected: [ColumnVector] = []
            for p in plan.projections { projected.append(try evaluator.evaluate(p, picked)) }
            for (i, row) in order.enumerated() {
                values[u, default: [:]][row] = plan.projections.indices.map { projected[$0].value(at: i, type: plan.projections[$0].type) }
            }
        }
        let names = r.returning + ["distance"]
        let types = Array(plan.projections.dropLast().map(\.type)) + [.double]
        let distance = r.distance
        return queries.enumerated().map { (j, query) in
            var exact: [(Double, [Value])] = []
            for c in winners[j] {
                guard let row = values[c.unit]?[c.row], case .vector(let v)? = row.last else { continue }
                let dist = v.withUnsafeBufferPointer { vb in
                    query.withUnsafeBufferPointer { qb in
                        guard let vp = vb.baseAddress, let qp = qb.baseAddress else { return Double.nan }
                        return Evaluator.distance(distance, vp, qp, d)
                    }
                }
                exact.append((dist, Array(row.dropLast())))
            }
            exact.sort { $0.0.isNaN ? false : ($1.0.isNaN ? true : $0.0 < $1.0) }
            var columns = [[Value]](repeating: [], count: names.count)
            for (dist, row) in exact {
                for (i, v) in row.enumerated() { columns[i].append(v) }
                columns[names.count - 1].append(.double(dist))
            }
            return MaterializedResult(names: names, types: types, columns: columns)
        }
    }
}

/// The `k` best (unit, row) pairs of each of many queries, filled from score matrices on all cores.
private final class BestRows: @unchecked Sendable {
    struct Candidate: Comparable {
        var score: Float
        var unit: Int
        var row: Int
        static func < (a: Candidate, b: Candidate) -> Bool {
            a.score != b.score ? a.score < b.score : (a.unit, a.row) < (b.unit, b.row)
        }
    }

    private let k: Int
    private let queries: Int
    // Each query's heap and threshold are touched only by the worker that owns that query index, so
    // they live in raw buffers that workers write at disjoint indices.
    private let heaps: UnsafeMutablePointer<Heap<Candidate>>
    private let thresholds: UnsafeMutablePointer<Float>

    init(queries: Int, k: Int) {
        self.k = k
        self.queries = queries
        heaps = .allocate(capacity: queries)
        heaps.initialize(repeating: Heap<Candidate>(), count: queries)
        thresholds = .allocate(capacity: queries)
        thresholds.initialize(repeating: .infinity, count: queries)
    }

    deinit {
        heaps.deinitialize(count: queries)
        heaps.deallocate()
        thresholds.deallocate()
    }

    /// Offers the `queries × rows` score matrix of one unit.
    func offer(_ scores: [Float], rows n: Int, unit: Int, validity: [Bool]?) {
        guard k > 0 else { return }
        let workers = Executor.defaultWorkers
        scores.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let s = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for j in stride(from: w, to: queries, by: workers) {
                    var threshold = thresholds[j]
                    let base = j * n
                    for i in 0..<n where s[base + i] <= threshold || s[base + i].isNaN {
                        if let validity, !validity[i] { continue }
                        let score = s[base + i].isNaN ? Float.infinity : s[base + i]
                        let c = Candidate(score: score, unit: unit, row: i)
                        if heaps[j].count < k {
                            heaps[j].insert(c)
                        } else if let worst = heaps[j].max, c < worst {
                            heaps[j].replaceMax(with: c)
                        } else {
                            continue
                        }
                        if heaps[j].count == k, let worst = heaps[j].max { threshold = worst.score }
                    }
                    thresholds[j] = threshold
                }
            }
        }
    }

    /// Each query's winners, best first.
    func results() -> [[Candidate]] { (0..<queries).map { heaps[$0].unordered.sorted() } }
}
