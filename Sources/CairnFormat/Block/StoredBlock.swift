/// A block as it sits in a segment file (docs/format.md §3.2):
///
///     u8  compression: 0 = none, 1 = zstd
///     u32 encoded length (bytes of the encoded block, §3.1)
///     payload: the encoded block itself, or one zstd frame that decompresses to it
///
/// The CRC32C of all these bytes is kept in the segment footer, not in the block.
enum StoredBlock {
    enum Compression: UInt8 {
        case none = 0
        case zstd = 1
    }

    static let headerSize = 5

    /// Wraps an encoded block, compressing it with zstd unless that does not make it smaller.
    static func make(_ encoded: [UInt8]) throws(CairnError) -> [UInt8] {
        guard encoded.count <= Int(UInt32.max) else {
            throw CairnError(.invalidInput, "a block encodes to \(encoded.count) bytes, more than the 4 GiB limit")
        }
        let compressed = try encoded.withBytes { (raw) throws(CairnError) in try Zstd.compress(raw) }
        let useZstd = compressed.count < encoded.count
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + (useZstd ? compressed.count : encoded.count))
        out.append(useZstd ? Compression.zstd.rawValue : Compression.none.rawValue)
        out.appendLittleEndian(UInt32(encoded.count))
        out.append(contentsOf: useZstd ? compressed : encoded)
        return out
    }

    /// Calls `body` with the encoded block inside `stored`, decompressing if needed.
    static func withEncoded<R>(_ stored: UnsafeRawBufferPointer,
                               _ body: (UnsafeRawBufferPointer) throws(CairnError) -> R) throws(CairnError) -> R {
        var r = ByteReader(stored, what: "stored block")
        let raw = try r.read(UInt8.self)
        guard let compression = Compression(rawValue: raw) else { throw r.corrupt("unknown compression \(raw)") }
        let length = Int(try r.read(UInt32.self))
        let payload = try r.take(r.remaining)
        switch compression {
        case .none:
            guard payload.count == length else {
                throw r.corrupt("uncompressed payload has \(payload.count) bytes, header says \(length)")
            }
            return try body(payload)
        case .zstd:
            let decoded = try Zstd.decompress(payload, decompressedSize: length)
            return try decoded.withBytes(body)
        }
    }
}
