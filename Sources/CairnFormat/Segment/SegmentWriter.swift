/// Writes immutable segment files (docs/format.md §4).
package enum SegmentWriter {
    /// Encodes `columns` (all the same length) into blocks of `rowsPerBlock` rows and writes them to
    /// `path` atomically: the file is written as `path + ".tmp"`, fsynced, renamed over `path`, and the
    /// directory is fsynced. Returns the summary the manifest keeps.
    package static func write(to path: String, columns: [SegmentColumn],
                              rowsPerBlock: Int = 65_536) throws(CairnError) -> SegmentSummary {
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

            var footerColumns: [SegmentFooter.Column] = []
            var zoneMaps: [UInt32: ZoneMap] = [:]
            for column in columns {
                var blocks: [SegmentFooter.Block] = []
                var whole = ZoneMap(min: .null, max: .null, nullCount: 0, rowCount: 0)
                var start = 0
                for rows in blockRowCounts {
                    let slice = column.data.rows(start..<start + rows)
                    start += rows
                    let zoneMap = ZoneMap(slice)
                    whole = whole.merged(with: zoneMap)
                    let stored: [UInt8], encoding: UInt8
                    if column.type == .vector {
                        // Vector blocks start on a 64-byte boundary so their floats can be used in place (§3.3).
                        let gap = (VectorBlock.alignment - file.offset % VectorBlock.alignment) % VectorBlock.alignment
                        if gap > 0 { try file.append([UInt8](repeating: 0, count: gap)) }
                        stored = VectorBlock.encode(slice)
                        encoding = VectorBlock.encoding
                    } else {
                        let encoded: [UInt8]
                        (encoded, encoding) = EncodedBlock.encode(slice)
                        stored = try StoredBlock.make(encoded)
                    }
                    blocks.append(SegmentFooter.Block(offset: file.offset, storedLength: stored.count, encoding: encoding,
                                                      crc: CRC32C.checksum(stored), zoneMap: zoneMap))
                    try file.append(stored)
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
