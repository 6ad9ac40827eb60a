import CairnFormat
import CairnTables
import CairnVector

/// A nearest-neighbour query recognised in a SELECT: `ORDER BY <vector column> <op> <constant> LIMIT k`
/// (or `ORDER BY inner_product(…) DESC LIMIT k`). Each scan unit keeps only its `keep` nearest rows
/// before projection, so distances are computed with BLAS once per row and nothing else is
/// materialized for the rest. Rows whose vector is NULL are never returned by such a search.
package struct VectorSearch: Sendable {
    /// Index of the vector column in the scan batch.
    package var column: Int
    /// Index of the vector column in the table schema.
    package var tableColumn: Int
    package var query: [Float]
    package var metric: VectorMetric
    /// LIMIT + OFFSET: how many rows each unit must keep.
    package var keep: Int
    /// The IVF index the search probes, when the table has one for this column and metric.
    package var ivf: IVFProbe? = nil

    /// An IVF index chosen for a search, and the lists its query probes.
    package struct IVFProbe: Sendable {
        package var index: VectorIndexDefinition
        package var centroids: IVFCentroids
        package var probes: Int
        package var probed: [Int]

        init(index: VectorIndexDefinition, centroids: IVFCentroids, probes: Int, query: [Float]) {
            self.index = index
            self.centroids = centroids
            self.probes = min(max(1, probes), index.lists)
            probed = centroids.probe(query, probes: self.probes)
        }

        /// The same search over `factor` times as many lists (the iterative scan's next round).
        func widened(by factor: Int, query: [Float]) -> IVFProbe {
            IVFProbe(index: index, centroids: centroids, probes: probes * factor, query: query)
        }

        /// Default probes: √lists, which keeps recall@10 near 0.95 on clustered data (pgvector's default is 1).
        static func defaultProbes(lists: Int) -> Int { max(1, Int(Double(lists).squareRoot().rounded())) }
    }

    /// Picks the table's IVF index for this search's column and metric, if there is one.
    mutating func chooseIndex(_ table: TableSnapshot, probes: Int?) throws(CairnError) {
        guard let index = table.vectorIndex(column: tableColumn, metric: metric) else { return }
        let centroids = try table.centroids(index)
        guard centroids.dimension == query.count else { return }
        ivf = IVFProbe(index: index, centroids: centroids, probes: probes ?? IVFProbe.defaultProbes(lists: index.lists), query: query)
    }

    /// Which rows of a unit the search considers: nil for all rows (exact), else the unit's rows in the
    /// probed lists. When the filter's selectivity in this unit, applied to the whole table, predicts
    /// fewer than `keep` matching rows in the probed lists, the unit is searched exactly, so filtered
    /// searches still return `keep` rows.
    func candidateRows(_ unit: ScanUnit, table: TableSnapshot, tableRows: Int, matching: Int) throws(CairnError) -> IndexedRows? {
        guard let ivf, ivf.probes < ivf.index.lists, unit.rowCount > 0 else { return nil }
        let selectivity = Double(matching) / Double(unit.rowCount)
        let expected = selectivity * Double(tableRows) * Double(ivf.probes) / Double(ivf.index.lists)
        guard expected >= Double(keep) else { return nil }
        return try table.indexedRows(unit, index: ivf.index, centroids: ivf.centroids, probed: ivf.probed)
    }

    /// Recognises the search in a plan's first ORDER BY key; nil when the plan is not a k-NN query.
    static func detect(_ plan: SelectPlan, scanColumns: [Int]) -> VectorSearch? {
        guard !plan.isAggregating, !plan.distinct, plan.distinctOn.isEmpty, let limit = plan.limit, let first = plan.order.first,
              case .function(.vectorDistance(let d), let args, _) = plan.projections[first.column] else { return nil }
        let metric: VectorMetric
        if let m = d.ascendingMetric, !first.descending {
            metric = m
        } else if d == .innerProduct, first.descending {
            metric = .innerProduct
        } else {
            return nil
        }
        let column: Int, query: [Float]
        switch (args[0], args[1]) {
        case (.column(let c, _), .constant(.vector(let q), _)), (.constant(.vector(let q), _), .column(let c, _)):
            column = c; query = q
        default:
            return nil
        }
        let (keep, overflow) = limit.addingReportingOverflow(plan.offset)
        guard !overflow, scanColumns.indices.contains(column) else { return nil }
        return VectorSearch(column: column, tableColumn: scanColumns[column], query: query, metric: metric, keep: keep)
    }

    /// The rows of `batch` to keep: the `keep` nearest non-NULL vectors among `candidates` (positions
    /// in `batch`; all rows when nil), in ascending row order. With the index's 8-bit codes, only the
    /// rows whose codes say they may be among them have their floats read; `prepared` keeps the query
    /// prepared for each segment's codes across the units of one worker. `seen` holds the `keep` best
    /// scores of the worker's earlier units: rows that lose to all of them are not kept, so after the
    /// first units few rows per unit are gathered and projected.
    func screen(_ batch: Batch, candidates: IndexedRows? = nil, prepared: inout PreparedQueries,
                seen: inout TopK.Smallest) throws(CairnError) -> [Int] {
        let vector = batch.columns[column]
        guard case .vectors(let a) = vector.storage, batch.count > 0 else { return [] }
        if a.dimension != query.count {
            // An all-NULL column of unknown dimension has nothing to return; anything else is a user error.
            if a.dimension == 0 { return [] }
            throw CairnError(.type, "different vector dimensions \(a.dimension) and \(query.count)")
        }
        if let candidates, let (codes, codeRows) = candidates.codes, codes.dimension == query.count {
            let rows = candidates.live
            var best = TopK.Smallest(keep: keep)
            query.withUnsafeBufferPointer { q in
                guard let qb = q.baseAddress else { return }
                VectorKernels.screen(a, rows: rows, codeRows: codeRows, validity: vector.validity, codes: codes, query: qb,
                                     prepared: prepared.query(qb, codes, key: 0), metric: metric, threshold: seen.threshold,
                                     keep: keep) { i, score in
                    if !(score > seen.threshold) {
                        best.offer(score: score, row: rows[i])
                        seen.offer(score: score, row: rows[i])
                    }
                    return seen.threshold
                }
            }
            return best.rows
        }
        if let candidates {
            let scores = VectorKernels.scores(a, rows: candidates.live, query: query, metric: metric)
            return TopK.smallest(scores, keep: keep, validity: vector.validity, rows: candidates.live, seen: &seen)
        }
        let scores = VectorKernels.scores(a, query: query, metric: metric)
        return TopK.smallest(scores, keep: keep, validity: vector.validity, seen: &seen)
    }
}

/// Queries prepared against segments' 8-bit codes (``SQ8Codes/prepare(_:)``), by codes and query
/// number, for one worker. Each entry holds its codes, so no other segment's codes can take over
/// their identity while it is cached.
package struct PreparedQueries {
    private var entries: [Key: (codes: SQ8Codes, query: SQ8Codes.Query)] = [:]

    private struct Key: Hashable {
        var codes: ObjectIdentifier
        var query: Int
    }

    package init() {}

    /// Query number `key`, whose vector is `vector`, prepared for `codes`.
    package mutating func query(_ vector: UnsafePointer<Float>, _ codes: SQ8Codes, key: Int) -> SQ8Codes.Query {
        let k = Key(codes: ObjectIdentifier(codes), query: key)
        if let hit = entries[k] { return hit.query }
        let prepared = codes.prepare(vector)
        entries[k] = (codes, prepared)
        return prepared
    }
}
