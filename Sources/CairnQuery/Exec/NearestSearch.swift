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

    /// What the candidate query depends on.
    struct Shape: Hashable, Sendable {
        var table: String, column: String, returning: [String], filter: String?
    }

    var shape: Shape { Shape(table: table, column: column, returning: returning, filter: filter) }

    /// `SELECT <returning>, <column> FROM <table> [WHERE <filter>]`: the rows a batched exact search scores.
    var candidateSQL: String {
        "SELECT \((returning + [column]).map(quote).joined(separator: ", ")) FROM \(quote(table))" + (filter.map { " WHERE (\($0))" } ?? "")
    }

    /// A quoted identifier. Built per search, so without Foundation's `replacingOccurrences` (which
    /// bridges through `NSString` and cost 9% of a small single search).
    private func quote(_ name: String) -> String {
        var out = "\""
        for c in name { out.append(c == "\"" ? "\"\"" : String(c)) }
        return out + "\""
    }

    var distance: VectorDistance {
        switch metric {
        case .l2: .l2
        case .innerProduct: .negativeInnerProduct
        case .cosine: .cosine
        }
    }
}

extension Session {
    /// One query. An unfiltered IVF search takes the batched path with a batch of one (no executor
    /// work per block); anything else runs as SQL, with the planner's index choice, filter pushdown
    /// and iterative widening.
    package func nearest(_ r: NearestRequest, query: [Float]) throws(CairnError) -> MaterializedResult {
        guard r.k >= 0 else { throw CairnError(.invalidInput, "k must not be negative") }
        let snapshot = engine.snapshot()
        if r.filter == nil, let ivf = probedIndex(r, snapshot) { return try searchBatch(r, [query], snapshot, ivf: ivf)[0] }
        return try sqlSearch(r, query)
    }

    /// The SQL form of a single search.
    private func sqlSearch(_ r: NearestRequest, _ query: [Float]) throws(CairnError) -> MaterializedResult {
        try execute(r.sql, r.parameters + [.vector(query)], probes: r.probes)
    }

    /// The IVF index serving `r` and its probes, when there is one and it probes fewer than all lists.
    private func probedIndex(_ r: NearestRequest, _ snapshot: Snapshot) -> (index: VectorIndexDefinition, probes: Int)? {
        guard let table = snapshot.table(r.table), let c = table.schema.columnIndex(named: r.column),
              let index = table.vectorIndex(column: c, metric: r.metric) else { return nil }
        let probes = r.probes ?? VectorSearch.IVFProbe.defaultProbes(lists: index.lists)
        return probes < index.lists ? (index, probes) : nil
    }

    /// Many queries. An exact search reads the table once and scores each block against all queries
    /// with one `sgemm`. An unfiltered IVF search probes all queries with one `sgemm` against the
    /// centroids, then scores each list's rows against every query that probes it with one `sgemm`,
    /// so each list is read once per batch instead of once per query. Filtered IVF searches run as
    /// single queries spread over the cores (each picks probing or exact search per block).
    package func nearest(_ r: NearestRequest, queries: [[Float]]) throws(CairnError) -> [MaterializedResult] {
        guard r.k >= 0 else { throw CairnError(.invalidInput, "k must not be negative") }
        guard !queries.isEmpty else { return [] }
        let snapshot = engine.snapshot()
        guard snapshot.table(r.table) != nil else { throw CairnError(.notFound, "table \"\(r.table)\" does not exist") }
        if let ivf = probedIndex(r, snapshot) {
            guard r.filter == nil else { return try eachQuery(r, queries) }
            return try searchBatch(r, queries, snapshot, ivf: ivf)
        }
        return try searchBatch(r, queries, snapshot, ivf: nil)
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

    /// Batched search: exact over every row when `ivf` is nil, else over the rows of each query's probed lists.
    private func searchBatch(_ r: NearestRequest, _ queries: [[Float]], _ snapshot: Snapshot,
                             ivf: (index: VectorIndexDefinition, probes: Int)?) throws(CairnError) -> [MaterializedResult] {
        let select = try candidateStatement(r)
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
        @Sendable func filtered(_ u: Int) throws(CairnError) -> Batch {
            var batch = Batch(columns: try units[u].read(), count: units[u].rowCount)
            if let f = plan.filter { batch = batch.gather(try evaluator.select(f, batch)) }
            return batch
        }

        // Pass 1: each query keeps its k best (unit, row) in bounded heaps, one set per worker: the
        // probing workers' and those of the workers searching exactly.
        let probed: [BestRows], exactUnits: [Int]
        if let ivf, case .column(let vectorColumn, _) = vectorExpr, let centroids = try? t.centroids(ivf.index),
           centroids.dimension == d {
            (probed, exactUnits) = try probeLists(r, context, flat, queries.count, t, units, vectorColumn, ivf.index, centroids, ivf.probes)
        } else {
            (probed, exactUnits) = ([], Array(units.indices))
        }
        // Rows no list covers (all of them for exact search): each worker takes whole blocks and scores
        // each against all queries with one single-threaded sgemm into its own heaps. Two products
        // side by side outrun one product that OpenBLAS splits over two threads (by 5–7% at
        // 1000 × 1536 · 1536 × 1365, a block of 1536-dimension rows).
        let exactWork = UnitClaims(exactUnits, threads: threads, context)
        let exactBest = (0..<exactWork.workers).map { _ in BestRows(queries: queries.count, k: r.k) }
        @Sendable func scoreExactly(_ w: Int) {
            var scores: [Float] = []
            while let u = exactWork.next() {
                do throws(CairnError) {
                    let batch = try filtered(u)
                    let vectors = try evaluator.evaluate(vectorExpr, batch)
                    guard case .vectors(let a) = vectors.storage, batch.count > 0, a.dimension != 0 else { continue }
                    guard a.dimension == d else { throw CairnError(.type, "different vector dimensions \(a.dimension) and \(d)") }
                    VectorKernels.scores(a, queries: flat, queryCount: queries.count, metric: r.metric, into: &scores)
                    exactBest[w].offer(scores, rows: batch.count, unit: u, validity: vectors.validity)
                } catch {
                    exactWork.fail(error)
                }
            }
        }
        try exactWork.run(scoreExactly)
        if context.isCancelled() { throw CairnError(.cancelled, "statement cancelled") }

        // Pass 2: read back only the rows that won (blocks are cached) and compute exact distances.
        let winners = BestRows.results(probed + exactBest)
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
        var results = queries.enumerated().map { (j, query) in
            var exact: [(distance: Double, unit: Int, row: Int, values: [Value])] = []
            for c in winners[j] {
                guard let row = values[c.unit]?[c.row], case .vector(let v)? = row.last else { continue }
                let dist = v.withUnsafeBufferPointer { vb in
                    query.withUnsafeBufferPointer { qb in
                        guard let vp = vb.baseAddress, let qp = qb.baseAddress else { return Double.nan }
                        return Evaluator.distance(distance, vp, qp, d)
                    }
                }
                exact.append((dist, c.unit, c.row, Array(row.dropLast())))
            }
            // Equal distances keep storage order, as the single-query ORDER BY does.
            exact.sort { a, b in
                if a.distance.isNaN != b.distance.isNaN { return b.distance.isNaN }
                if a.distance != b.distance, !a.distance.isNaN { return a.distance < b.distance }
                return (a.unit, a.row) < (b.unit, b.row)
            }
            var columns = [[Value]](repeating: [], count: names.count)
            for (dist, _, _, row) in exact {
                for (i, v) in row.enumerated() { columns[i].append(v) }
                columns[names.count - 1].append(.double(dist))
            }
            return MaterializedResult(names: names, types: types, columns: columns)
        }
        // Probed lists holding fewer than k rows: the single search probes more lists until it has k.
        if !probed.isEmpty {
            for j in queries.indices where winners[j].count < r.k { results[j] = try sqlSearch(r, queries[j]) }
        }
        return results
    }

    /// The parsed ``NearestRequest/candidateSQL`` of `r`, from the session's cache when it has it.
    private func candidateStatement(_ r: NearestRequest) throws(CairnError) -> SelectStatement {
        let shape = r.shape
        if let hit = nearestStatements.withLock({ $0[shape] }) { return hit }
        let statements: [Statement]
        do { statements = try SQLParser.parse(r.candidateSQL) } catch {
            throw CairnError(.syntax, error.message, location: SourceLocation(line: error.position.line, column: error.position.column))
        }
        guard statements.count == 1, case .select(let select) = statements[0] else {
            throw CairnError(.invalidInput, "the filter must be a single expression")
        }
        nearestStatements.withLock { cache in
            if cache.count >= 64 { cache.removeAll() }  // shapes built from user input stay bounded
            cache[shape] = select
        }
        return select
    }

    /// Pass 1 of a batched IVF search over the stored blocks, on `threads` workers: each worker takes
    /// blocks and, for each probed list with rows in its block, scores those rows against the queries
    /// that probe the list with one `sgemm` into its own heaps. Returns the workers' heaps and the
    /// units no list covers (in-memory rows), which the caller searches exactly.
    private func probeLists(_ r: NearestRequest, _ context: QueryContext, _ flat: [Float], _ queryCount: Int,
                            _ t: TableSnapshot, _ units: [ScanUnit],
                            _ vectorColumn: Int, _ index: VectorIndexDefinition, _ centroids: IVFCentroids,
                            _ probes: Int) throws(CairnError) -> ([BestRows], [Int]) {
        let d = centroids.dimension
        let queriesOfList = {
            var byList = [[Int]](repeating: [], count: centroids.lists)
            for (j, lists) in centroids.probe(queries: flat, count: queryCount, probes: probes).enumerated() {
                for l in lists { byList[l].append(j) }
            }
            return byList
        }()
        let wanted = queriesOfList.indices.filter { !queriesOfList[$0].isEmpty }
        let listed = try t.rowsByList(units, index: index, centroids: centroids, wanted: wanted)
        let exact = units.indices.filter { listed[$0] == nil }
        let probedUnits = units.indices.filter { listed[$0]?.lists.isEmpty == false }
        let claims = UnitClaims(probedUnits, threads: threads, context)
        let best = (0..<claims.workers).map { _ in BestRows(queries: queryCount, k: r.k) }
        let needed: Set<Int> = [vectorColumn]  // built once, not per block: a single query reads ~65 blocks
        @Sendable func work(_ w: Int) {
            var scores: [Float] = [], gathered: [Float] = [], listQueries: [Float] = []
            var prepared = PreparedQueries()
            while let u = claims.next() {
                do throws(CairnError) {
                    guard let block = listed[u] else { continue }
                    let vectors = try units[u].readIncludingDeleted(only: needed)[vectorColumn]
                    guard case .vectors(let a) = vectors.storage, a.dimension != 0 else { continue }
                    guard a.dimension == d else { throw CairnError(.type, "different vector dimensions \(a.dimension) and \(d)") }
                    for (list, rows) in block.lists {
                        let (stored, live) = units[u].liveSelection(rows)
                        guard !stored.isEmpty else { continue }
                        let asking = queriesOfList[list]
                        // A list only one query probes: its 8-bit codes decide which float rows to read.
                        // (Lists many queries share are read once for all of them by one sgemm below.)
                        if asking.count == 1, let codes = block.codes, codes.dimension == d {
                            let j = asking[0], heap = best[w]
                            flat.withUnsafeBufferPointer { f in
                                guard let q = f.baseAddress.map({ $0 + j * d }) else { return }
                                VectorKernels.screen(a, rows: stored, codeRows: stored.map { Int64($0 + block.firstRow) }, validity: vectors.validity,
                                                     codes: codes, query: q,
                                                     prepared: prepared.query(q, codes, key: j), metric: r.metric, threshold: heap.threshold(j),
                                                     keep: r.k) { i, score in
                                    heap.offer(j, score: score, unit: u, row: live[i])
                                }
                            }
                            continue
                        }
                        flat.withUnsafeBufferPointer { f in
                            guard let fb = f.baseAddress else { return }
                            if asking.count == 1 {   // the query is already contiguous: no copy
                                VectorKernels.scores(a, rows: stored, queries: fb + asking[0] * d, queryCount: 1, metric: r.metric,
                                                     into: &scores, gathered: &gathered)
                                return
                            }
                            if listQueries.count < asking.count * d { listQueries = [Float](repeating: 0, count: asking.count * d) }
                            listQueries.withUnsafeMutableBufferPointer { lq in
                                guard let lb = lq.baseAddress else { return }
                                for (i, j) in asking.enumerated() { (lb + i * d).update(from: fb + j * d, count: d) }
                                VectorKernels.scores(a, rows: stored, queries: lb, queryCount: asking.count, metric: r.metric,
                                                     into: &scores, gathered: &gathered)
                            }
                        }
                        best[w].offer(scores, queries: asking, stored: stored, live: live, unit: u, validity: vectors.validity)
                    }
                } catch {
                    claims.fail(error)
                }
            }
        }
        try claims.run(work)
        return (best, exact)
    }
}

/// Units of a scan shared out to workers: each worker claims the next unit until none is left, a
/// worker has failed, or the statement is cancelled.
private final class UnitClaims: Sendable {
    private let units: [Int]
    private let context: QueryContext
    private let state = Mutex<(next: Int, error: CairnError?)>((0, nil))
    /// Workers to run: at most `threads`, at least one, no more than there are units.
    let workers: Int

    init(_ units: [Int], threads: Int, _ context: QueryContext) {
        self.units = units
        self.context = context
        workers = max(1, min(threads, units.count))
    }

    func next() -> Int? {
        state.withLock { s -> Int? in
            guard s.error == nil, !context.isCancelled(), s.next < units.count else { return nil }
            defer { s.next += 1 }
            return units[s.next]
        }
    }

    /// Records a worker's error; the first one is rethrown by ``run(_:)`` and stops the others.
    func fail(_ error: CairnError) { state.withLock { $0.error = $0.error ?? error } }

    /// Runs `work(worker)` on every worker and rethrows the first error. One worker runs on this
    /// thread: a single query should not wait for a pool thread to wake.
    func run(_ work: @Sendable (Int) -> Void) throws(CairnError) {
        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        if let error = state.withLock({ $0.error }) { throw error }
    }
}

/// The `k` best (unit, row) pairs of each of many queries, filled by one worker from its score
/// matrices; ``results(_:)`` merges the workers' sets.
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
    // Written only by the worker that owns this set, read after the workers finish; raw buffers keep
    // the heaps out of copy-on-write checks in the per-row loop.
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

    /// Offers one IVF list's rows of one unit, serially: `scores` is `asking.count × stored.count`, row
    /// `i` for query `asking[i]`; `stored` are the rows' block positions (for `validity`), `live` their
    /// positions among the unit's live rows (the numbering winners are reported in).
    func offer(_ scores: [Float], queries asking: [Int], stored: [Int], live: [Int], unit: Int, validity: [Bool]?) {
        guard k > 0 else { return }
        let n = stored.count
        for (i, j) in asking.enumerated() {
            var threshold = thresholds[j]
            for c in 0..<n where scores[i * n + c] <= threshold || scores[i * n + c].isNaN {
                if let validity, !validity[stored[c]] { continue }
                push(j, Candidate(score: scores[i * n + c].isNaN ? .infinity : scores[i * n + c], unit: unit, row: live[c]),
                     threshold: &threshold)
            }
            thresholds[j] = threshold
        }
    }

    /// The score a row must not exceed to enter query `j`'s k best (infinity until k are kept).
    func threshold(_ j: Int) -> Float { thresholds[j] }

    /// Offers one row's score for query `j`; returns the query's threshold afterwards.
    func offer(_ j: Int, score: Float, unit: Int, row: Int) -> Float {
        guard k > 0 else { return -.infinity }
        var threshold = thresholds[j]
        if score <= threshold || score.isNaN {
            push(j, Candidate(score: score.isNaN ? .infinity : score, unit: unit, row: row), threshold: &threshold)
            thresholds[j] = threshold
        }
        return threshold
    }

    /// Offers the `queries × rows` score matrix of one unit, serially.
    func offer(_ scores: [Float], rows n: Int, unit: Int, validity: [Bool]?) {
        guard k > 0 else { return }
        scores.withUnsafeBufferPointer { s in
            for j in 0..<queries {
                var threshold = thresholds[j]
                let base = j * n
                for i in 0..<n where s[base + i] <= threshold || s[base + i].isNaN {
                    if let validity, !validity[i] { continue }
                    push(j, Candidate(score: s[base + i].isNaN ? .infinity : s[base + i], unit: unit, row: i), threshold: &threshold)
                }
                thresholds[j] = threshold
            }
        }
    }

    /// Keeps `c` if it is among query `j`'s k best so far; `threshold` becomes the worst kept score once k are kept.
    @inline(__always)
    private func push(_ j: Int, _ c: Candidate, threshold: inout Float) {
        if heaps[j].count < k {
            heaps[j].insert(c)
        } else if let worst = heaps[j].max, c < worst {
            heaps[j].replaceMax(with: c)
        } else {
            return
        }
        if heaps[j].count == k, let worst = heaps[j].max { threshold = worst.score }
    }

    /// Each query's k best over all of `parts`, best first.
    static func results(_ parts: [BestRows]) -> [[Candidate]] {
        guard let first = parts.first else { return [] }
        return (0..<first.queries).map { j in Array(parts.flatMap { $0.heaps[j].unordered }.sorted().prefix(first.k)) }
    }
}
