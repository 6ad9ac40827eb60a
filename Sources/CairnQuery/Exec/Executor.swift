import CairnFormat
import CairnSQL
import CairnTables
import CairnVector
import Dispatch
import Synchronization

/// Byte serialization of values for hashing rows (DISTINCT).
enum ValueKey {
    static func append(_ v: Value, to out: inout [UInt8]) {
        func word(_ x: UInt64) { withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) } }
        switch v {
        case .null: out.append(0)
        case .bool(let b): out.append(1); word(b ? 1 : 0)
        case .int(let i), .timestamp(let i), .time(let i): out.append(1); word(UInt64(bitPattern: i))
        case .date(let d): out.append(1); word(UInt64(bitPattern: Int64(d)))
        case .double(let d): out.append(2); word(d.isNaN ? Double.nan.bitPattern : (d == 0 ? 0 : d.bitPattern))
        case .string(let s), .json(let s):
            out.append(3)
            word(UInt64(s.utf8.count))
            out.append(contentsOf: s.utf8)
        case .interval(let m, let d, let us):
            out.append(4); word(UInt64(bitPattern: Int64(m))); word(UInt64(bitPattern: Int64(d))); word(UInt64(bitPattern: us))
        case .vector(let f):
            out.append(5)
            word(UInt64(f.count))
            for x in f { withUnsafeBytes(of: x.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        }
    }
}

/// Per-operator measurements for `EXPLAIN ANALYZE`.
package struct ExecutionStats: Sendable {
    package var scan: ScanStats?
    package var rowsScanned = 0
    package var rowsAfterFilter = 0
    package var groups = 0
    package var rowsOut = 0
    package var scanSeconds = 0.0
    package var finishSeconds = 0.0
    package var workers = 1
    /// IVF searches: lists probed in the last round, and extra rounds needed to find LIMIT rows.
    package var ivfProbes: Int?
    package var ivfRounds = 0
}

/// Runs a ``SelectPlan``: scans units on all cores, filters, aggregates or projects each batch,
/// then merges, sorts, de-duplicates and limits.
package struct Executor: Sendable {
    package let context: QueryContext
    package var workerCount: Int
    package var progress: (@Sendable (Double) -> Void)?

    package init(context: QueryContext, workerCount: Int = Executor.defaultWorkers, progress: (@Sendable (Double) -> Void)? = nil) {
        self.context = context
        self.workerCount = max(1, workerCount)
        self.progress = progress
    }

    package static let defaultWorkers = max(1, min(8, ProcessInfo_activeProcessorCount()))

    /// Per-unit output of a non-aggregating scan, kept by unit index to preserve scan order.
    private final class Shared: @unchecked Sendable {
        let lock = Mutex<Void>(())
        var nextUnit = 0
        var rowsProduced = 0
        var outputs: [Int: Batch] = [:]
        var tables: [AggregateTable] = []
        var error: CairnError?
        var scanned = 0
        var filtered = 0
        var unitsDone = 0
    }

    package func run(_ plan: SelectPlan) throws(CairnError) -> (result: MaterializedResult, stats: ExecutionStats) {
        var stats = ExecutionStats()
        let start = ContinuousClock.now
        var batches: [Batch] = []
        var table: AggregateTable?
        let evaluator = Evaluator(context: context)
        let keyTypes = plan.groupKeys.map(\.type)

        switch plan.source {
        case .none:
            let b = Batch(columns: [], count: 1)
            try consume(plan, b, evaluator, &batches, &table, keyTypes, &stats)
        case .materialized(let b):
            try consume(plan, b, evaluator, &batches, &table, keyTypes, &stats)
        case .table(let t, let columns, let constraints):
            let scan = try t.scan(columns: columns, mayMatch: Self.pruner(constraints))
            stats.scan = scan.stats
            var current = plan
            while true {
                let shared = try scanUnits(current, t, scan.units, evaluator, keyTypes, &stats)
                // An IVF search that found fewer than LIMIT rows probes 4× as many lists and goes again
                // (pgvector's iterative scan), until it has enough rows or has probed every list.
                if let search = current.vectorSearch, let ivf = search.ivf, ivf.probes < ivf.index.lists,
                   shared.rowsProduced < search.keep {
                    current.vectorSearch?.ivf = ivf.widened(by: 4, query: search.query)
                    stats.ivfRounds += 1
                    continue
                }
                stats.rowsScanned = shared.scanned
                stats.rowsAfterFilter = shared.filtered
                stats.ivfProbes = current.vectorSearch?.ivf?.probes
                if plan.isAggregating {
                    let merged = shared.tables.first ?? AggregateTable(keyTypes: keyTypes, specs: plan.aggregates)
                    for other in shared.tables.dropFirst() { merged.merge(other) }
                    table = merged
                } else {
                    batches = shared.outputs.keys.sorted().compactMap { shared.outputs[$0] }
                }
                break
            }
        }
        stats.scanSeconds = Self.seconds(since: start)
        let finishStart = ContinuousClock.now

        if plan.isAggregating {
            let t = table ?? AggregateTable(keyTypes: keyTypes, specs: plan.aggregates)
            stats.groups = t.groupCount
            // An aggregate without GROUP BY yields one row even over no input; with GROUP BY, none.
            if t.groupCount > 0 {
                var cols: [ColumnVector] = []
                for (k, type) in keyTypes.enumerated() { cols.append(.from(t.keys.map { $0[k] }, type: type)) }
                for a in t.accumulators {
                    var values: [Value] = []
                    values.reserveCapacity(t.groupCount)
                    for g in 0..<t.groupCount { values.append(try a.result(g)) }
                    cols.append(.from(values, type: a.spec.type))
                }
                var batch = Batch(columns: cols, count: t.groupCount)
                if let h = plan.having {
                    let sel = try evaluator.select(h, batch)
                    batch = batch.gather(sel)
                }
                batches = [plan.windows.isEmpty ? try Self.project(plan, batch, evaluator) : batch]
            }
        }
        if !plan.windows.isEmpty, var rows = Batch.concatenating(batches) {
            // All rows are here: compute the windows over them, filter by QUALIFY, then project.
            for w in plan.windows { rows.columns.append(try WindowEvaluator.evaluate(w, rows, evaluator)) }
            if let q = plan.qualify { rows = rows.gather(try evaluator.select(q, rows)) }
            batches = [try Self.project(plan, rows, evaluator)]
        }

        var result = Self.finish(plan, batches)
        stats.rowsOut = result.columns.first?.count ?? 0
        stats.finishSeconds = Self.seconds(since: finishStart)
        result.names = plan.names
        return (result, stats)
    }

    /// Scans `units` on all workers: filter, vector screening, then aggregation or projection per unit.
    private func scanUnits(_ plan: SelectPlan, _ t: TableSnapshot, _ units: [ScanUnit], _ evaluator: Evaluator,
                           _ keyTypes: [ColumnType], _ stats: inout ExecutionStats) throws(CairnError) -> Shared {
        let shared = Shared()
        // Without ORDER BY or aggregation, a LIMIT lets the scan stop early.
        let earlyStop = (!plan.isAggregating && plan.order.isEmpty && !plan.distinct && plan.distinctOn.isEmpty && plan.windows.isEmpty)
            ? plan.limit.map { $0.addingReportingOverflow(plan.offset).overflow ? Int.max : $0 + plan.offset } : nil
        let workers = min(workerCount, max(1, units.count))
        stats.workers = workers
        let ctx = context
        let progress = self.progress
        // Filter-only columns are not gathered for the surviving rows.
        let afterFilter = plan.columnsAfterFilter
        let tableRows = t.rowCount
        // Every residual of a filter that cannot fail cannot fail either.
        let filterNeverFails = plan.filter?.neverFails == true
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var localTable: AggregateTable? = plan.isAggregating ? AggregateTable(keyTypes: keyTypes, specs: plan.aggregates) : nil
            var localScanned = 0, localFiltered = 0
            var prepared = PreparedQueries()
            var seen = TopK.Smallest(keep: plan.vectorSearch?.keep ?? 0)
            while true {
                let claim: Int? = shared.lock.withLock { _ in
                    if shared.error != nil || ctx.isCancelled() { return nil }
                    if let stop = earlyStop, shared.rowsProduced >= stop { return nil }
                    guard shared.nextUnit < units.count else { return nil }
                    defer { shared.nextUnit += 1 }
                    return shared.nextUnit
                }
                guard let u = claim else { break }
                do {
                    // Without a filter, an IVF search knows a block's candidate rows before reading it and
                    // skips blocks that hold none of the probed lists (rows are grouped by list, §7.2).
                    var preselected = false
                    var listed: IndexedRows?
                    if plan.filter == nil, let search = plan.vectorSearch, search.ivf != nil {
                        listed = try search.candidateRows(units[u], table: t, tableRows: tableRows, matching: units[u].rowCount)
                        preselected = true
                        if listed?.live.isEmpty == true {
                            shared.lock.withLock { _ in shared.unitsDone += 1 }
                            continue
                        }
                    }
                    // Conjuncts the unit's zone maps prove true for every row are not evaluated, and
                    // columns only they read are not read.
                    var filter = plan.filter
                    var needed: Set<Int>?
                    if filter != nil, !plan.filterConjuncts.isEmpty {
                        let residual = FilterConjunct.residual(plan.filterConjuncts, zoneMap: units[u].zoneMap)
                        if residual.isEmpty {
                            filter = nil
                            needed = afterFilter
                        } else if residual.count < plan.filterConjuncts.count {
                            filter = residual.count == 1 ? residual[0] : .and(residual)
                        }
                    }
                    let unit = units[u]
                    var batch: Batch
                    // Unit row of each batch row once the filter has dropped some (nil: the same).
                    var unitRows: [Int]?
                    // Set once the search has chosen its candidates among the filter's rows: the rows
                    // the gather keeps (narrowed to the probed lists), or `matchingInPlace`.
                    var chosen = false
                    // An exact search after a filter: the matching rows, scored where they are in the
                    // unit's batch, so that only the k kept rows are gathered (never the vectors of all).
                    var matchingInPlace: [Int]?
                    /// Of the `matching` live rows the filter kept, the positions of those in the probed
                    /// lists, so that only their vectors are copied; nil when the search is exact here.
                    func probed(among matching: [Int]) throws(CairnError) -> [Int]? {
                        guard let search = plan.vectorSearch else { return nil }
                        chosen = true
                        return try search.candidateRows(unit, table: t, tableRows: tableRows, matching: matching.count)
                            .map { ScanUnit.positions(of: $0.live, in: matching) }
                    }
                    if let f = filter, unit.hasDeletes, filterNeverFails {
                        // Deleted rows cannot make this filter fail: it runs over the stored rows, and one
                        // gather keeps the matching live ones (no gather of every column first).
                        let stored = Batch(columns: try unit.readIncludingDeleted(only: needed), count: unit.storedRowCount)
                        var (keep, live) = unit.liveSelection(try Self.located(plan.wherePosition) { () throws(CairnError) in try evaluator.select(f, stored) })
                        if let picked = try probed(among: live) {
                            keep = picked.map { keep[$0] }
                            live = picked.map { live[$0] }
                        }
                        batch = Self.rows(keep, of: stored, keeping: afterFilter)
                        if live.count != unit.rowCount { unitRows = live }
                        localScanned += unit.rowCount
                    } else {
                        batch = Batch(columns: try unit.read(only: needed), count: unit.rowCount)
                        localScanned += batch.count
                        if let f = filter {
                            // Filters see live rows only: a deleted row must not make `10 / x` fail.
                            var sel = try Self.located(plan.wherePosition) { () throws(CairnError) in try evaluator.select(f, batch) }
                            if let picked = try probed(among: sel) {
                                sel = picked.map { sel[$0] }
                            } else if chosen {
                                matchingInPlace = sel
                            }
                            if matchingInPlace == nil, sel.count != batch.count {
                                batch = Self.rows(sel, of: batch, keeping: afterFilter)
                                unitRows = sel
                            }
                        }
                    }
                    if let search = plan.vectorSearch {
                        var candidates = preselected ? listed
                            : chosen ? matchingInPlace.map { IndexedRows(live: $0, codes: nil) }
                            : try search.candidateRows(unit, table: t, tableRows: tableRows, matching: batch.count)
                        if let listed = candidates, let unitRows {
                            // Rows the filter kept, renumbered as batch positions (the codes are for unfiltered units).
                            candidates = IndexedRows(live: ScanUnit.positions(of: listed.live, in: unitRows), codes: nil)
                        }
                        let keep = try search.screen(batch, candidates: candidates, prepared: &prepared, seen: &seen)
                        if keep.count != batch.count { batch = batch.gather(keep) }
                    }
                    localFiltered += batch.count
                    if let lt = localTable {
                        try Self.aggregate(plan, batch, evaluator, lt)
                    } else {
                        // Windows need every row first: the rows are kept as they are and projected once.
                        let out = plan.windows.isEmpty ? try Self.project(plan, batch, evaluator) : Self.keeping(afterFilter, of: batch)
                        shared.lock.withLock { _ in
                            shared.outputs[u] = out
                            shared.rowsProduced += out.count
                        }
                    }
                    let done = shared.lock.withLock { _ in shared.unitsDone += 1; return shared.unitsDone }
                    progress?(Double(done) / Double(units.count))
                } catch let e as CairnError {
                    shared.lock.withLock { _ in if shared.error == nil { shared.error = e } }
                    break
                } catch {
                    shared.lock.withLock { _ in if shared.error == nil { shared.error = CairnError(.io, "\(error)") } }
                    break
                }
            }
            shared.lock.withLock { _ in
                if let lt = localTable { shared.tables.append(lt) }
                shared.scanned += localScanned
                shared.filtered += localFiltered
            }
            localTable = nil
        }
        if let e = shared.error { throw e }
        if context.isCancelled() { throw CairnError(.cancelled, "statement cancelled") }
        return shared
    }

    /// `batch` with the columns outside `columns` (read only by the filter) as NULLs of its length,
    /// so that batches of different units line up when concatenated.
    private static func keeping(_ columns: Set<Int>, of batch: Batch) -> Batch {
        Batch(columns: batch.columns.enumerated().map {
            columns.contains($0.offset) ? $0.element : .nulls($0.element.physical, count: batch.count)
        }, count: batch.count)
    }

    /// Rows `rows` of `batch`, with only the columns in `columns` gathered (the others left empty).
    private static func rows(_ rows: [Int], of batch: Batch, keeping columns: Set<Int>) -> Batch {
        Batch(columns: batch.columns.enumerated().map {
            columns.contains($0.offset) ? $0.element.gather(rows) : .empty($0.element.physical)
        }, count: rows.count)
    }

    private func consume(_ plan: SelectPlan, _ input: Batch, _ evaluator: Evaluator, _ batches: inout [Batch],
                         _ table: inout AggregateTable?, _ keyTypes: [ColumnType], _ stats: inout ExecutionStats) throws(CairnError) {
        var batch = input
        stats.rowsScanned += batch.count
        if let f = plan.filter {
            batch = batch.gather(try Self.located(plan.wherePosition) { () throws(CairnError) in try evaluator.select(f, batch) })
        }
        stats.rowsAfterFilter += batch.count
        if plan.isAggregating {
            let t = table ?? AggregateTable(keyTypes: keyTypes, specs: plan.aggregates)
            try Self.aggregate(plan, batch, evaluator, t)
            table = t
        } else {
            batches.append(plan.windows.isEmpty ? try Self.project(plan, batch, evaluator) : batch)
        }
    }

    private static func aggregate(_ plan: SelectPlan, _ batch: Batch, _ evaluator: Evaluator, _ table: AggregateTable) throws(CairnError) {
        var keys: [ColumnVector] = []
        for k in plan.groupKeys { keys.append(try evaluator.evaluate(k, batch)) }
        let groups = table.assignGroups(keys, count: batch.count)
        for (spec, acc) in zip(plan.aggregates, table.accumulators) {
            var input = batch, inputGroups = groups
            if let filter = spec.filter {
                let accepted = try evaluator.select(filter, batch)
                input = batch.gather(accepted)
                inputGroups = accepted.map { groups[$0] }
            }
            let arg = try spec.argument.map { (a: BoundExpr) throws(CairnError) in try evaluator.evaluate(a, input) }
            let by = try spec.by.map { (b: BoundExpr) throws(CairnError) in try evaluator.evaluate(b, input) }
            try acc.update(inputGroups, arg, by: by, count: input.count)
        }
    }

    private static func project(_ plan: SelectPlan, _ batch: Batch, _ evaluator: Evaluator) throws(CairnError) -> Batch {
        var cols: [ColumnVector] = []
        cols.reserveCapacity(plan.projections.count)
        for (i, p) in plan.projections.enumerated() {
            let position = i < plan.itemPositions.count ? plan.itemPositions[i] : nil
            cols.append(try located(position) { () throws(CairnError) in try evaluator.evaluate(p, batch) })
        }
        return Batch(columns: cols, count: batch.count)
    }

    /// Runs `body`; an error it raises that says neither where in the SQL nor in which file gets
    /// `position`, the clause or SELECT item being evaluated.
    static func located<T>(_ position: SQLPosition?, _ body: () throws(CairnError) -> T) throws(CairnError) -> T {
        do { return try body() } catch {
            var e = error
            if e.location == nil, e.file == nil, let position { e.location = SourceLocation(line: position.line, column: position.column) }
            throw e
        }
    }

    /// Sorts, de-duplicates and limits the projected rows and drops hidden sort columns.
    private static func finish(_ plan: SelectPlan, _ batches: [Batch]) -> MaterializedResult {
        let types = plan.projections.map(\.type)
        var columns: [[Value]] = Array(repeating: [], count: plan.projections.count)
        for b in batches {
            for c in 0..<columns.count { columns[c].append(contentsOf: b.columns[c].values(type: types[c])) }
        }
        var order = Array(0..<(columns.first?.count ?? 0))
        if plan.distinct { order = firstOfEach(order, key: Array(0..<plan.visibleCount), columns) }
        if !plan.order.isEmpty {
            let keys = plan.order
            order.sort { a, b in
                for k in keys {
                    let c = ValueOrder.compare(columns[k.column][a], columns[k.column][b], descending: k.descending, nullsFirst: k.nullsFirst)
                    if c != 0 { return c < 0 }
                }
                return a < b
            }
        }
        // After the sort: DISTINCT ON keeps the first row of each of its value combinations.
        if !plan.distinctOn.isEmpty { order = firstOfEach(order, key: plan.distinctOn, columns) }
        let lo = min(plan.offset, order.count)
        let hi = plan.limit.map { min(order.count - lo, $0) + lo } ?? order.count
        if lo != 0 || hi != order.count || !plan.order.isEmpty || plan.distinct || !plan.distinctOn.isEmpty {
            let picked = Array(order[lo..<hi])
            columns = columns.map { col in picked.map { col[$0] } }
        }
        return MaterializedResult(names: plan.names, types: Array(types.prefix(plan.visibleCount)),
                                  columns: Array(columns.prefix(plan.visibleCount)))
    }

    /// The rows of `order` (in its order) whose values in the `key` columns no earlier row had. Rows
    /// are compared by bytes, like GROUP BY: 'é' and 'e'+U+0301 differ, NaN equals NaN.
    private static func firstOfEach(_ order: [Int], key: [Int], _ columns: [[Value]]) -> [Int] {
        var seen = BytesGroupTable()
        var bytes: [UInt8] = []
        return order.filter { i in
            bytes.removeAll(keepingCapacity: true)
            for c in key { ValueKey.append(columns[c][i], to: &bytes) }
            return bytes.withUnsafeBufferPointer { seen.findOrInsert($0).inserted }
        }
    }

    /// Turns pushed-down constraints into the zone-map callback of a table scan.
    static func pruner(_ constraints: [ColumnConstraint]) -> @Sendable (ZoneMaps) -> Bool {
        if constraints.isEmpty { return { _ in true } }
        return { maps in
            for c in constraints {
                if let zm = maps[c.column], !c.mayMatch(zm) { return false }
            }
            return true
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

import Foundation
private func ProcessInfo_activeProcessorCount() -> Int { ProcessInfo.processInfo.activeProcessorCount }
