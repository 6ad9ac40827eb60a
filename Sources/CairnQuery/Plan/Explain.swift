import CairnFormat
import CairnTables

/// Renders a ``SelectPlan`` as indented operator lines, with scan pruning figures and, for
/// `EXPLAIN ANALYZE`, measured rows and times.
enum Explain {
    static func render(_ plan: SelectPlan, stats: ExecutionStats?, analyzed: Bool) throws(CairnError) -> [String] {
        var lines: [String] = []
        var depth = 0
        func add(_ s: String) { lines.append(String(repeating: "  ", count: depth) + s) }
        let outNames = plan.names.joined(separator: ", ")
        if plan.limit != nil || plan.offset > 0 {
            add("LIMIT \(plan.limit.map(String.init) ?? "ALL") OFFSET \(plan.offset)")
            depth += 1
        }
        if !plan.order.isEmpty {
            add("ORDER BY " + plan.order.map { k in
                let name = k.column < plan.names.count ? plan.names[k.column] : "#\(k.column)"
                return name + (k.descending ? " DESC" : " ASC") + (k.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
            }.joined(separator: ", "))
            depth += 1
        }
        if plan.distinct { add("DISTINCT"); depth += 1 }
        if !plan.distinctOn.isEmpty {
            add("DISTINCT ON [" + plan.distinctOn.map { $0 < plan.names.count ? plan.names[$0] : "#\($0)" }.joined(separator: ", ") + "]")
            depth += 1
        }
        add("PROJECTION [\(outNames)]" + (stats.map { "  rows=\($0.rowsOut)" } ?? ""))
        depth += 1
        if plan.qualify != nil { add("QUALIFY"); depth += 1 }
        if !plan.windows.isEmpty {
            add("WINDOW [" + plan.windows.map(\.function.name).joined(separator: ", ") + "] (over all rows, sorted by partition and order)")
            depth += 1
        }
        if plan.isAggregating {
            if plan.having != nil { add("HAVING"); depth += 1 }
            let aggs = plan.aggregates.map { $0.kind.rawValue + ($0.distinct ? "(DISTINCT)" : "") }.joined(separator: ", ")
            var line = "HASH_AGGREGATE keys=\(plan.groupKeys.count) aggregates=[\(aggs)]"
            if let s = stats { line += "  groups=\(s.groups) time=\(format(s.finishSeconds))" }
            add(line)
            depth += 1
        }
        if let search = plan.vectorSearch {
            var line = "VECTOR_TOP_K k=\(search.keep) metric=\(search.metric.sqlOperator) "
            if let ivf = search.ivf, ivf.probes < ivf.index.lists {
                line += "strategy=ivfflat index=\(ivf.index.name) probes=\(ivf.probes) of \(ivf.index.lists) lists"
                    + (ivf.index.quantization == .sq8 ? " sq8 (floats read only for rows the 8-bit codes cannot rule out)" : "")
                    + " (exact in blocks with few matching rows and in memory; ×4 probes until k rows)"
                if let s = stats { line += "  probes used=\(s.ivfProbes ?? ivf.probes) extra rounds=\(s.ivfRounds)" }
            } else {
                line += "strategy=exact (one pass over each block's vectors)" + (search.ivf.map { " index=\($0.index.name) probes all lists" } ?? "")
            }
            add(line)
            depth += 1
        }
        if plan.filter != nil {
            add("FILTER" + (stats.map { "  rows=\($0.rowsAfterFilter)" } ?? ""))
            depth += 1
        }
        switch plan.source {
        case .none:
            add("DUMMY_SCAN (one row)")
        case .materialized(let b):
            add("SUBQUERY_SCAN rows=\(b.count)")
        case .table(let t, let columns, let constraints):
            let scan: ScanStats
            if let s = stats?.scan {
                scan = s
            } else {
                scan = try t.scan(columns: columns, mayMatch: Executor.pruner(constraints)).stats
            }
            let names = columns.map { t.schema.columns[$0].name }.joined(separator: ", ")
            add("SEQ_SCAN \(t.schema.name) columns=[\(names)]")
            depth += 1
            add("partitions: \(scan.partitionsScanned) of \(scan.partitionsTotal) scanned")
            add("segments: \(scan.segmentsScanned) of \(scan.segmentsTotal) scanned")
            add("blocks: \(scan.blocksScanned) of \(scan.blocksTotal) scanned (zone maps)")
            add("in-memory rows: \(scan.headRows)")
            if !constraints.isEmpty {
                add("pushed-down predicates: \(constraints.count) (" + constraints.map { c in
                    t.schema.columns.indices.contains(c.column) ? t.schema.columns[c.column].name : "?"
                }.joined(separator: ", ") + ")")
            }
            if let s = stats {
                add("rows scanned: \(s.rowsScanned), workers: \(s.workers), time: \(format(s.scanSeconds))")
            }
        }
        return lines
    }

    /// Seconds as milliseconds to the microsecond: `0.018 ms`, `1234.500 ms`.
    private static func format(_ s: Double) -> String {
        let micros = Int((max(0, s) * 1e6).rounded())
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
    }
}
