/// The NULL mask of a block (docs/format.md §2.6): `u8 kind`, then for `.bitmap` one bit per row
/// (least-significant bit first, 1 = not NULL, unused high bits of the last byte 0).
enum Validity {
    enum Kind: UInt8 {
        /// No row is NULL; nothing follows.
        case noNulls = 0
        /// Some rows are NULL; a bitmap of `ceil(rows / 8)` bytes follows.
        case bitmap = 1
        /// Every row is NULL; nothing follows, and the block has no values section.
        case allNull = 2
    }

    /// Writes the mask of `count` rows; returns its kind and the number of non-NULL rows.
    static func encode(_ validity: [Bool]?, count: Int, into out: inout [UInt8]) -> (Kind, nonNull: Int) {
        guard let validity else {
            out.append(Kind.noNulls.rawValue)
            return (.noNulls, count)
        }
        let nonNull = validity.reduce(0) { $0 + ($1 ? 1 : 0) }
        if nonNull == count {
            out.append(Kind.noNulls.rawValue)
            return (.noNulls, count)
        }
        if nonNull == 0 && count > 0 {
            out.append(Kind.allNull.rawValue)
            return (.allNull, 0)
        }
        out.append(Kind.bitmap.rawValue)
        var byte: UInt8 = 0
        for i in 0..<count {
            if validity[i] { byte |= 1 << UInt8(i & 7) }
            if i & 7 == 7 { out.append(byte); byte = 0 }
        }
        if count & 7 != 0 { out.append(byte) }
        return (.bitmap, nonNull)
    }

    /// Reads the mask of `count` rows: `validity` is nil when no row is NULL.
    static func decode(_ r: inout ByteReader, count: Int) throws(CairnError) -> (Kind, validity: [Bool]?, nonNull: Int) {
        let raw = try r.read(UInt8.self)
        guard let kind = Kind(rawValue: raw) else { throw r.corrupt("unknown validity kind \(raw)") }
        switch kind {
        case .noNulls:
            return (kind, nil, count)
        case .allNull:
            return (kind, [Bool](repeating: false, count: count), 0)
        case .bitmap:
            let bits = try r.take((count + 7) / 8)
            if count & 7 != 0, let last = bits.last, last >> UInt8(count & 7) != 0 {
                throw r.corrupt("validity bitmap has bits set past row \(count)")
            }
            var nonNull = 0
            let validity = [Bool](unsafeUninitializedCapacity: count) { buf, initialized in
                for i in 0..<count {
                    let valid = (bits[i >> 3] >> UInt8(i & 7)) & 1 != 0
                    buf[i] = valid
                    nonNull += valid ? 1 : 0
                }
                initialized = count
            }
            return (kind, validity, nonNull)
        }
    }
}
