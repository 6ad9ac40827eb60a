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
