import CairnFormat
import CairnSQL
import CairnTables
import CairnVector
import Dispatch
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
        let scan = try t.scan(columns: columns, mayMatch: Executor.pruner(constraints))
        var kept: [Batch] = []                                   // projected candidate rows per unit
        var candidates = [[(score: Float, unit: Int, row: Int)]](repeating: [], count: queries.count)
        for unit in scan.units {
            var batch = Batch(columns: try unit.read(), count: unit.rowCount)
            if let f = plan.filter { batch = batch.gather(try evaluator.select(f, batch)) }
            let vectors = try evaluator.evaluate(vectorExpr, batch)
            guard case .vectors(let a) = vectors.storage, batch.count > 0, a.dimension != 0 else { continue }
            guard a.dimension == d else { throw CairnError(.type, "different vector dimensions \(a.dimension) and \(d)") }
            let n = batch.count
            let scores = VectorKernels.scores(a, queries: flat, queryCount: queries.count, metric: r.metric)
            let picked = Mutex<[[Int]]>(Array(repeating: [], count: queries.count))
            let workers = Executor.defaultWorkers
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var local: [(Int, [Int])] = []
                for j in stride(from: w, to: queries.count, by: workers) {
                    local.append((j, TopK.smallest(Array(scores[j * n..<(j + 1) * n]), keep: r.k, validity: vectors.validity)))
                }
                picked.withLock { p in for (j, rows) in local { p[j] = rows } }
            }
            let perQuery = picked.withLock { $0 }
            let union = Array(Set(perQuery.joined())).sorted()
            guard !union.isEmpty else { continue }
            var position: [Int: Int] = [:]
            for (i, row) in union.enumerated() { position[row] = i }
            let rows = batch.gather(union)
            var projected: [ColumnVector] = []
            for p in plan.projections { projected.append(try evaluator.evaluate(p, rows)) }
            let u = kept.count
            kept.append(Batch(columns: projected, count: union.count))
            for (j, list) in perQuery.enumerated() {
                for row in list { if let at = position[row] { candidates[j].append((scores[j * n + row], u, at)) } }
            }
        }
        let names = r.returning + ["distance"]
        let types = Array(plan.projections.dropLast().map(\.type)) + [.double]
        let distance = r.distance
        return try queries.enumerated().map { (j, query) throws(CairnError) in
            let best = candidates[j].sorted { $0.score != $1.score ? $0.score < $1.score : ($0.unit, $0.row) < ($1.unit, $1.row) }.prefix(r.k)
            var columns = [[Value]](repeating: [], count: names.count)
            var exact: [(Double, [Value])] = []
            for c in best {
                let b = kept[c.unit]
                let values = (0..<b.columns.count).map { b.columns[$0].value(at: c.row, type: plan.projections[$0].type) }
                guard case .vector(let v)? = values.last else { continue }
                let dist = v.withUnsafeBufferPointer { vb in
                    query.withUnsafeBufferPointer { qb in
                        guard let vp = vb.baseAddress, let qp = qb.baseAddress else { return Double.nan }
                        return Evaluator.distance(distance, vp, qp, d)
                    }
                }
                exact.append((dist, Array(values.dropLast())))
            }
            exact.sort { $0.0.isNaN ? false : ($1.0.isNaN ? true : $0.0 < $1.0) }
            for (dist, values) in exact {
                for (i, v) in values.enumerated() { columns[i].append(v) }
                columns[names.count - 1].append(.double(dist))
            }
            return MaterializedResult(names: names, types: types, columns: columns)
        }
    }
}
