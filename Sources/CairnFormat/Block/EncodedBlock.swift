/// One block of one column, encoded (docs/format.md §3.1):
///
///     u8  physical type (PhysicalType raw value)
///     u32 row count
///     validity section (§2.6)
///     values section of the non-NULL rows only (§2.3–§2.5), absent when every row is NULL
///
/// NULL rows are left out of the values so that they do not widen bit widths or dictionaries;
/// decoding puts them back as 0 / 0.0 / "" (the `ColumnVector` convention).
package enum EncodedBlock {
    /// The footer's encoding byte for a block whose rows are all NULL.
    static let allNullEncoding: UInt8 = 0xFF

    /// Encodes `v`; returns the bytes and the values encoding id (or `allNullEncoding`).
    package static func encode(_ v: ColumnVector) -> (bytes: [UInt8], encoding: UInt8) {
        let n = v.count
        var out: [UInt8] = []
        out.reserveCapacity(64 + n * 2)
        out.append(v.physical.rawValue)
        out.appendLittleEndian(UInt32(n))
        let (kind, _) = Validity.encode(v.validity, count: n, into: &out)
        if kind == .allNull { return (out, allNullEncoding) }
        let dense = kind == .bitmap ? v.validity : nil
        let encoding: UInt8
        switch v.storage {
        case .int64(let a):
            let values = dense.map { mask in a.indices.filter { mask[$0] }.map { a[$0] } } ?? a
            encoding = values.withUnsafeBufferPointer { IntegerEncoding.encode($0, into: &out) }.rawValue
        case .float64(let a):
            let values = dense.map { mask in a.indices.filter { mask[$0] }.map { a[$0] } } ?? a
            encoding = values.withUnsafeBufferPointer { FloatEncoding.encode($0, into: &out) }.rawValue
        case .bytes(let b):
            var values = b
            if let mask = dense {
                values = ByteArray()
                for i in 0..<n where mask[i] { b.withBytes(at: i) { values.append(bytes: $0) } }
            }
            encoding = StringEncoding.encode(values, into: &out).rawValue
        case .vectors:
            preconditionFailure("vector columns are written as VectorBlock (§3.3)")
        }
        return (out, encoding)
    }

    /// Decodes a block that must hold `rows` rows of `physical` values; returns the vector and its encoding.
    package static func decode(_ bytes: UnsafeRawBufferPointer, physical: PhysicalType, rows: Int) throws(CairnError)
        -> (ColumnVector, encoding: UInt8)
    {
        var r = ByteReader(bytes, what: "decoded block")
        let type = try r.read(UInt8.self)
        guard type == physical.rawValue else {
            throw r.corrupt("block holds physical type \(type), expected \(physical.rawValue)")
        }
        let n = Int(try r.read(UInt32.self))
        guard n == rows else { throw r.corrupt("block holds \(n) rows, expected \(rows)") }
        let (kind, validity, nonNull) = try Validity.decode(&r, count: n)
        if kind == .allNull {
            try r.expectEnd()
            return (ColumnVector.nulls(physical, count: n), allNullEncoding)
        }
        let vector: ColumnVector
        let encoding: UInt8
        switch physical {
        case .int64:
            var values = [Int64](repeating: 0, count: n)
            encoding = try values.withUnsafeMutableBufferPointer { (p) throws(CairnError) in
                let id = try IntegerEncoding.decode(&r, into: UnsafeMutableBufferPointer(rebasing: p[..<nonNull]))
                if let validity { scatter(p, nonNull: nonNull, validity: validity, zero: 0) }
                return id.rawValue
            }
            vector = ColumnVector(storage: .int64(values), validity: validity)
        case .float64:
            var values = [Double](repeating: 0, count: n)
            encoding = try values.withUnsafeMutableBufferPointer { (p) throws(CairnError) in
                let id = try FloatEncoding.decode(&r, into: UnsafeMutableBufferPointer(rebasing: p[..<nonNull]))
                if let validity { scatter(p, nonNull: nonNull, validity: validity, zero: 0) }
                return id.rawValue
            }
            vector = ColumnVector(storage: .float64(values), validity: validity)
        case .vector:
            throw r.corrupt("vector values cannot be in an encoded block")
        case .bytes:
            let (dense, id, dictionary) = try StringEncoding.decode(&r, count: nonNull)
            encoding = id.rawValue
            var strings = dense
            if let validity {
                var offsets = [Int](repeating: 0, count: n + 1)
                var j = 0
                for i in 0..<n {
                    if validity[i] { j += 1 }
                    offsets[i + 1] = dense.offsets[j]
                }
                strings = ByteArray(offsets: offsets, data: dense.data)
            }
            if let (codes, values) = dictionary {
                let dictionary = StringCodes(count: n, dense: codes, validity: validity, values: values, sorted: id == .sortedDictionary)
                vector = ColumnVector(bytes: strings, validity: validity, dictionary: dictionary)
            } else {
                vector = ColumnVector(storage: .bytes(strings), validity: validity)
            }
        }
        try r.expectEnd()
        return (vector, encoding)
    }

    /// Spreads the `nonNull` dense values at the front of `p` out to the rows `validity` marks valid,
    /// zeroing NULL rows. Works backwards so it can run in place.
    private static func scatter<T>(_ p: UnsafeMutableBufferPointer<T>, nonNull: Int, validity: [Bool], zero: T) {
        var j = nonNull - 1
        for i in stride(from: p.count - 1, through: 0, by: -1) {
            if validity[i] {
                p[i] = p[j]
                j -= 1
            } else {
                p[i] = zero
            }
        }
    }
}
