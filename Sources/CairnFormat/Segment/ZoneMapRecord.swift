/// A `Codable` stand-in for ``ZoneMap`` (which, like ``Value``, is not `Codable`), used where zone maps
/// are stored as JSON, such as the manifest's ``SegmentSummary``. Doubles are kept as bit patterns
/// because JSON cannot hold infinities.
package struct ZoneMapRecord: Sendable, Codable, Equatable {
    package enum Bound: Sendable, Codable, Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case doubleBits(UInt64)
        case string(String)
        case timestamp(Int64)
        case date(Int32)
        case interval(months: Int32, days: Int32, micros: Int64)
        case json(String)

        package init(_ v: Value) {
            switch v {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .int(i)
            case .double(let d): self = .doubleBits(d.bitPattern)
            case .string(let s): self = .string(s)
            case .timestamp(let t): self = .timestamp(t)
            case .date(let d): self = .date(d)
            case .time(let t): self = .int(t)   // as a TIME column stores it (zone maps of columns hold stored values)
            case .interval(let m, let d, let us): self = .interval(months: m, days: d, micros: us)
            case .json(let s): self = .json(s)
            case .vector: self = .null  // vectors have no bounds
            }
        }

        package var value: Value {
            switch self {
            case .null: .null
            case .bool(let b): .bool(b)
            case .int(let i): .int(i)
            case .doubleBits(let bits): .double(Double(bitPattern: bits))
            case .string(let s): .string(s)
            case .timestamp(let t): .timestamp(t)
            case .date(let d): .date(d)
            case .interval(let m, let d, let us): .interval(months: m, days: d, micros: us)
            case .json(let s): .json(s)
            }
        }
    }

    package var min: Bound
    package var max: Bound
    package var nullCount: Int
    package var rowCount: Int

    package init(_ z: ZoneMap) {
        min = Bound(z.min)
        max = Bound(z.max)
        nullCount = z.nullCount
        rowCount = z.rowCount
    }

    package var zoneMap: ZoneMap { ZoneMap(min: min.value, max: max.value, nullCount: nullCount, rowCount: rowCount) }
}
