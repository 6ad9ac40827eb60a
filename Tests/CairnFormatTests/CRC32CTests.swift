import Testing
@testable import CairnFormat

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func seedChainsAcrossSplits() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let whole = CRC32C.checksum(bytes)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let first = CRC32C.checksum(Array(bytes[..<split]))
            #expect(CRC32C.checksum(Array(bytes[split...]), seed: first) == whole)
        }
    }

    @Test func detectsEverySingleBitFlip() {
        let bytes = (0..<64).map { UInt8($0) }
        let crc = CRC32C.checksum(bytes)
        for bit in 0..<(64 * 8) {
            var copy = bytes
            copy[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(CRC32C.checksum(copy) != crc)
        }
    }
}

@Suite struct CRC32CHardwareTests {
    /// The instruction and the tables agree on every length, alignment and seed; the known vectors
    /// above go through whichever `checksum` uses on this machine.
    @Test func hardwareAndSoftwareAgree() {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<4099).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4090] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                    let seed = UInt32.random(in: 0...UInt32.max, using: &rng)
                    #expect(CRC32C.checksum(slice, seed: seed) == CRC32C.software(slice, seed: seed),
                            "start \(start), length \(length), hardware \(CRC32C.hardware)")
                }
            }
        }
    }
}
