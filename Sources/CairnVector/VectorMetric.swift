/// The distance a vector search orders by. Each matches one pgvector operator and opclass:
/// `<->`/`vector_l2_ops`, `<#>`/`vector_ip_ops` (negative inner product), `<=>`/`vector_cosine_ops`.
package enum VectorMetric: String, Sendable, Hashable, Codable, CaseIterable {
    case l2
    case innerProduct = "ip"
    case cosine

    /// The pgvector operator class name.
    package var opclass: String {
        switch self {
        case .l2: "vector_l2_ops"
        case .innerProduct: "vector_ip_ops"
        case .cosine: "vector_cosine_ops"
        }
    }

    package init?(opclass: String) {
        guard let m = Self.allCases.first(where: { $0.opclass == opclass.lowercased() }) else { return nil }
        self = m
    }

    /// The SQL operator whose ascending order this metric serves.
    package var sqlOperator: String {
        switch self {
        case .l2: "<->"
        case .innerProduct: "<#>"
        case .cosine: "<=>"
        }
    }
}
