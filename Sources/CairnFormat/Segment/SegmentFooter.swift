/// The segment footer (docs/format.md §4.3): the row counts of the blocks, and per column its id, type
/// and, per block, where the block is, how it is encoded, its checksum and its zone map.
struct SegmentFooter: Sendable {
    struct Block: Sendable {
        var offset: Int
        var storedLength: Int
        var encoding: UInt8
        var crc: UInt32
        var zoneMap: ZoneMap
    }

    struct Column: Sendable {
        var id: UInt32
        var type: ColumnType
        var blocks: [Block]
    }

    var rowCount: Int
    var blockRowCounts: [Int]
    var columns: [Column]

    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(columns.count))
        out.appendLittleEndian(UInt32(blockRowCounts.count))
        out.appendLittleEndian(UInt64(rowCount))
        for rows in blockRowCounts { out.appendLittleEndian(UInt32(rows)) }
        for column in columns {
            out.appendLittleEndian(column.id)
            out.append(column.type.rawValue)
            for block in column.blocks {
                out.appendLittleEndian(UInt64(block.offset))
                out.appendLittleEndian(UInt32(block.storedLength))
                out.append(block.encoding)
                out.appendLittleEndian(block.crc)
                ZoneMapCoding.write(block.zoneMap, into: &out)
            }
        }
        return out
    }

    /// Parses and validates a footer read from file offset `origin`; blocks must lie between the
    /// header and the footer.
    static func parse(_ bytes: UnsafeRawBufferPointer, origin: Int) throws(CairnError) -> SegmentFooter {
        var r = ByteReader(bytes, origin: origin, what: "segment footer")
        // Each column takes at least 5 bytes and each block count at least 4, which bounds both counts.
        let columnCount = try r.readCount(UInt32.self, limit: bytes.count / 5, "column count")
        let blockCount = try r.readCount(UInt32.self, limit: bytes.count / 4, "block count")
        let rowCount = try r.readCount(UInt64.self, limit: blockCount * SegmentFormat.maxRowsPerBlock, "row count")
        var blockRowCounts: [Int] = []
        blockRowCounts.reserveCapacity(blockCount)
        var total = 0
        for _ in 0..<blockCount {
            let rows = try r.readCount(UInt32.self, limit: SegmentFormat.maxRowsPerBlock, "block row count")
            guard rows > 0 else { throw r.corrupt("empty block") }
            blockRowCounts.append(rows)
            total += rows
        }
        guard total == rowCount else { throw r.corrupt("block row counts add up to \(total), expected \(rowCount)") }
        var columns: [Column] = []
        var seen = Set<UInt32>()
        for _ in 0..<columnCount {
            let id = try r.read(UInt32.self)
            guard seen.insert(id).inserted else { throw r.corrupt("column \(id) is listed twice") }
            let rawType = try r.read(UInt8.self)
            guard let type = ColumnType(rawValue: rawType) else { throw r.corrupt("unknown column type \(rawType)") }
            var blocks: [Block] = []
            blocks.reserveCapacity(blockCount)
            for b in 0..<blockCount {
                let offset = try r.readCount(UInt64.self, limit: origin, "block offset")
                let storedLength = Int(try r.read(UInt32.self))
                guard offset >= SegmentFormat.headerSize, storedLength >= StoredBlock.headerSize,
                      storedLength <= origin - offset else {
                    throw r.corrupt("block \(b) of column \(id) (\(storedLength) bytes at \(offset)) lies outside the data area")
                }
                let encoding = try r.read(UInt8.self)
                let crc = try r.read(UInt32.self)
                let zoneMap = try ZoneMapCoding.read(&r, rowCount: blockRowCounts[b])
                blocks.append(Block(offset: offset, storedLength: storedLength, encoding: encoding, crc: crc, zoneMap: zoneMap))
            }
            columns.append(Column(id: id, type: type, blocks: blocks))
        }
        try r.expectEnd()
        return SegmentFooter(rowCount: rowCount, blockRowCounts: blockRowCounts, columns: columns)
    }
}
