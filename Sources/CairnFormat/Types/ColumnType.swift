/// The SQL type of a table column or expression.
///
/// Every type maps onto one of four physical representations (see ``PhysicalType``):
/// integers, booleans, dates and timestamps are 64-bit integers; `REAL`/`DOUBLE` are doubles;
/// `VARCHAR`/`JSON` are byte strings; `VECTOR` is rows of float32. Timestamps are microseconds since the Unix epoch in UTC,
/// dates are days since 1970-01-01.
public enum ColumnType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case boolean = 1
    case smallint = 2
    case integer = 3
    case bigint = 4
    case real = 5
    case double = 6
    case varchar = 7
    case json = 8
    case date = 9
    case timestamp = 10
    case timestamptz = 11
    /// A time span; only produced by expressions, never stored in a table.
    case interval = 12
    /// A fixed-dimension float32 vector (pgvector's `vector(n)`); the dimension lives with the column.
    case vector = 13
    /// A time of day without a date or zone, to the microsecond.
    case time = 14

    /// The canonical SQL spelling, as DuckDB prints it.
    public var description: String {
        switch self {
        case .boolean: "BOOLEAN"
        case .smallint: "SMALLINT"
        case .integer: "INTEGER"
        case .bigint: "BIGINT"
        case .real: "FLOAT"
        case .double: "DOUBLE"
        case .varchar: "VARCHAR"
        case .json: "JSON"
        case .date: "DATE"
        case .timestamp: "TIMESTAMP"
        case .timestamptz: "TIMESTAMP WITH TIME ZONE"
        case .interval: "INTERVAL"
        case .vector: "VECTOR"
        case .time: "TIME"
        }
    }

    /// The representation used in column vectors and segment blocks.
    package var physical: PhysicalType {
        switch self {
        case .boolean, .smallint, .integer, .bigint, .date, .timestamp, .timestamptz, .interval, .time: .int64
        case .real, .double: .float64
        case .varchar, .json: .bytes
        case .vector: .vector
        }
    }

    package var isInteger: Bool { self == .smallint || self == .integer || self == .bigint }
    package var isNumeric: Bool { isInteger || self == .real || self == .double }
    package var isTemporal: Bool { self == .date || self == .timestamp || self == .timestamptz }
    package var isString: Bool { self == .varchar || self == .json }

    /// Parses a SQL type name (case-insensitive, with the usual aliases). Returns nil if unknown.
    public init?(sqlName: String) {
        switch sqlName.uppercased() {
        case "BOOLEAN", "BOOL", "LOGICAL": self = .boolean
        case "SMALLINT", "INT2", "SHORT": self = .smallint
        case "INTEGER", "INT", "INT4", "SIGNED": self = .integer
        case "BIGINT", "INT8", "LONG": self = .bigint
        case "REAL", "FLOAT", "FLOAT4": self = .real
        case "DOUBLE", "FLOAT8", "DOUBLE PRECISION", "NUMERIC", "DECIMAL": self = .double
        case "VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "CHARACTER", "CHARACTER VARYING": self = .varchar
        case "JSON", "JSONB": self = .json
        case "DATE": self = .date
        case "TIMESTAMP", "DATETIME", "TIMESTAMP WITHOUT TIME ZONE": self = .timestamp
        case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE": self = .timestamptz
        case "TIME", "TIME WITHOUT TIME ZONE": self = .time
        case "INTERVAL": self = .interval
        case "VECTOR": self = .vector
        default: return nil
        }
    }
}

/// How values of a ``ColumnType`` are laid out in memory and in segment blocks.
package enum PhysicalType: UInt8, Sendable {
    case int64 = 1
    case float64 = 2
    case bytes = 3
    case vector = 4
}
