/// A single SQL value: a query parameter, a literal, or one cell of a result row.
public enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// Microseconds since 1970-01-01 00:00:00 UTC.
    case timestamp(Int64)
    /// Days since 1970-01-01.
    case date(Int32)
    /// A time of day: microseconds since midnight, 0 through 86,400,000,000 (`24:00:00`).
    case time(Int64)
    /// Months, days and microseconds, kept apart like PostgreSQL and DuckDB do.
    case interval(months: Int32, days: Int32, micros: Int64)
    /// A JSON document, as text.
    case json(String)
    /// A float32 vector (pgvector's `vector`); its text form is `[1,2.5,3]`.
    case vector([Float])

    /// Whether this is SQL NULL.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value's text as DuckDB prints it (NULL prints as `NULL`).
    public var description: String { ValueFormatter.format(self) }
}
