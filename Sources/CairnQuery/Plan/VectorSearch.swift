import CairnFormat
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

    /// Recognises the search in a plan's first ORDER BY key; nil when the plan is not a k-NN query.
    static func detect(_ plan: SelectPlan, scanColumns: [Int]) -> VectorSearch? {
        guard !plan.isAggregating, !plan.distinct, let limit = plan.limit, let first = plan.order.first,
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

    /// The rows of `batch` to keep: the `keep` nearest non-NULL vectors, in ascending row order.
    func screen(_ batch: Batch) throws(CairnError) -> [Int] {
        let vector = batch.columns[column]
        guard case .vectors(let a) = vector.storage, batch.count > 0 else { return [] }
        if a.dimension != query.count {
            // An all-NULL column of unknown dimension has nothing to return; anything else is a user error.
            if a.dimension == 0 { return [] }
            throw CairnError(.type, "different vector dimensions \(a.dimension) and \(query.count)")
        }
        let scores = VectorKernels.scores(a, query: query, metric: metric)
        return TopK.smallest(scores, keep: keep, validity: vector.validity)
    }
}
