import CairnFormat
import CairnLog
import Synchronization

/// The deleted rows of one segment (docs/format.md §8): a bitmap over the segment's rows, stored in
/// `<segment file>.<generation>.del` next to the segment. Segments are immutable, so `DELETE` writes a
/// new generation of this file (the old bits plus the new ones) and a manifest naming it; compaction
/// later rewrites the segment without the rows and the file goes with it.
package struct DeletionVector: Sendable, Equatable {
    /// Rows of the segment the bitmap covers.
    package let rowCount: Int
    /// Bit `i % 64` of word `i / 64` is set when row `i` is deleted.
    private(set) var words: [UInt64]
    package private(set) var deletedCount: Int

    package init(rowCount: Int) {
        self.rowCount = rowCount
        words = [UInt64](repeating: 0, count: (rowCount + 63) / 64)
        deletedCount = 0
    }

    @inline(__always)
    package func isDeleted(_ row: Int) -> Bool { words[row >> 6] & (1 << UInt64(row & 63)) != 0 }

    /// Marks `rows` deleted (rows outside the segment are ignored); returns how many were newly deleted.
    @discardableResult
    package mutating func delete(_ rows: [Int]) -> Int {
        var added = 0
        for r in rows where r >= 0 && r < rowCount && !isDeleted(r) {
            words[r >> 6] |= 1 << UInt64(r & 63)
            added += 1
        }
        deletedCount += added
        return added
    }

    /// The rows of `range` that are not deleted, relative to `range.lowerBound`; nil when none is deleted.
    package func liveRows(in range: Range<Int>) -> [Int]? {
        var live: [Int] = []
        var any = false
        for r in range where isDeleted(r) { any = true; break }
        guard any else { return nil }
        live.reserveCapacity(range.count)
        for r in range where !isDeleted(r) { live.append(r - range.lowerBound) }
        return live
    }

    static let magic: [UInt8] = Array("CAIRNDEL".utf8)
    static let version: UInt32 = 1
    static let headerSize = 40

    /// `"CAIRNDEL" | u32 version | u64 generation | u64 rows | u64 deleted | u32 CRC-32C of the preceding
    /// 36 bytes`, then `ceil(rows / 64)` u64 words, then a u32 CRC-32C of the words.
    package func serialized(generation: UInt64) -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(Self.headerSize + words.count * 8 + 4)
        out.appendLittleEndian(Self.version)
        out.appendLittleEndian(generation)
        out.appendLittleEndian(UInt64(rowCount))
        out.appendLittleEndian(UInt64(deletedCount))
        out.appendLittleEndian(CRC32C.checksum(out))
        let body = out.count
        for w in words { out.appendLittleEndian(w) }
        out.appendLittleEndian(out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[body...])) })
        return out
    }

    /// Parses and verifies a deletion file written for a segment of `rowCount` rows.
    /// - Throws: `.unsupportedVersion` or `.corrupt`, naming `path`.
    package static func parse(_ bytes: [UInt8], path: String, generation: UInt64, rowCount: Int) throws(CairnError) -> DeletionVector {
        guard bytes.count >= headerSize, bytes.prefix(8).elementsEqual(magic) else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn deletion file (bad magic or truncated header)")
        }
        let (fileVersion, fileGeneration, rows, deleted, crc) = bytes.withUnsafeBytes { raw in
            (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 12, as: UInt64.self)),
             UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 20, as: UInt64.self)),
             UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 28, as: UInt64.self)),
             UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 36, as: UInt32.self)))
        }
        guard crc == CRC32C.checksum(Array(bytes[0..<36])) else {
            throw CairnError.corrupt(path, offset: 36, "deletion file header fails its checksum")
        }
        guard fileVersion == version else {
            throw CairnError(.unsupportedVersion, "deletion file format version \(fileVersion) is not supported "
                             + "(this build reads version \(version))", file: path, offset: 8)
        }
        guard fileGeneration == generation, rows == UInt64(rowCount) else {
            throw CairnError.corrupt(path, offset: 12, "deletion file is for generation \(fileGeneration) and \(rows) rows, "
                                     + "but the manifest expects generation \(generation) and \(rowCount) rows")
        }
        let wordCount = (rowCount + 63) / 64
        guard bytes.count == headerSize + wordCount * 8 + 4 else {
            throw CairnError.corrupt(path, offset: headerSize, "deletion file holds \(bytes.count) bytes, "
                                     + "expected \(headerSize + wordCount * 8 + 4)")
        }
        let (words, bodyCRC, stored) = bytes.withUnsafeBytes { raw in
            let body = UnsafeRawBufferPointer(rebasing: raw[headerSize..<headerSize + wordCount * 8])
            let words = (0..<wordCount).map { UInt64(littleEndian: body.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
            return (words, CRC32C.checksum(body),
                    UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: headerSize + wordCount * 8, as: UInt32.self)))
        }
        guard bodyCRC == stored else {
            throw CairnError.corrupt(path, offset: headerSize, "deletion bitmap fails its checksum")
        }
        var vector = DeletionVector(rowCount: rowCount)
        vector.words = words
        if rowCount % 64 != 0, let last = words.last, last >> UInt64(rowCount % 64) != 0 {
            throw CairnError.corrupt(path, offset: headerSize, "deletion bitmap marks rows past the segment's end")
        }
        vector.deletedCount = words.reduce(0) { $0 + $1.nonzeroBitCount }
        guard vector.deletedCount == Int(deleted) else {
            throw CairnError.corrupt(path, offset: 28, "deletion file announces \(deleted) deleted rows but marks \(vector.deletedCount)")
        }
        return vector
    }
}

/// A segment's current deletion file, as the manifest records it (docs/format.md §6.2).
package struct SegmentDeletes: Codable, Sendable, Hashable {
    /// Names the file `<segment file>.<generation>.del`; drawn from the segment-id counter.
    package var generation: UInt64
    package var count: Int

    package static func file(segmentFile: String, generation: UInt64) -> String { "\(segmentFile).\(generation).del" }
}

/// Loaded deletion vectors by file. Files are immutable and named by generation, so entries never go stale.
final class DeletionCache: Sendable {
    private let vectors = Mutex<[String: DeletionVector]>([:])

    func vector(directory: String, segment: SegmentEntry) throws(CairnError) -> DeletionVector? {
        guard let deletes = segment.deletes else { return nil }
        let path = directory + "/" + SegmentDeletes.file(segmentFile: segment.file, generation: deletes.generation)
        if let hit = vectors.withLock({ $0[path] }) { return hit }
        let loaded = try DeletionVector.parse(try FileIO.readAll(path), path: path, generation: deletes.generation,
                                              rowCount: segment.summary.rowCount)
        vectors.withLock { $0[path] = loaded }
        return loaded
    }

    func forget(path: String) { vectors.withLock { _ = $0.removeValue(forKey: path) } }
}
