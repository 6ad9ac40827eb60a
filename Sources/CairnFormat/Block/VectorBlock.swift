/// One block of a VECTOR column (docs/format.md §3.3): stored uncompressed so that the floats can be
/// used where they lie, with every section starting on a 64-byte boundary of the block (the writer
/// starts the block on a 64-byte boundary of the file):
///
///     u8  physical type (4)    u8 flags (bit 0: validity bitmap present; bit 1: norms present)
///     u16 0                    u32 row count            u32 dimension            u32 0
///     validity bitmap, ceil(rows / 8) bytes, bit i (LSB first) set = row i not NULL   (if flag bit 0)
///     zero padding to a multiple of 64
///     norms: rows × f32, the L2 norm of each row (0 for NULL rows)                   (if flag bit 1)
///     zero padding to a multiple of 64
///     vectors: rows × dimension × f32, row-major; NULL rows are zeros
///
/// The footer records encoding ``encoding`` for these blocks and their CRC-32C like any other.
enum VectorBlock {
    static let encoding: UInt8 = 0x40
    static let alignment = 64
    private static let headerSize = 16
    private static let hasValidity: UInt8 = 1
    private static let hasNorms: UInt8 = 2

    /// Encodes rows `range` of `v` (all of them by default) straight from its storage: a segment
    /// writer cuts an 8 MiB block out of a column this way without first copying the block out.
    static func encode(_ v: ColumnVector, rows range: Range<Int>? = nil) -> [UInt8] {
        guard case .vectors(let a) = v.storage else { preconditionFailure("VectorBlock.encode needs vectors") }
        let range = range ?? 0..<a.count
        let rows = range.count, d = a.dimension
        var out: [UInt8] = []
        out.reserveCapacity(3 * alignment + rows * (d + 1) * 4 + rows / 8)
        let validity = v.validity.map { $0[range] }
        out.append(PhysicalType.vector.rawValue)
        out.append(hasNorms | (validity == nil ? 0 : hasValidity))
        out.appendLittleEndian(UInt16(0))
        out.appendLittleEndian(UInt32(rows))
        out.appendLittleEndian(UInt32(d))
        out.appendLittleEndian(UInt32(0))
        if let validity {
            var byte: UInt8 = 0
            for (i, valid) in validity.enumerated() {
                if valid { byte |= 1 << UInt8(i & 7) }
                if i & 7 == 7 { out.append(byte); byte = 0 }
            }
            if rows & 7 != 0 { out.append(byte) }
        }
        pad(&out)
        a.floats.withUnsafeBufferPointer { f in
            let floats = UnsafeBufferPointer(rebasing: f[range.lowerBound * d..<range.upperBound * d])
            if let norms = a.norms {
                norms[range].withUnsafeBytes { out.append(contentsOf: $0) }
            } else {
                for i in 0..<rows {
                    out.appendLittleEndian(VectorArray.norm(UnsafeBufferPointer(rebasing: floats[i * d..<(i + 1) * d])).bitPattern)
                }
            }
            pad(&out)
            out.append(contentsOf: UnsafeRawBufferPointer(floats))
        }
        return out
    }

    /// A block's sections, read in place from its bytes (valid only inside ``withSections(_:rows:_:)``).
    struct Sections {
        var rows: Int
        var dimension: Int
        var validity: [Bool]?
        var norms: [Float]?
        /// `rows × dimension` little-endian floats.
        var floats: UnsafeRawBufferPointer
    }

    /// Checks a block's layout and passes its sections to `body`.
    static func withSections<R>(_ bytes: [UInt8], rows expectedRows: Int,
                                _ body: (Sections) throws(CairnError) -> R) throws(CairnError) -> R {
        try bytes.withBytes { (raw) throws(CairnError) in
            var r = ByteReader(raw, what: "vector block")
            let type = try r.read(UInt8.self)
            guard type == PhysicalType.vector.rawValue else { throw r.corrupt("block holds physical type \(type), expected vectors") }
            let flags = try r.read(UInt8.self)
            guard flags & ~(hasValidity | hasNorms) == 0, try r.read(UInt16.self) == 0 else {
                throw r.corrupt("unknown vector block flags \(flags)")
            }
            let rows = Int(try r.read(UInt32.self))
            guard rows == expectedRows else { throw r.corrupt("block holds \(rows) rows, expected \(expectedRows)") }
            let dimension = Int(try r.read(UInt32.self))
            guard (1...VectorText.maxDimension).contains(dimension) else { throw r.corrupt("vector dimension \(dimension) is out of range") }
            _ = try r.read(UInt32.self)
            var validity: [Bool]?
            if flags & hasValidity != 0 {
                let bitmap = try r.take((rows + 7) / 8)
                validity = (0..<rows).map { bitmap[$0 >> 3] & (1 << UInt8($0 & 7)) != 0 }
            }
            _ = try r.take(paddingAfter(r.position))
            var norms: [Float]?
            if flags & hasNorms != 0 {
                norms = [Float](copyingBytes: try r.take(rows * 4), count: rows)
                _ = try r.take(paddingAfter(r.position))
            }
            let floats = try r.take(rows * dimension * 4)
            try r.expectEnd()
            return try body(Sections(rows: rows, dimension: dimension, validity: validity, norms: norms, floats: floats))
        }
    }

    static func decode(_ bytes: [UInt8], rows: Int) throws(CairnError) -> ColumnVector {
        try withSections(bytes, rows: rows) { s in
            // Decoded blocks are what the block cache keeps and searches scan: huge pages.
            let floats = AlignedFloats(copyingBytes: s.floats, count: s.rows * s.dimension, hugePages: true)
            return ColumnVector(storage: .vectors(VectorArray(dimension: s.dimension, count: s.rows, floats: floats, norms: s.norms)),
                                validity: s.validity?.allSatisfy { $0 } == true ? nil : s.validity)
        }
    }

    private static func paddingAfter(_ position: Int) -> Int { (alignment - position % alignment) % alignment }

    private static func pad(_ out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(0, count: paddingAfter(out.count)))
    }
}
