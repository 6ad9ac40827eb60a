/// Encodings of a run of `Double` values (docs/format.md §2.4). Bit patterns are preserved exactly
/// (NaN payloads, -0.0, infinities).
enum FloatEncoding {
    enum ID: UInt8 {
        /// IEEE 754 bit patterns, little-endian; zstd compresses the repetitive bytes afterwards.
        case plain = 0
        /// Every value is an integer of magnitude <= 2^53 (and none is -0.0): stored as an integer run.
        case integral = 1
    }

    private static let maxExactInteger = 9_007_199_254_740_992.0

    @discardableResult
    static func encode(_ values: UnsafeBufferPointer<Double>, into out: inout [UInt8]) -> ID {
        let n = values.count
        if n > 0, values.allSatisfy(isExactInteger) {
            let start = out.count
            out.append(ID.integral.rawValue)
            let ints = values.map { Int64($0) }
            let intID = ints.withUnsafeBufferPointer { IntegerEncoding.encode($0, into: &out) }
            if intID != .plain { return .integral }
            out.removeSubrange(start...)
        }
        out.append(ID.plain.rawValue)
        out.reserveCapacity(out.count + 8 * n)
        for v in values { out.appendLittleEndian(v.bitPattern) }
        return .plain
    }

    @inline(__always)
    private static func isExactInteger(_ v: Double) -> Bool {
        v.magnitude <= maxExactInteger && v == v.rounded(.towardZero) && !(v == 0 && v.sign == .minus)
    }

    @discardableResult
    static func decode(_ r: inout ByteReader, into dst: UnsafeMutableBufferPointer<Double>) throws(CairnError) -> ID {
        let raw = try r.read(UInt8.self)
        guard let id = ID(rawValue: raw) else { throw r.corrupt("unknown float encoding \(raw)") }
        let n = dst.count
        switch id {
        case .plain:
            let area = try r.take(8 * n)
            for i in 0..<n {
                dst[i] = Double(bitPattern: UInt64(littleEndian: area.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        case .integral:
            var ints = [Int64](repeating: 0, count: n)
            try ints.withUnsafeMutableBufferPointer { (p) throws(CairnError) in _ = try IntegerEncoding.decode(&r, into: p) }
            for i in 0..<n { dst[i] = Double(ints[i]) }
        }
        return id
    }
}
