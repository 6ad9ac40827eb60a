/// Counts of one byte value in a buffer, eight bytes at a time: the scalar loop does not vectorize,
/// and COPY counts line feeds and quotes in every chunk.
enum ByteCount {
    static func occurrences(of byte: UInt8, in buf: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let pattern = UInt64(byte) &* ones
        var total = 0
        var i = 0
        while i + 8 <= buf.count {
            // Bytes equal to `byte` become zero; each zero byte, and only those, gets its high bit set.
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
            let zeros = ~(((x & low7) &+ low7) | x | low7)
            total += zeros.nonzeroBitCount
            i += 8
        }
        while i < buf.count {
            if buf[i] == byte { total += 1 }
            i += 1
        }
        return total
    }
}
