#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a segment file (docs/format.md §4) with `pread`, never `mmap`.
///
/// `init` reads and verifies the header, trailer and footer; `read` fetches one block, verifies its
/// CRC32C and decodes it. All state is immutable after `init` and `pread` does not move a shared file
/// position, so any number of threads may call `read` at once.
package final class SegmentReader: Sendable {
    package let path: String
    package let fileSize: Int
    private let fd: Int32
    private let footer: SegmentFooter
    private let columnIndex: [UInt32: Int]

    package init(path: String) throws(CairnError) {
        self.path = path
        let fd = try FileIO.openForReading(path)
        do throws(CairnError) {
            let size = try FileIO.fileSize(fd, path: path)
            footer = try Self.readFooter(fd: fd, path: path, size: size)
            fileSize = size
        } catch {
            close(fd)
            var e = error
            if e.file == nil { e.file = path }
            throw e
        }
        self.fd = fd
        columnIndex = Dictionary(footer.columns.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    deinit { close(fd) }

    package var rowCount: Int { footer.rowCount }
    package var blockCount: Int { footer.blockRowCounts.count }
    package var columnIDs: [UInt32] { footer.columns.map(\.id) }

    /// The SQL type the column was written with, or nil when the segment lacks the column.
    package func columnType(_ column: UInt32) -> ColumnType? {
        columnIndex[column].map { footer.columns[$0].type }
    }

    /// Rows in `block`; 0 for a block index out of range.
    package func blockRowCount(_ block: Int) -> Int {
        footer.blockRowCounts.indices.contains(block) ? footer.blockRowCounts[block] : 0
    }

    /// The zone map of one block; nil when the segment lacks the column or the block.
    package func zoneMap(column: UInt32, block: Int) -> ZoneMap? {
        guard let c = columnIndex[column], footer.blockRowCounts.indices.contains(block) else { return nil }
        return footer.columns[c].blocks[block].zoneMap
    }

    /// The zone map of a column over the whole segment; nil when the segment lacks the column.
    package func zoneMap(column: UInt32) -> ZoneMap? {
        guard let c = columnIndex[column] else { return nil }
        return footer.columns[c].blocks.reduce(ZoneMap(min: .null, max: .null, nullCount: 0, rowCount: 0)) {
            $0.merged(with: $1.zoneMap)
        }
    }

    /// The summary ``SegmentWriter/write(to:columns:rowsPerBlock:)`` returned for this file.
    package var summary: SegmentSummary {
        var zoneMaps: [UInt32: ZoneMap] = [:]
        for id in columnIDs { zoneMaps[id] = zoneMap(column: id) }
        return SegmentSummary(rowCount: rowCount, fileSize: fileSize, zoneMaps: zoneMaps)
    }

    /// Reads, verifies and decodes one block of one column.
    package func read(column: UInt32, block: Int) throws(CairnError) -> ColumnVector {
        try withVerifiedBlock(column: column, block: block) { (stored, physical, rows, encoding) throws(CairnError) in
            if physical == .vector { return try VectorBlock.decode(stored, rows: rows) }
            let (vector, found) = try stored.withBytes { (raw) throws(CairnError) in
                try StoredBlock.withEncoded(raw) { (encoded) throws(CairnError) in
                    try EncodedBlock.decode(encoded, physical: physical, rows: rows)
                }
            }
            guard found == encoding else {
                throw CairnError(.corrupt, "block \(block) of column \(column) uses encoding \(found), footer says \(encoding)")
            }
            return vector
        }
    }

    /// Every row of VECTOR column `column` in one array (see ``appendVectors(column:to:reservingRows:)``);
    /// a segment without rows gives an empty column of no known dimension.
    package func readVectors(column: UInt32) throws(CairnError) -> ColumnVector {
        var out = ColumnVector.empty(.vector)
        try appendVectors(column: column, to: &out, reservingRows: rowCount)
        return out
    }

    /// Appends the rows of VECTOR column `column` to `out` (a vector column), all of them or the rows
    /// `keeping` lists (ascending segment rows: a rewrite drops deleted rows here), each block's floats
    /// copied once, from the bytes read into their place in `out`, which first makes room for `total`
    /// rows: a rewrite of several segments then holds each row once, in one array.
    package func appendVectors(column: UInt32, to out: inout ColumnVector, reservingRows total: Int,
                               keeping: [Int]? = nil) throws(CairnError) {
        guard case .vectors(var vectors) = out.storage else { throw CairnError(.type, "vectors appended to a column of another type") }
        var validity = out.validity
        out = .empty(.vector)  // `vectors` is then the only reference and grows in place
        defer { out = ColumnVector(storage: .vectors(vectors), validity: validity?.allSatisfy { $0 } == true ? nil : validity) }
        var blockStart = 0, next = 0  // the block's first segment row; the next entry of `keeping`
        for block in 0..<blockCount {
            try withVerifiedBlock(column: column, block: block) { (stored, physical, rows, _) throws(CairnError) in
                guard physical == .vector else { throw CairnError(.type, "column \(column) does not hold vectors") }
                try VectorBlock.withSections(stored, rows: rows) { (s) throws(CairnError) in
                    if vectors.count == 0, vectors.dimension != s.dimension { vectors = VectorArray(dimension: s.dimension) }
                    guard vectors.dimension == s.dimension || vectors.dimension == 0 else {
                        throw CairnError(.corrupt, "block holds vectors of \(s.dimension) dimensions, the column \(vectors.dimension)")
                    }
                    vectors.reserveCapacity(total)
                    // The kept rows of this block as runs of consecutive rows, each appended in one copy.
                    var runs: [Range<Int>] = []
                    if let keeping {
                        while next < keeping.count, keeping[next] < blockStart + s.rows {
                            let first = keeping[next] - blockStart
                            var end = first + 1
                            next += 1
                            while next < keeping.count, keeping[next] == blockStart + end, end < s.rows { end += 1; next += 1 }
                            runs.append(first..<end)
                        }
                    } else {
                        runs = [0..<s.rows]
                    }
                    let rowBytes = s.dimension * 4
                    for run in runs {
                        let before = vectors.count
                        vectors.append(rows: run.count, dimension: s.dimension,
                                       floatBytes: UnsafeRawBufferPointer(rebasing: s.floats[(run.lowerBound * rowBytes)..<(run.upperBound * rowBytes)]),
                                       norms: s.norms.map { Array($0[run]) })
                        if s.validity != nil, validity == nil { validity = [Bool](repeating: true, count: before) }
                        validity?.append(contentsOf: s.validity.map { Array($0[run]) } ?? [Bool](repeating: true, count: run.count))
                    }
                }
            }
            blockStart += footer.blockRowCounts[block]
        }
    }

    /// Calls `body` with the rows of block `block` of VECTOR column `column` in the bytes read from the
    /// file (checksum verified), not copied into an array.
    package func withVectorRows<R>(column: UInt32, block: Int, _ body: (VectorRows) throws(CairnError) -> R) throws(CairnError) -> R {
        try withVerifiedBlock(column: column, block: block) { (stored, physical, rows, _) throws(CairnError) in
            guard physical == .vector else { throw CairnError(.type, "column \(column) does not hold vectors") }
            return try VectorBlock.withSections(stored, rows: rows) { (s) throws(CairnError) in
                try body(VectorRows(dimension: s.dimension, count: s.rows, validity: s.validity, floats: s.floats))
            }
        }
    }

    /// Reads block `block` of `column` and checks its checksum (and, for vectors, its encoding), then
    /// passes `body` the stored bytes, the column's physical type, the block's row count and the
    /// encoding the footer records. Errors name the file, the block's offset, the column and the block.
    private func withVerifiedBlock<R>(column: UInt32, block: Int,
                                      _ body: ([UInt8], PhysicalType, Int, UInt8) throws(CairnError) -> R) throws(CairnError) -> R {
        guard let c = columnIndex[column] else {
            throw CairnError(.notFound, "segment has no column \(column)", file: path)
        }
        guard footer.blockRowCounts.indices.contains(block) else {
            throw CairnError(.notFound, "segment has no block \(block) (it has \(blockCount))", file: path)
        }
        let entry = footer.columns[c].blocks[block]
        do throws(CairnError) {
            let stored = try FileIO.read(fd, path: path, offset: entry.offset, count: entry.storedLength)
            let crc = CRC32C.checksum(stored)
            guard crc == entry.crc else {
                throw CairnError(.corrupt, "checksum mismatch in block \(block) of column \(column)"
                                 + " (stored \(hex(entry.crc)), computed \(hex(crc)))")
            }
            let physical = footer.columns[c].type.physical
            if physical == .vector, entry.encoding != VectorBlock.encoding {
                throw CairnError(.corrupt, "block \(block) of vector column \(column) uses encoding \(entry.encoding)")
            }
            return try body(stored, physical, footer.blockRowCounts[block], entry.encoding)
        } catch {
            var e = error
            if e.file == nil { e.file = path }
            if e.offset == nil { e.offset = entry.offset }
            if e.code == .corrupt, !e.message.contains("column \(column)") {
                e.message = "column \(column) block \(block): " + e.message
            }
            throw e
        }
    }

    private static func readFooter(fd: Int32, path: String, size: Int) throws(CairnError) -> SegmentFooter {
        guard size >= SegmentFormat.headerSize + SegmentFormat.trailerSize else {
            throw CairnError.corrupt(path, offset: 0, "file of \(size) bytes is too short to be a segment")
        }
        let header = try FileIO.read(fd, path: path, offset: 0, count: SegmentFormat.headerSize)
        guard Array(header[0..<8]) == SegmentFormat.magic else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn segment file (bad magic)")
        }
        let version = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        guard SegmentFormat.readableVersions.contains(version) else {
            let readable = SegmentFormat.readableVersions
            throw CairnError(.unsupportedVersion,
                             "\(path): segment format version \(version) is not supported (this build reads versions \(readable.lowerBound) to \(readable.upperBound))",
                             file: path, offset: 8)
        }
        let flags = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
        guard flags == 0 else { throw CairnError.corrupt(path, offset: 12, "unknown header flags \(hex(flags))") }

        let trailerOffset = size - SegmentFormat.trailerSize
        let trailer = try FileIO.read(fd, path: path, offset: trailerOffset, count: SegmentFormat.trailerSize)
        guard Array(trailer[16..<24]) == SegmentFormat.magic else {
            throw CairnError.corrupt(path, offset: trailerOffset + 16, "bad trailer magic (the file may be truncated)")
        }
        let (footerOffset, footerLength, footerCRC) = trailer.withUnsafeBytes { t in
            (UInt64(littleEndian: t.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt32(littleEndian: t.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
             UInt32(littleEndian: t.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        }
        guard footerOffset >= UInt64(SegmentFormat.headerSize),
              footerOffset + UInt64(footerLength) == UInt64(trailerOffset) else {
            throw CairnError.corrupt(path, offset: trailerOffset,
                                     "footer of \(footerLength) bytes at \(footerOffset) does not end where the trailer begins")
        }
        let footerBytes = try FileIO.read(fd, path: path, offset: Int(footerOffset), count: Int(footerLength))
        let crc = CRC32C.checksum(footerBytes)
        guard crc == footerCRC else {
            throw CairnError.corrupt(path, offset: Int(footerOffset),
                                     "footer checksum mismatch (stored \(hex(footerCRC)), computed \(hex(crc)))")
        }
        do throws(CairnError) {
            return try footerBytes.withBytes { (raw) throws(CairnError) in
                try SegmentFooter.parse(raw, origin: Int(footerOffset))
            }
        } catch {
            var e = error
            e.file = path
            throw e
        }
    }
}

private func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
