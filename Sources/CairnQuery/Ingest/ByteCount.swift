import CByteCount

/// Counts of one byte value in a buffer: COPY counts line feeds and quotes in every chunk, so this
/// runs over every byte loaded (Sources/CByteCount/bytecount.c, 16 bytes at a time).
enum ByteCount {
    static func occurrences(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        return cairn_count_byte(base, buf.count, byte)
    }
}
