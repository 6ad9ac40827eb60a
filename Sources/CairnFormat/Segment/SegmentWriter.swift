import Dispatch
import Synchronization

/// Writes immutable segment files (docs/format.md §4).
package enum SegmentWriter {
    /// Encodes `columns` (all the same length) into blocks of `rowsPerBlock` rows and writes them to
    /// `path` atomically: the file is written as `path + ".tmp"`, fsynced, renamed over `path`, and the
    /// directory is fsynced. Returns the summary the manifest keeps.
    ///
    /// With `threads` above 1, the blocks of columns other than vectors are encoded and compressed
    /// on that many threads before the file is written in order; the bytes are the same either way.
    package static func write(to path: String, columns: [SegmentColumn],
                              rowsPerBlock: Int = 65_536, threads: Int = 1) throws(CairnError) -> SegmentSummary {
        guard (1...SegmentFormat.maxRowsPerBlock).contains(rowsPerBlock) else {
            throw CairnError(.invalidInput, "rowsPerBlock \(rowsPerBlock) is outside 1...\(SegmentFormat.maxRowsPerBlock)")
        }
        let rowCount = columns.first?.data.count ?? 0
        var ids = Set<UInt32>()
        for column in columns {
            guard column.data.count == rowCount else {
                throw CairnError(.invalidInput, "column \(column.id) has \(column.data.count) rows, expected \(rowCount)")
            }
            guard column.data.physical == column.type.physical else {
                throw CairnError(.invalidInput, "column \(column.id) of type \(column.type) holds \(column.data.physical) values")
            }
            if let validity = column.data.validity, validity.count != rowCount {
                throw CairnError(.invalidInput, "column \(column.id) has \(validity.count) validity entries for \(rowCount) rows")
            }
            if case .vectors(let v) = column.data.storage, v.count > 0, !(1...VectorText.maxDimension).contains(v.dimension) {
                throw CairnError(.invalidInput, "vector column \(column.id) has dimension \(v.dimension); widen all-NULL vectors to the column's dimension first")
            }
            guard ids.insert(column.id).inserted else {
                throw CairnError(.invalidInput, "column id \(column.id) appears twice")
            }
        }
        let blockRowCounts = stride(from: 0, to: rowCount, by: rowsPerBlock).map { Swift.min(rowsPerBlock, rowCount - $0) }

        let tmp = path + ".tmp"
        do throws(CairnError) {
            let file = try FileWriter(creating: tmp)
            var header = SegmentFormat.magic
            header.appendLittleEndian(SegmentFormat.version)
            header.appendLittleEndian(UInt32(0))
            try file.append(header)

            let blockStarts = blockRowCounts.indices.map { $0 * rowsPerBlock }
            // Compressed blocks are small, so all of them may be held until written; vector blocks
            // are as large as their input and are encoded one at a time while writing.
            let encoded = try encodeBlocks(columns, blockStarts: blockStarts, blockRowCounts: blockRowCounts, threads: threads)

            var footerColumns: [SegmentFooter.Column] = []
            var zoneMaps: [UInt32: ZoneMap] = [:]
            for (c, column) in columns.enumerated() {
                var blocks: [SegmentFooter.Block] = []
                var whole = ZoneMap(min: .null, max: .null, nullCount: 0, rowCount: 0)
                for b in blockRowCounts.indices {
                    let block: Encoded
                    if column.type == .vector {
                        // Vector blocks start on a 64-byte boundary so their floats can be used in place (§3.3).
                        let gap = (VectorBlock.alignment - file.offset % VectorBlock.alignment) % VectorBlock.alignment
                        if gap > 0 { try file.append([UInt8](repeating: 0, count: gap)) }
                        let range = blockStarts[b]..<blockStarts[b] + blockRowCounts[b]
                        // Vectors have no order: a block's zone map is its NULL count (as ZoneMap(_:) computes).
                        block = Encoded(stored: VectorBlock.encode(column.data, rows: range), encoding: VectorBlock.encoding,
                                        zoneMap: ZoneMap(min: .null, max: .null, nullCount: column.data.nullCount(in: range), rowCount: range.count))
                    } else {
                        block = encoded[c * blockRowCounts.count + b]
                    }
                    whole = whole.merged(with: block.zoneMap)
                    blocks.append(SegmentFooter.Block(offset: file.offset, storedLength: block.stored.count, encoding: block.encoding,
                                                      crc: CRC32C.checksum(block.stored), zoneMap: block.zoneMap))
                    try file.append(block.stored)
                }
                footerColumns.append(SegmentFooter.Column(id: column.id, type: column.type, blocks: blocks))
                zoneMaps[column.id] = whole
            }

            let footer = SegmentFooter(rowCount: rowCount, blockRowCounts: blockRowCounts, columns: footerColumns).serialized()
            guard footer.count <= Int(UInt32.max) else {
                throw CairnError(.invalidInput, "segment footer of \(footer.count) bytes exceeds the 4 GiB limit")
            }
            var trailer: [UInt8] = []
            trailer.appendLittleEndian(UInt64(file.offset))
            trailer.appendLittleEndian(UInt32(footer.count))
            trailer.appendLittleEndian(CRC32C.checksum(footer))
            trailer.append(contentsOf: SegmentFormat.magic)
            try file.append(footer)
            try file.append(trailer)
            let fileSize = file.offset
            try file.sync()
            try file.close()
            try FileIO.rename(tmp, to: path)
            try FileIO.syncDirectory(containing: path)
            return SegmentSummary(rowCount: rowCount, fileSize: fileSize, zoneMaps: zoneMaps)
        } catch {
            FileIO.removeIfPresent(tmp)
            var e = error
            if e.file == nil { e.file = path }
            throw e
        }
    }
}

extension SegmentWriter {
    /// One block ready to write.
    private struct Encoded {
        var stored: [UInt8]
        var encoding: UInt8
        var zoneMap: ZoneMap
        static let placeholder = Encoded(stored: [], encoding: 0, zoneMap: ZoneMap(min: .null, max: .null, nullCount: 0, rowCount: 0))
    }

    /// Every non-vector block, column-major (`column * blockCount + block`); vector slots stay empty.
    private static func encodeBlocks(_ columns: [SegmentColumn], blockStarts: [Int], blockRowCounts: [Int],
                                     threads: Int) throws(CairnError) -> [Encoded] {
        let blockCount = blockRowCounts.count
        let tasks = columns.indices.flatMap { c in
            columns[c].type == .vector ? [] : (0..<blockCount).map { c * blockCount + $0 }
        }
        @Sendable func encode(_ slot: Int) -> Result<Encoded, CairnError> {
            let c = slot / blockCount, b = slot % blockCount
            let slice = columns[c].data.rows(blockStarts[b]..<blockStarts[b] + blockRowCounts[b])
            let (bytes, encoding) = EncodedBlock.encode(slice)
            return Result { () throws(CairnError) in
                Encoded(stored: try StoredBlock.make(bytes), encoding: encoding, zoneMap: ZoneMap(slice))
            }
        }
        let empty = [Encoded](repeating: .placeholder, count: columns.count * blockCount)
        if threads <= 1 || tasks.count <= 1 {
            var out = empty
            for slot in tasks { out[slot] = try encode(slot).get() }
            return out
        }
        // Blocks take milliseconds each, so one lock per finished block costs nothing.
        let results = Mutex<(blocks: [Encoded], failure: CairnError?)>((empty, nil))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(threads, tasks.count)) { _ in
            while case let t = next.wrappingAdd(1, ordering: .relaxed).oldValue, t < tasks.count {
                let result = encode(tasks[t])
                results.withLock { r in
                    switch result {
                    case .success(let block): r.blocks[tasks[t]] = block
                    case .failure(let e): r.failure = r.failure ?? e
                    }
                }
            }
        }
        let (blocks, failure) = results.withLock { r in (r.blocks, r.failure) }
        if let failure { throw failure }
        return blocks
    }
}

extension ColumnVector {
    /// A copy of rows `range`.
    func rows(_ range: Range<Int>) -> ColumnVector {
        if range == 0..<count { return self }
        let validity = validity.map { Array($0[range]) }
        switch storage {
        case .int64(let a): return ColumnVector(storage: .int64(Array(a[range])), validity: validity)
        case .float64(let a): return ColumnVector(storage: .float64(Array(a[range])), validity: validity)
        case .bytes(let b):
            let base = b.offsets[range.lowerBound]
            let offsets = b.offsets[range.lowerBound...range.upperBound].map { $0 - base }
            let data = Array(b.data[base..<b.offsets[range.upperBound]])
            return ColumnVector(storage: .bytes(ByteArray(offsets: offsets, data: data)), validity: validity)
        case .vectors(let a):
            var out = VectorArray(dimension: a.dimension)
            out.append(a, range: range)
            return ColumnVector(storage: .vectors(out), validity: validity)
        }
    }
}
