import CairnFormat
import Foundation
import PropertyBased
import Testing
@testable import CairnTables

/// A deletion file read in full, as a scan reads it entry by entry: verified, then every entry expanded.
private func parse(_ bytes: [UInt8], path: String, generation: UInt64) throws(CairnError) -> [String: DeletionVector] {
    var out: [String: DeletionVector] = [:]
    for (name, entry) in try DeletionFile.entries(bytes, path: path, generation: generation) {
        out[name] = try DeletionFile.vector(entry, name: name, path: path)
    }
    return out
}

@Suite struct DeletionVectorTests {
    /// A segment's deletion vector, a block range in it, and an ascending selection of the block's rows.
    private static let cases = Generator<(DeletionVector, Range<Int>, [Int]), Shrink.None<(DeletionVector, Range<Int>, [Int])>> { rng in
        let rowCount = Int.random(in: 1...700, using: &rng)
        var vector = DeletionVector(rowCount: rowCount)
        // Sparse, dense and whole-word deletions all occur.
        let densities: [Double] = [0, 0.01, 0.3, 0.9, 1]
        let density = densities[Int.random(in: 0..<densities.count, using: &rng)]
        var deleted: [Int] = []
        for r in 0..<rowCount where Double.random(in: 0..<1, using: &rng) < density { deleted.append(r) }
        vector.delete(deleted)
        let lower = Int.random(in: 0..<rowCount, using: &rng)
        let upper = Int.random(in: lower + 1...rowCount, using: &rng)
        var selected: [Int] = []
        for r in 0..<(upper - lower) where Bool.random(using: &rng) { selected.append(r) }
        return (vector, lower..<upper, selected)
    }

    @Test func countsAndSelectionsMatchTheBitmap() async {
        await propertyCheck(count: 500, input: Self.cases) { vector, range, selected in
            let live = range.filter { !vector.isDeleted($0) }.map { $0 - range.lowerBound }
            #expect(vector.deletedCount(in: range) == range.count - live.count)
            #expect(vector.liveRows(in: range) == (live.count == range.count ? nil : live))
            let (stored, positions) = vector.liveSelection(selected, in: range)
            #expect(stored == selected.filter { !vector.isDeleted(range.lowerBound + $0) })
            #expect(positions == stored.map { r in live.firstIndex(of: r) ?? -1 })
        }
    }

    /// Vectors of several segments with every density, from none to all rows deleted.
    private static let files = Generator<[DeletionVector], Shrink.None<[DeletionVector]>> { rng in
        (0..<Int.random(in: 1...4, using: &rng)).map { _ in
            let rowCount = Int.random(in: 1...3000, using: &rng)
            let densities: [Double] = [0, 0.001, 0.02, 0.0625, 0.2, 1]
            let density = densities[Int.random(in: 0..<densities.count, using: &rng)]
            var vector = DeletionVector(rowCount: rowCount)
            var deleted: [Int] = []
            for r in 0..<rowCount where Double.random(in: 0..<1, using: &rng) < density { deleted.append(r) }
            vector.delete(deleted)
            return vector
        }
    }

    private static func named(_ vectors: [DeletionVector]) -> [(segmentFile: String, vector: DeletionVector)] {
        vectors.enumerated().map { ("tables/1/p/\($0.offset).seg", $0.element) }
    }

    @Test func filesRoundTripInTheSmallerForm() async throws {
        await propertyCheck(count: 200, input: Self.files) { vectors in
            let bytes = DeletionFile.serialized(generation: 7, vectors: Self.named(vectors))
            let parsed = try parse(bytes, path: "7.del", generation: 7)
            #expect(parsed.count == vectors.count)
            for (file, vector) in Self.named(vectors) { #expect(parsed[file] == vector) }
            // Each entry costs at most what a bitmap would.
            var bitmapBytes = 28 + 4
            for (file, vector) in Self.named(vectors) {
                let words: Int = (vector.rowCount + 63) / 64
                bitmapBytes += 2 + file.utf8.count + 16 + 1 + words * 8
            }
            #expect(bytes.count <= bitmapBytes)
        }
        // Rows 5, 105, …: gaps of 5 and 99 pack in 7 bits each.
        var sparse = DeletionVector(rowCount: 64_000)
        sparse.delete(Array(stride(from: 5, to: 64_000, by: 100)))
        let bytes = DeletionFile.serialized(generation: 1, vectors: [("s", sparse)])
        let expected: Int = 28 + 2 + 1 + 16 + 1 + 1 + 560 + 4
        #expect(bytes.count == expected)
        // More gaps than one unpacking chunk holds.
        var many = DeletionVector(rowCount: 200_000)
        many.delete(Array(stride(from: 0, to: 200_000, by: 37)))
        let parsed = try parse(DeletionFile.serialized(generation: 1, vectors: [("m", many)]), path: "1.del", generation: 1)
        #expect(parsed["m"] == many)
    }

    /// Files written before the row-gap form (version 1: bitmaps, no form byte) still read.
    @Test func versionOneFilesStillRead() throws {
        var vector = DeletionVector(rowCount: 130)
        vector.delete([0, 63, 64, 129])
        var bytes = Array("CAIRNDEL".utf8)
        bytes.appendLittleEndian(UInt32(1))
        bytes.appendLittleEndian(UInt64(9))
        bytes.appendLittleEndian(UInt32(1))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        bytes.appendLittleEndian(UInt16(1))
        bytes.append(UInt8(ascii: "s"))
        bytes.appendLittleEndian(UInt64(130))
        bytes.appendLittleEndian(UInt64(4))
        for w in vector.words { bytes.appendLittleEndian(w) }
        bytes.appendLittleEndian(bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[28...])) })
        #expect(try parse(bytes, path: "9.del", generation: 9) == ["s": vector])
    }

    /// A damaged file is refused with `.corrupt` (or `.unsupportedVersion`), never read wrongly.
    @Test func damagedFilesAreRefused() throws {
        var vector = DeletionVector(rowCount: 1000)
        vector.delete([3, 500, 999])
        let good = DeletionFile.serialized(generation: 2, vectors: [("s", vector)])
        for i in good.indices {
            var bad = good
            bad[i] ^= 0x10
            #expect(throws: CairnError.self) { try parse(bad, path: "2.del", generation: 2) }
        }
        for n in 0..<good.count {
            #expect(throws: CairnError.self) { try parse(Array(good.prefix(n)), path: "2.del", generation: 2) }
        }
        // Gaps that reach past the last row (the entry's row count lowered to 999), with checksums that match.
        var past = good
        let rows: Int = 28 + 2 + 1
        #expect(Array(past[rows..<rows + 2]) == [0xE8, 0x03])
        past[rows] = 0xE7
        past.replaceSubrange(past.count - 4..<past.count, with: [])
        past.appendLittleEndian(past.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[28...])) })
        let error = #expect(throws: CairnError.self) { try parse(past, path: "2.del", generation: 2) }
        #expect(error?.code == .corrupt)
    }
}

@Suite struct DeletionCacheTests {
    /// A one-entry deletion file of generation 5 for `file`: `rows` and `deleted` as claimed, then a
    /// row-gap run of `width` bits holding `gaps`.
    private static func file(_ file: String, rows: UInt64, deleted: UInt64, width: Int, gaps: [UInt64]) -> [UInt8] {
        var bytes = Array("CAIRNDEL".utf8)
        bytes.appendLittleEndian(UInt32(2))
        bytes.appendLittleEndian(UInt64(5))
        bytes.appendLittleEndian(UInt32(1))
        bytes.appendLittleEndian(CRC32C.checksum(bytes))
        bytes.appendLittleEndian(UInt16(file.utf8.count))
        bytes.append(contentsOf: Array(file.utf8))
        bytes.appendLittleEndian(rows)
        bytes.appendLittleEndian(deleted)
        bytes.append(1)
        BitPacking.write(count: gaps.count, width: width, into: &bytes) { gaps[$0] }
        bytes.appendLittleEndian(bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[28...])) })
        return bytes
    }

    /// An entry whose row count disagrees with the manifest's segment is refused as corrupt before its
    /// bitmap is expanded: the error is the manifest mismatch, not what expanding the entry would find,
    /// and a tiny file claiming 2³¹ − 1 deleted rows costs no allocation for them.
    @Test func entriesAreCheckedAgainstTheManifestBeforeExpansion() throws {
        let directory = NSTemporaryDirectory() + "cairn-deletes-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let segmentFile = "tables/1/p/7.seg"
        let path = directory + "/" + SegmentDeletes.file(segmentFile: segmentFile, generation: 5)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let segment = SegmentEntry(file: segmentFile, summary: SegmentSummary(rowCount: 1000, fileSize: 0, zoneMaps: [:]),
                                   deletes: SegmentDeletes(generation: 5, count: 3))
        let files = [
            // Width-0 gaps: rows 0 … 2³¹ − 2 all deleted, in a one-byte run.
            Self.file(segmentFile, rows: UInt64(Int32.max), deleted: UInt64(Int32.max), width: 0, gaps: []),
            // 10 rows claimed, and a gap that reaches past them: expanding it would fail on that instead.
            Self.file(segmentFile, rows: 10, deleted: 3, width: 5, gaps: [0, 0, 20]),
        ]
        for bytes in files {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: CairnError.self) { try DeletionCache().vector(directory: directory, segment: segment) }
            #expect(error?.code == .corrupt)
            #expect(error?.description.contains("no vector matching segment \(segmentFile)") == true)
        }
    }
}
