import CairnQuery
import CairnVector

/// The distance a nearest-neighbour search ranks by; each is one pgvector operator.
public enum VectorMetric: Sendable, Hashable {
    /// `<->`: Euclidean distance.
    case l2
    /// `<#>`: negative inner product (larger inner products rank first).
    case innerProduct
    /// `<=>`: cosine distance, 1 − cosine similarity.
    case cosine

    var engineMetric: CairnVector.VectorMetric {
        switch self {
        case .l2: .l2
        case .innerProduct: .innerProduct
        case .cosine: .cosine
        }
    }
}

extension Database {
    /// The `k` rows of `table` whose vector `column` is nearest to `query`.
    ///
    /// Returns the `returning` columns followed by a `distance` column (pgvector's value for `metric`),
    /// nearest first. Rows whose vector is NULL are never returned. `filter` is a SQL condition on the
    /// table's columns, with `$1`, `$2`, … bound to `parameters`; whenever at least `k` rows match it,
    /// `k` rows come back, with or without an index. `probes` overrides `SET ivfflat.probes` for an
    /// IVF index on the column; exact search is used when no index serves `metric`.
    ///
    /// ```swift
    /// let hits = try db.nearest(to: embedding, k: 10, in: "chunks", column: "embedding", metric: .cosine,
    ///                           filter: "kb_id = $1", parameters: [.string("kb-7")], returning: ["id", "text"])
    /// ```
    public func nearest(to query: [Float], k: Int, in table: String, column: String = "embedding",
                        metric: VectorMetric = .cosine, filter: String? = nil, parameters: [Value] = [],
                        returning: [String] = ["id"], probes: Int? = nil) throws -> QueryResult {
        let request = NearestRequest(table: table, column: column, k: k, metric: metric.engineMetric, filter: filter,
                                     parameters: parameters, returning: returning, probes: probes)
        return try core.retryingVanishedFiles { QueryResult(try core.session.nearest(request, query: query)) }
    }

    /// ``nearest(to:k:in:column:metric:filter:parameters:returning:probes:)`` for many queries at once,
    /// one result per query in order, the same rows as the single form gives. Exact searches score
    /// every block against all queries with one `sgemm`; unfiltered IVF searches score each probed
    /// list against all the queries that probe it with one `sgemm`. Both are many times faster than
    /// running the queries one by one.
    public func nearest(to queries: [[Float]], k: Int, in table: String, column: String = "embedding",
                        metric: VectorMetric = .cosine, filter: String? = nil, parameters: [Value] = [],
                        returning: [String] = ["id"], probes: Int? = nil) throws -> [QueryResult] {
        let request = NearestRequest(table: table, column: column, k: k, metric: metric.engineMetric, filter: filter,
                                     parameters: parameters, returning: returning, probes: probes)
        return try core.retryingVanishedFiles { try core.session.nearest(request, queries: queries).map(QueryResult.init) }
    }
}

extension QueryResult {
    init(_ r: MaterializedResult) {
        self.init(columnNames: r.names, columnTypes: r.types, columns: r.columns, rowsAffected: r.rowsAffected)
    }
}
