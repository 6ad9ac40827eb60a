/// Binary form of a zone map inside a segment footer (docs/format.md §4.3):
///
///     u8 kind: 0 = no bounds, 1 = integer, 2 = double, 3 = string
///     kind 1: i64 min, i64 max    kind 2: u64 min bits, u64 max bits
///     kind 3: u16 length + UTF-8 bytes of min, then the same for max (each <= ZoneMap.maxStringBound)
///     u32 null count
///
/// The row count is the block's and is not repeated. Bounds of any other `Value` case are not
/// recorded (kind 0); `ZoneMap.init(_:)` never produces them.
enum ZoneMapCoding {
    static func write(_ z: ZoneMap, into out: inout [UInt8]) {
        switch (z.min, z.max) {
        case (.int(let lo), .int(let hi)):
            out.append(1)
            out.appendLittleEndian(lo)
            out.appendLittleEndian(hi)
        case (.double(let lo), .double(let hi)):
            out.append(2)
            out.appendLittleEndian(lo.bitPattern)
            out.appendLittleEndian(hi.bitPattern)
        case (.string(let lo), .string(let hi))
            where lo.utf8.count <= ZoneMap.maxStringBound && hi.utf8.count <= ZoneMap.maxStringBound:
            out.append(3)
            for s in [lo, hi] {
                out.appendLittleEndian(UInt16(s.utf8.count))
                out.append(contentsOf: s.utf8)
            }
        default:
            out.append(0)
        }
        out.appendLittleEndian(UInt32(z.nullCount))
    }

    static func read(_ r: inout ByteReader, rowCount: Int) throws(CairnError) -> ZoneMap {
        let kind = try r.read(UInt8.self)
        var lo = Value.null, hi = Value.null
        switch kind {
        case 0:
            break
        case 1:
            lo = .int(try r.read(Int64.self))
            hi = .int(try r.read(Int64.self))
        case 2:
            lo = .double(Double(bitPattern: try r.read(UInt64.self)))
            hi = .double(Double(bitPattern: try r.read(UInt64.self)))
        case 3:
            lo = .string(try readString(&r))
            hi = .string(try readString(&r))
        default:
            throw r.corrupt("unknown zone map kind \(kind)")
        }
        let nullCount = try r.readCount(UInt32.self, limit: rowCount, "zone map null count")
        return ZoneMap(min: lo, max: hi, nullCount: nullCount, rowCount: rowCount)
    }

    private static func readString(_ r: inout ByteReader) throws(CairnError) -> String {
        let length = try r.readCount(UInt16.self, limit: ZoneMap.maxStringBound, "zone map string length")
        let bytes = try r.take(length)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension ZoneMap {
    /// The zone map of the rows of `self` and `other` together. Bounds survive only if both sides have
    /// them (or one side is entirely NULL) and they are of the same kind.
    func merged(with other: ZoneMap) -> ZoneMap {
        let rows = rowCount + other.rowCount, nulls = nullCount + other.nullCount
        if allNull { return ZoneMap(min: other.min, max: other.max, nullCount: nulls, rowCount: rows) }
        if other.allNull { return ZoneMap(min: min, max: max, nullCount: nulls, rowCount: rows) }
        switch (min, max, other.min, other.max) {
        case (.int(let a), .int(let b), .int(let c), .int(let d)):
            return ZoneMap(min: .int(Swift.min(a, c)), max: .int(Swift.max(b, d)), nullCount: nulls, rowCount: rows)
        case (.double(let a), .double(let b), .double(let c), .double(let d)):
            return ZoneMap(min: .double(Swift.min(a, c)), max: .double(Swift.max(b, d)), nullCount: nulls, rowCount: rows)
        case (.string(let a), .string(let b), .string(let c), .string(let d)):
            let lo = a.utf8.lexicographicallyPrecedes(c.utf8) ? a : c
            let hi = b.utf8.lexicographicallyPrecedes(d.utf8) ? d : b
            return ZoneMap(min: .string(lo), max: .string(hi), nullCount: nulls, rowCount: rows)
        default:
            return ZoneMap(min: .null, max: .null, nullCount: nulls, rowCount: rows)
        }
    }
}
