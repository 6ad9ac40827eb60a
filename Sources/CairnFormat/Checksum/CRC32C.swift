import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), with the CPU's CRC-32C instruction where it
/// has one (SSE 4.2, arm64's CRC extension), else in software with slicing-by-8.
///
/// Every checksum in Cairn's files uses this function (see docs/format.md §1.3). `seed` is the CRC of
/// the bytes that precede `buf`, so `checksum(b, seed: checksum(a)) == checksum(a + b)`; the CRC of no
/// bytes is 0. Check value: `checksum("123456789") == 0xE3069283`.
package enum CRC32C {
    /// Eight 256-entry tables, back to back: table `k` advances the CRC over a byte followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// Whether ``checksum(_:seed:)`` uses the CPU's instruction.
    package static let hardware = cairn_crc32c_hardware() != 0

    package static func checksum(_ buf: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = buf.baseAddress, !buf.isEmpty else { return seed }
        if hardware { return ~cairn_crc32c_update(~seed, base, buf.count) }
        return software(buf, seed: seed)
    }

    /// The table-driven computation, on any CPU.
    package static func software(_ buf: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        guard let base = buf.baseAddress, !buf.isEmpty else { return seed }
        let n = buf.count
        var crc = ~seed
        tables.withUnsafeBufferPointer { t in
            var p = 0
            while n - p >= 8 {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt64.self)) ^ UInt64(crc)
                crc = t[7 * 256 + Int(w & 0xFF)] ^ t[6 * 256 + Int((w >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((w >> 16) & 0xFF)] ^ t[4 * 256 + Int((w >> 24) & 0xFF)]
                    ^ t[3 * 256 + Int((w >> 32) & 0xFF)] ^ t[2 * 256 + Int((w >> 40) & 0xFF)]
                    ^ t[1 * 256 + Int((w >> 48) & 0xFF)] ^ t[Int(w >> 56)]
                p += 8
            }
            while p < n {
                crc = t[Int((crc ^ UInt32(base.load(fromByteOffset: p, as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                p += 1
            }
        }
        return ~crc
    }

    package static func checksum(_ bytes: [UInt8], seed: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, seed: seed) }
    }
}
