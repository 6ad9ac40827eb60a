import CairnFormat
import CairnLog
import Synchronization

/// The deleted rows of one segment (docs/format.md §8): a bitmap over the segment's rows, stored in a
/// ``DeletionFile``. Segments are immutable, so `DELETE` writes the old bits plus the new ones into a new
/// file and a manifest naming it; compaction later rewrites the segment without the rows.
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

    /// The bits of word `w` that mark deleted rows of `range`.
    @inline(__always)
    private func bits(_ w: Int, in range: Range<Int>) -> UInt64 {
        var word = words[w]
        if w == range.lowerBound >> 6 { word &= ~0 << UInt64(range.lowerBound & 63) }
        if w == (range.upperBound - 1) >> 6, range.upperBound & 63 != 0 { word &= (1 << UInt64(range.upperBound & 63)) - 1 }
        return word
    }

    /// How many rows of `range` are deleted: a popcount per word, no allocation.
    package func deletedCount(in range: Range<Int>) -> Int {
        guard !range.isEmpty else { return 0 }
        var deleted = 0
        for w in (range.lowerBound >> 6)...((range.upperBound - 1) >> 6) { deleted += bits(w, in: range).nonzeroBitCount }
        return deleted
    }

    /// Of `selected` rows of `range` (relative to its lower bound, ascending), those not deleted, and
    /// their positions among the live rows of `range`. Costs one step per selected row plus a popcount
    /// per word up to the last one, whatever the size of `range`.
    package func liveSelection(_ selected: [Int], in range: Range<Int>) -> (stored: [Int], live: [Int]) {
        var stored: [Int] = [], live: [Int] = []
        stored.reserveCapacity(selected.count)
        live.reserveCapacity(selected.count)
        // Deleted rows of `range` below `counted`, which only moves forward.
        var counted = range.lowerBound, deletedBelow = 0
        for r in selected {
            let row = range.lowerBound + r
            guard !isDeleted(row) else { continue }
            while counted >> 6 < row >> 6 {
                deletedBelow += (bits(counted >> 6, in: range) & (~0 << UInt64(counted & 63))).nonzeroBitCount
                counted = (counted >> 6 + 1) << 6
            }
            let below = words[row >> 6] & ((1 << UInt64(row & 63)) - 1) & (~0 << UInt64(counted & 63))
            stored.append(r)
            live.append(r - deletedBelow - below.nonzeroBitCount)
        }
        return (stored, live)
    }

    /// The rows of `range` that are not deleted, relative to `range.lowerBound`; nil when none is deleted.
    package func liveRows(in range: Range<Int>) -> [Int]? {
        let deleted = deletedCount(in: range)
        guard deleted > 0 else { return nil }
        let firstWord = range.lowerBound >> 6, lastWord = (range.upperBound - 1) >> 6
        // Written in place: every read of a block with deletes asks for it.
        return [Int](unsafeUninitializedCapacity: range.count - deleted) { live, initialized in
            var k = 0
            for w in firstWord...lastWord {
                let gone = bits(w, in: range)
                let start = max(w << 6, range.lowerBound), end = min((w + 1) << 6, range.upperBound)
                if gone == 0 {
                    for r in start..<end { live.initializeElement(at: k + r - start, to: r - range.lowerBound) }
                    k += end - start
                } else {
                    for r in start..<end where gone & (1 << UInt64(r & 63)) == 0 {
                        live.initializeElement(at: k, to: r - range.lowerBound)
                        k += 1
                    }
                }
            }
            initialized = k
        }
    }

    /// A vector of `rowCount` rows from stored words; nil if a word marks rows past the end.
    static func stored(rowCount: Int, words: [UInt64]) -> DeletionVector? {
        guard words.count == (rowCount + 63) / 64 else { return nil }
        if rowCount % 64 != 0, let last = words.last, last >> UInt64(rowCount % 64) != 0 { return nil }
        var vector = DeletionVector(rowCount: rowCount)
        vector.words = words
        vector.deletedCount = words.reduce(0) { $0 + $1.nonzeroBitCount }
        return vector
    }
}

/// One `DELETE`'s deletion file (docs/format.md §8): the complete deletion vector, after that
/// statement, of every segment it touched, in `tables/<table id>/deletes/<generation>.del`. One
/// file per statement keeps a delete to one fsync however many partitions it spans; segments the
/// statement did not touch keep naming the file of an earlier one.
package enum DeletionFile {
    static let magic: [UInt8] = Array("CAIRNDEL".utf8)
    /// Version 2 adds the row-list form (§8.1); version 1 files, all bitmaps, are still read.
    static let version: UInt32 = 2
    /// magic, version, generation, segment count, CRC.
    static let headerSize = 28

    /// How an entry stores its deleted rows (§8.1).
    enum Form: UInt8 {
        /// ceil(rows / 64) u64 words.
        case bitmap = 0
        /// A bit-packed run (§2.1) of gaps: the first deleted row, then each row minus the previous one
        /// minus 1. A GDPR delete of one user touches a few rows in each of many segments: a byte or
        /// two per row instead of a segment-sized bitmap.
        case gaps = 1
    }

    /// `"CAIRNDEL" | u32 version | u64 generation | u32 segments S | u32 CRC-32C of the preceding 24 bytes`,
    /// then S entries `u16 name length | name (the segment file, UTF-8) | u64 rows | u64 deleted | u8 form |
    /// bitmap words or packed row gaps`, then a u32 CRC-32C of every byte after the header. Each entry
    /// takes the smaller form.
    package static func serialized(generation: UInt64, vectors: [(segmentFile: String, vector: DeletionVector)]) -> [UInt8] {
        var out = magic
        out.appendLittleEndian(version)
        out.appendLittleEndian(generation)
        out.appendLittleEndian(UInt32(vectors.count))
        out.appendLittleEndian(CRC32C.checksum(out))
        var gaps: [UInt64] = []
        for (file, vector) in vectors {
            let name = Array(file.utf8)
            out.appendLittleEndian(UInt16(name.count))
            out.append(contentsOf: name)
            out.appendLittleEndian(UInt64(vector.rowCount))
            out.appendLittleEndian(UInt64(vector.deletedCount))
            let count = vector.deletedCount
            if count == vector.rowCount {
                // Every row: gaps of 0 from row 0, a run of width 0 (an emptied segment, listed so replay removes it).
                out.append(Form.gaps.rawValue)
                out.append(0)
                continue
            }
            if gaps.count <= count { gaps = [UInt64](repeating: 0, count: count + 1) }
            // Sparse deletes set isolated bits at random: every word takes one unconditional step, which
            // stores a candidate and keeps it only if the word had a bit, so the loop branches only on
            // words with two or more (a data-dependent branch per word cost more than the rest together).
            let widest = vector.words.withUnsafeBufferPointer { words in
                gaps.withUnsafeMutableBufferPointer { g in
                    var previous = -1, k = 0
                    var widest: UInt64 = 0
                    for w in words.indices {
                        var bits = words[w]
                        repeat {
                            let present = bits != 0
                            let row = w << 6 + bits.trailingZeroBitCount
                            let gap = UInt64(truncatingIfNeeded: row &- previous &- 1)
                            g[k] = gap
                            k &+= present ? 1 : 0
                            previous = present ? row : previous
                            widest |= present ? gap : 0
                            bits &= bits &- 1
                        } while bits != 0
                    }
                    return widest
                }
            }
            let width = BitPacking.width(widest)
            if 1 + BitPacking.byteCount(count: count, width: width) < vector.words.count * 8 {
                out.append(Form.gaps.rawValue)
                gaps.withUnsafeBufferPointer { g in BitPacking.write(count: count, width: width, into: &out) { g[$0] } }
            } else {
                out.append(Form.bitmap.rawValue)
                #if _endian(little)
                vector.words.withUnsafeBytes { out.append(contentsOf: $0) }
                #else
                for w in vector.words { out.appendLittleEndian(w) }
                #endif
            }
        }
        out.appendLittleEndian(out.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[headerSize...])) })
        return out
    }

    /// One segment's entry of a parsed file: checked to fit the file, not yet expanded into a bitmap.
    struct Entry: Sendable {
        let rows: Int
        let deleted: Int
        let form: Form
        /// The form's bytes: bitmap words, or the gap run's width byte and packed area.
        let payload: ArraySlice<UInt8>
        /// Offset of `payload` in the file, for errors.
        let offset: Int
    }

    /// Verifies a deletion file's header, checksums and layout: its entries by segment file. Expanding an
    /// entry is left to ``vector(_:name:path:)``, once the caller has checked its row count against the
    /// manifest, so a file cannot make this allocate more than it holds.
    /// - Throws: `.unsupportedVersion` or `.corrupt`, naming `path`.
    static func entries(_ bytes: [UInt8], path: String, generation: UInt64) throws(CairnError) -> [String: Entry] {
        guard bytes.count >= headerSize + 4, bytes.prefix(8).elementsEqual(magic) else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn deletion file (bad magic or truncated header)")
        }
        do {
            func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) }) }
            func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }) }
            func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) }) }
            func crc(_ range: Range<Int>) -> UInt32 { bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[range])) } }
            guard u32(24) == crc(0..<24) else {
                throw CairnError.corrupt(path, offset: 24, "deletion file header fails its checksum")
            }
            let fileVersion = u32(8)
            guard fileVersion == 1 || fileVersion == version else {
                throw CairnError(.unsupportedVersion, "deletion file format version \(fileVersion) is not supported "
                                 + "(this build reads versions 1 and \(version))", file: path, offset: 8)
            }
            guard u64(12) == generation else {
                throw CairnError.corrupt(path, offset: 12, "deletion file is generation \(u64(12)), the manifest expects \(generation)")
            }
            let end = bytes.count - 4
            guard u32(end) == crc(headerSize..<end) else {
                throw CairnError.corrupt(path, offset: headerSize, "deletion file body fails its checksum")
            }
            var out: [String: Entry] = [:]
            var at = headerSize
            for _ in 0..<u32(20) {
                let entry = at
                guard at + 2 <= end else { throw CairnError.corrupt(path, offset: at, "deletion file is truncated") }
                let length = Int(u16(at))
                let fixed = 2 + length + 16 + (fileVersion == 1 ? 0 : 1)
                guard at + fixed <= end else { throw CairnError.corrupt(path, offset: at, "deletion file is truncated") }
                let name = String(decoding: bytes[at + 2..<at + 2 + length], as: UTF8.self)
                at += 2 + length
                let rows = u64(at), deleted = u64(at + 8)
                at += 16
                guard rows <= UInt64(Int32.max), deleted <= rows else {
                    throw CairnError.corrupt(path, offset: entry, "deletion file entry of \(name) counts \(deleted) of \(rows) rows")
                }
                var form = Form.bitmap
                if fileVersion > 1 {
                    guard let f = Form(rawValue: bytes[at]) else {
                        throw CairnError.corrupt(path, offset: at, "deletion file entry of \(name) has unknown form \(bytes[at])")
                    }
                    form = f
                    at += 1
                }
                let size: Int
                switch form {
                case .bitmap: size = (Int(rows) + 63) / 64 * 8
                case .gaps:
                    guard at < end else { throw CairnError.corrupt(path, offset: at, "deletion file is truncated") }
                    let width = Int(bytes[at])
                    guard width <= 32 else { throw CairnError.corrupt(path, offset: at, "deletion row gaps of \(name) are \(width) bits wide") }
                    size = 1 + BitPacking.byteCount(count: Int(deleted), width: width)
                }
                guard at + size <= end else { throw CairnError.corrupt(path, offset: at, "deletion file is truncated") }
                out[name] = Entry(rows: Int(rows), deleted: Int(deleted), form: form, payload: bytes[at..<at + size], offset: at)
                at += size
            }
            guard at == end else { throw CairnError.corrupt(path, offset: at, "deletion file has \(end - at) bytes after its last entry") }
            return out
        }
    }

    /// The generation and entries of the deletion file a delete record of the log carries (§5.3);
    /// errors name `path`, the log file.
    static func logged(_ bytes: [UInt8], path: String) throws(CairnError) -> (generation: UInt64, entries: [String: Entry]) {
        guard bytes.count >= headerSize + 4 else {
            throw CairnError.corrupt(path, "write-ahead log delete record is too short to hold a deletion file")
        }
        let generation = UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 12, as: UInt64.self) })
        return (generation, try entries(bytes, path: path, generation: generation))
    }

    /// Expands an entry of ``entries(_:path:generation:)`` into its bitmap, checking it holds its count.
    /// - Throws: `.corrupt`, naming `path` and the entry's offset.
    static func vector(_ entry: Entry, name: String, path: String) throws(CairnError) -> DeletionVector {
        let wordCount = (entry.rows + 63) / 64
        var words = [UInt64](repeating: 0, count: wordCount)
        let base = entry.payload.startIndex
        switch entry.form {
        case .bitmap:
            entry.payload.withUnsafeBytes { raw in
                words.withUnsafeMutableBytes { $0.copyMemory(from: raw) }
            }
            #if !_endian(little)
            for i in words.indices { words[i] = UInt64(littleEndian: words[i]) }
            #endif
        case .gaps:
            let width = Int(entry.payload[base])
            var row = -1
            // Unpacked a chunk at a time (a multiple of 64 values starts on a word boundary).
            var chunk = [Int64](repeating: 0, count: 4096)
            var done = 0
            while done < entry.deleted {
                let n = min(chunk.count, entry.deleted - done)
                let start = base + 1 + done * width / 8
                entry.payload.withUnsafeBytes { raw in
                    chunk.withUnsafeMutableBufferPointer { c in
                        let area = UnsafeRawBufferPointer(rebasing: raw[start - base..<start - base + BitPacking.byteCount(count: n, width: width)])
                        BitPacking.unpack(area, width: width, into: UnsafeMutableBufferPointer(rebasing: c[..<n]))
                    }
                }
                for gap in chunk[..<n] {
                    row += Int(gap) + 1
                    guard row < entry.rows else {
                        throw CairnError.corrupt(path, offset: entry.offset, "deletion row gaps of \(name) reach past row \(entry.rows)")
                    }
                    words[row >> 6] |= 1 << UInt64(row & 63)
                }
                done += n
            }
        }
        guard let vector = DeletionVector.stored(rowCount: entry.rows, words: words), vector.deletedCount == entry.deleted else {
            throw CairnError.corrupt(path, offset: entry.offset, "deletion bitmap of \(name) does not match its counts")
        }
        return vector
    }
}

/// A segment's current deletion file, as the manifest records it (docs/format.md §6.2).
package struct SegmentDeletes: Codable, Sendable, Hashable {
    /// Names the file `tables/<table id>/deletes/<generation>.del`; drawn from the segment-id counter.
    package var generation: UInt64
    package var count: Int

    /// The deletion file of `generation` in the table directory of `segmentFile` (`tables/<id>/…`).
    package static func file(segmentFile: String, generation: UInt64) -> String {
        // Up to the second slash, found bytewise: scans and manifest updates call this for every segment.
        let utf8 = segmentFile.utf8
        var end = utf8.endIndex, slashes = 0
        for i in utf8.indices where utf8[i] == UInt8(ascii: "/") {
            slashes += 1
            if slashes == 2 { end = i; break }
        }
        return "\(segmentFile[..<end])/\(directory)/\(generation).del"
    }

    /// The directory of deletion files inside a table directory; never a partition name.
    static let directory = "deletes"
}

/// Loaded deletion files by path. Files are immutable and named by generation, so entries never go stale.
final class DeletionCache: Sendable {
    /// A deletion file's entries, and those expanded so far.
    private struct File {
        var entries: [String: DeletionFile.Entry]
        var vectors: [String: DeletionVector]
    }
    private let files = Mutex<[String: File]>([:])

    /// The deletion vector of `segment`, nil when none of its rows is deleted.
    /// - Throws: `.corrupt` if the file lacks the segment or its vector does not fit the segment.
    func vector(directory: String, segment: SegmentEntry) throws(CairnError) -> DeletionVector? {
        guard let deletes = segment.deletes else { return nil }
        let path = directory + "/" + SegmentDeletes.file(segmentFile: segment.file, generation: deletes.generation)
        func mismatch() -> CairnError {
            CairnError.corrupt(path, "deletion file has no vector matching segment \(segment.file) "
                               + "(\(segment.summary.rowCount) rows, \(deletes.count) deleted)")
        }
        let cached = files.withLock { $0[path] }
        if let vector = cached?.vectors[segment.file] {
            guard vector.rowCount == segment.summary.rowCount, vector.deletedCount == deletes.count else { throw mismatch() }
            return vector
        }
        let entries: [String: DeletionFile.Entry]
        if let cached, !cached.entries.isEmpty {
            entries = cached.entries
        } else {
            // Not loaded yet, or only remembered (by this process's DELETE or replay) for other segments.
            entries = try DeletionFile.entries(try FileIO.readAll(path), path: path, generation: deletes.generation)
        }
        // Checked against the manifest before it is expanded.
        guard let entry = entries[segment.file], entry.rows == segment.summary.rowCount, entry.deleted == deletes.count else {
            throw mismatch()
        }
        let vector = try DeletionFile.vector(entry, name: segment.file, path: path)
        files.withLock { files in
            var file = files[path] ?? File(entries: entries, vectors: [:])
            file.entries = entries
            file.vectors[segment.file] = vector
            files[path] = file
        }
        return vector
    }

    func forget(path: String) { files.withLock { _ = $0.removeValue(forKey: path) } }

    /// Records the vectors of a deletion file this process just wrote, so the next scan does not read it back.
    func remember(path: String, vectors: [(segmentFile: String, vector: DeletionVector)]) {
        let byFile = Dictionary(vectors.map { ($0.segmentFile, $0.vector) }, uniquingKeysWith: { a, _ in a })
        files.withLock { $0[path] = File(entries: [:], vectors: byFile) }
    }
}
