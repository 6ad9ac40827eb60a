import Foundation
import Testing
@testable import CairnFormat

@Suite struct CorruptionTests {
    /// Writes a small multi-block segment and returns its directory, path and bytes.
    func makeSegment() throws -> (dir: String, path: String, bytes: [UInt8]) {
        let dir = try makeTemporaryDirectory()
        let path = dir + "/seg.cseg"
        _ = try SegmentWriter.write(to: path, columns: sampleColumns(rows: 3000), rowsPerBlock: 1000)
        return (dir, path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Opens `path` and reads every block, returning the first error.
    func openAndReadAll(_ path: String) -> CairnError? {
        do throws(CairnError) {
            let reader = try SegmentReader(path: path)
            for id in reader.columnIDs {
                for b in 0..<reader.blockCount { _ = try reader.read(column: id, block: b) }
            }
            return nil
        } catch {
            return error
        }
    }

    func footerOffset(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: bytes.count - 24, as: UInt64.self)) }
    }

    @Test func flippedBlockByteFailsThatRead() throws {
        let (dir, path, bytes) = try makeSegment()
        defer { removeDirectory(dir) }
        for offset in [16, 20, 100, footerOffset(bytes) - 1] {
            var damaged = bytes
            damaged[offset] ^= 0x40
            try write(damaged, to: path)
            let error = try #require(openAndReadAll(path))
            #expect(error.code == .corrupt)
            #expect(error.file == path)
            #expect(error.offset != nil)
        }
    }

    @Test func flippedFooterOrTrailerByteFailsOpen() throws {
        let (dir, path, bytes) = try makeSegment()
        defer { removeDirectory(dir) }
        let footer = footerOffset(bytes)
        for offset in [footer, footer + 9, bytes.count - 25, bytes.count - 24, bytes.count - 16, bytes.count - 12, bytes.count - 1] {
            var damaged = bytes
            damaged[offset] ^= 0x01
            try write(damaged, to: path)
            let error = try #require(throws: CairnError.self) { try SegmentReader(path: path) }
            #expect(error.code == .corrupt)
            #expect(error.file == path)
        }
    }

    @Test func truncatedFileFailsOpen() throws {
        let (dir, path, bytes) = try makeSegment()
        defer { removeDirectory(dir) }
        for length in [0, 1, 15, 16, 39, 40, bytes.count / 2, footerOffset(bytes), bytes.count - 24, bytes.count - 1] {
            try write(Array(bytes[..<length]), to: path)
            let error = try #require(throws: CairnError.self) { try SegmentReader(path: path) }
            #expect(error.code == .corrupt)
            #expect(error.file == path)
        }
    }

    @Test func badMagicAndUnknownVersion() throws {
        let (dir, path, bytes) = try makeSegment()
        defer { removeDirectory(dir) }
        var badMagic = bytes
        badMagic[0] = UInt8(ascii: "X")
        try write(badMagic, to: path)
        let magicError = try #require(throws: CairnError.self) { try SegmentReader(path: path) }
        #expect(magicError.code == .corrupt && magicError.file == path && magicError.offset == 0)

        var future = bytes
        future[8] = 3
        try write(future, to: path)
        let versionError = try #require(throws: CairnError.self) { try SegmentReader(path: path) }
        #expect(versionError.code == .unsupportedVersion)
        #expect(versionError.file == path)
        #expect(versionError.message.contains("segment format version 3 is not supported (this build reads versions 1 to 2)"))
    }

    @Test func missingFileIsNotFound() {
        let error = #expect(throws: CairnError.self) { try SegmentReader(path: "/nonexistent/cairn/segment") }
        #expect(error?.code == .notFound)
    }

    /// Thousands of random mutations: every one either reads fine or throws a CairnError.
    @Test func randomMutationsNeverCrash() throws {
        let (dir, path, bytes) = try makeSegment()
        defer { removeDirectory(dir) }
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for _ in 0..<3000 {
            var damaged = bytes
            switch Int.random(in: 0..<4, using: &rng) {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            case 1:
                damaged.removeLast(Int.random(in: 1..<damaged.count, using: &rng))
            case 2:
                damaged.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) },
                               at: Int.random(in: 0...damaged.count, using: &rng))
            default: // damage the footer region, where the structure is dense
                let footer = footerOffset(bytes)
                damaged[Int.random(in: footer..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            try write(damaged, to: path)
            if let error = openAndReadAll(path) {
                failures += 1
                #expect(error.file == path)
                #expect([.corrupt, .unsupportedVersion].contains(error.code))
            }
        }
        #expect(failures > 2500)
    }
}
