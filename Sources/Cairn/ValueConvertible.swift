import CairnFormat
import Foundation

/// A Swift type that query results can be read as, for typed column access.
///
/// ```swift
/// let r = try db.query("SELECT tenant_id, count(*) FROM events GROUP BY 1")
/// let tenants = try r.column(0, as: String.self)     // [String?]
/// let counts = try r.column(1, as: Int64.self)       // [Int64?]
/// ```
public protocol ValueConvertible {
    /// Converts a non-NULL value, or returns nil when it is of another kind.
    init?(cairnValue: Value)
}

extension Int64: ValueConvertible {
    public init?(cairnValue v: Value) {
        switch v {
        case .int(let i): self = i
        case .bool(let b): self = b ? 1 : 0
        default: return nil
        }
    }
}

extension Int: ValueConvertible {
    public init?(cairnValue v: Value) {
        guard let i = Int64(cairnValue: v) else { return nil }
        self = Int(i)
    }
}

extension Double: ValueConvertible {
    public init?(cairnValue v: Value) {
        switch v {
        case .double(let d): self = d
        case .int(let i): self = Double(i)
        default: return nil
        }
    }
}

extension Bool: ValueConvertible {
    public init?(cairnValue v: Value) {
        guard case .bool(let b) = v else { return nil }
        self = b
    }
}

extension String: ValueConvertible {
    /// Strings and JSON as their text; other values in their SQL text form.
    public init?(cairnValue v: Value) {
        switch v {
        case .string(let s), .json(let s): self = s
        case .null: return nil
        default: self = v.description
        }
    }
}

extension Date: ValueConvertible {
    /// Timestamps and dates (at midnight UTC).
    public init?(cairnValue v: Value) {
        switch v {
        case .timestamp(let us): self = Date(timeIntervalSince1970: Double(us) / 1_000_000)
        case .date(let d): self = Date(timeIntervalSince1970: Double(d) * 86_400)
        default: return nil
        }
    }
}

extension QueryResult {
    /// Column `index` as `T`, with nil for NULL.
    /// - Throws: ``CairnError/Code/type`` naming the column when a value cannot be read as `T`.
    public func column<T: ValueConvertible>(_ index: Int, as type: T.Type) throws -> [T?] {
        try columns[index].map { v in
            if v.isNull { return nil }
            guard let t = T(cairnValue: v) else {
                throw CairnError(.type, "column \"\(columnNames[index])\" (\(columnTypes[index])) cannot be read as \(T.self)")
            }
            return t
        }
    }

    /// The column called `name` as `T`, with nil for NULL.
    public func column<T: ValueConvertible>(named name: String, as type: T.Type) throws -> [T?] {
        guard let i = columnNames.firstIndex(of: name) else {
            throw CairnError(.notFound, "the result has no column \"\(name)\"")
        }
        return try column(i, as: type)
    }
}

extension Row {
    /// The value of column `index` as `T`, or nil for NULL.
    public func get<T: ValueConvertible>(_ index: Int, as type: T.Type = T.self) throws -> T? {
        let v = self[index]
        if v.isNull { return nil }
        guard let t = T(cairnValue: v) else {
            throw CairnError(.type, "column \"\(result.columnNames[index])\" cannot be read as \(T.self)")
        }
        return t
    }
}
