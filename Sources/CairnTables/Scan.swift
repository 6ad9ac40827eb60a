import CairnFormat

/// Counters describing how much of a table a scan plan touches.
package struct ScanStats: Sendable, Equatable {
    package var partitionsTotal = 0
    package var partitionsScanned = 0
    package var segmentsTotal = 0
    package var segmentsScanned = 0
    /// Blocks of the segments that were scanned (blocks of skipped segments are not counted).
    package var blocksTotal = 0
    package var blocksScanned = 0
    /// Rows read from the in-memory head.
    package var headRows = 0

    package init() {}
}

/// The units a scan reads, in storage order (partition by partition; segments, then head rows).
package struct ScanPlan: Sendable {
    package var units: [ScanUnit]
    package var stats: ScanStats
}

/// The zone maps a scan offers its pruner at one level (partition, segment, block or head chunk), by
/// column index. Each is looked up only when the pruner asks for its column, so a predicate on one
/// column costs one lookup per block however wide the table is.
package struct ZoneMaps {
    private enum Source {
        /// A partition: only its partition column's key range is known.
        case partition(column: Int, ZoneMap)
        /// A segment's summary or a frozen head chunk, by column id.
        case stored([UInt32: ZoneMap])
        case block(SegmentReader, Int)
    }
    private let source: Source
    /// The table's column ids by index.
    private let columnIDs: [UInt32]
    /// Rows covered: a column with no zone map here (added after the data was written) is all NULL.
    private let rows: Int

    static func partition(column: Int, _ map: ZoneMap) -> ZoneMaps {
        ZoneMaps(source: .partition(column: column, map), columnIDs: [], rows: map.rowCount)
    }
    static func stored(_ maps: [UInt32: ZoneMap], columnIDs: [UInt32], rows: Int) -> ZoneMaps {
        ZoneMaps(source: .stored(maps), columnIDs: columnIDs, rows: rows)
    }
    static func block(_ reader: SegmentReader, _ block: Int, columnIDs: [UInt32], rows: Int) -> ZoneMaps {
        ZoneMaps(source: .block(reader, block), columnIDs: columnIDs, rows: rows)
    }

    /// The zone map of column `index`; nil when this level says nothing about it.
    package subscript(index: Int) -> ZoneMap? {
        switch source {
        case .partition(let column, let map): return column == index ? map : nil
        case .stored(let maps):
            guard columnIDs.indices.contains(index) else { return nil }
            return maps[columnIDs[index]] ?? .nulls(rows)
        case .block(let reader, let block):
            guard columnIDs.indices.contains(index) else { return nil }
            return reader.zoneMap(column: columnIDs[index], block: block) ?? .nulls(rows)
        }
    }
}

/// One independently readable piece of a scan: a segment block or a head chunk.
package struct ScanUnit: Sendable {
    /// A requested column as this unit stores it.
    struct Slot: Sendable {
        var id: UInt32
        var physical: PhysicalType
        /// Index in the head chunk's columns, or 0 for segments; nil when the unit predates the column.
        var position: Int?
    }

    enum Source: Sendable {
        /// Block `block` of a segment (`file` relative to the database), whose first row is `firstRow`.
        case segment(SegmentReader, file: String, block: Int, firstRow: Int, cache: SegmentReaderCache)
        case head(HeadChunk)
    }

    /// Rows ``read()`` returns: the unit's rows that are not deleted.
    package let rowCount: Int
    let source: Source
    let slots: [Slot]
    /// The segment's deletion vector and the block's rows in it; nil when none of them is deleted.
    /// Kept as the bitmap, not as a list of live rows: planning a scan then costs a popcount per
    /// word, and paths that need only some rows (a filter, a delete) never list them all.
    private let deletions: (vector: DeletionVector, rows: Range<Int>)?

    init(rowCount: Int, source: Source, slots: [Slot], deletions: (vector: DeletionVector, rows: Range<Int>)? = nil) {
        let deletedCount = deletions.map { $0.vector.deletedCount(in: $0.rows) } ?? 0
        self.rowCount = rowCount - deletedCount
        self.source = source
        self.slots = slots
        self.deletions = deletedCount > 0 ? deletions : nil
    }

    /// Whether some of the block's stored rows are deleted.
    package var hasDeletes: Bool { deletions != nil }

    /// Positions within the block of the rows that are not deleted, ascending; nil when none is
    /// deleted. Computed at each use: callers that need it twice keep it.
    package var liveRows: [Int]? { deletions.flatMap { $0.vector.liveRows(in: $0.rows) } }

    /// The positions in `rows` of the values of `wanted` that it holds; both ascending. Maps a block's
    /// rows to positions among its live rows, or a unit's rows to positions among those a filter kept.
    package static func positions(of wanted: [Int], in rows: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(wanted.count)
        var j = 0
        // A few wanted rows among many: binary search from the last position instead of walking.
        let search = wanted.count * 16 < rows.count
        for r in wanted {
            if search {
                var high = rows.count
                while j < high {
                    let middle = (j + high) / 2
                    if rows[middle] < r { j = middle + 1 } else { high = middle }
                }
            } else {
                while j < rows.count && rows[j] < r { j += 1 }
            }
            if j < rows.count && rows[j] == r { out.append(j) }
        }
        return out
    }

    /// The segment file this unit reads (relative to the database) and the segment row of its first
    /// block row; nil for head chunks.
    package var segmentPosition: (file: String, firstRow: Int)? {
        guard case .segment(_, let file, _, let firstRow, _) = source else { return nil }
        return (file, firstRow)
    }

    /// The requested columns of this unit's rows that are not deleted, in the order they were
    /// requested. Columns added after the unit was written read as NULL.
    package func read() throws(CairnError) -> [ColumnVector] { try read(only: nil) }

    /// Like ``read()``, but the columns whose requested position is not in `needed` come back empty.
    package func read(only needed: Set<Int>?) throws(CairnError) -> [ColumnVector] {
        let columns = try readStored(needed)
        guard let liveRows else { return columns }
        return columns.enumerated().map { needed?.contains($0.offset) == false ? $0.element : $0.element.gather(liveRows) }
    }

    /// Like ``read(only:)``, but every stored row, deleted ones included (``storedRowCount`` rows): for
    /// a filter that cannot fail, which then runs before one gather drops the deleted rows.
    package func readIncludingDeleted(only needed: Set<Int>?) throws(CairnError) -> [ColumnVector] {
        try readStored(needed)
    }

    /// Of `selected` stored rows (ascending), those not deleted, and their positions among the live
    /// rows (the numbering ``read()`` uses).
    package func liveSelection(_ selected: [Int]) -> (stored: [Int], live: [Int]) {
        guard let (vector, rows) = deletions else { return (selected, selected) }
        return vector.liveSelection(selected, in: rows)
    }

    /// The zone map of requested column `index` over the unit's stored rows (deleted ones included,
    /// so whatever holds for all of them holds for the live ones); nil when none is kept.
    package func zoneMap(_ index: Int) -> ZoneMap? {
        let slot = slots[index]
        guard slot.position != nil else {
            return .nulls(storedRowCount)
        }
        switch source {
        case .segment(let reader, _, let block, _, _): return reader.zoneMap(column: slot.id, block: block)
        case .head(let chunk): return chunk.zoneMaps?[slot.id]
        }
    }

    /// Calls `body` with the VECTOR column at requested position `index` over every stored row
    /// (deleted ones included), where the rows lie: a segment block's bytes as read (not decoded into
    /// an array, nor cached), a head chunk's array. A unit that predates the column gives all NULLs.
    package func withVectorRows<R>(_ index: Int, _ body: (VectorRows) throws(CairnError) -> R) throws(CairnError) -> R {
        let slot = slots[index]
        guard let position = slot.position else { return try body(.nulls(storedRowCount)) }
        switch source {
        case .segment(let reader, _, let block, _, _):
            return try reader.withVectorRows(column: slot.id, block: block, body)
        case .head(let chunk):
            let column = chunk.columns[position]
            guard case .vectors(let a) = column.storage else { throw CairnError(.type, "column \(slot.id) does not hold vectors") }
            return try a.withRows(validity: column.validity, body)
        }
    }

    /// The requested columns of every stored row of the unit, deleted ones included (``storedRowCount`` rows).
    private func readStored(_ needed: Set<Int>?) throws(CairnError) -> [ColumnVector] {
        let rowCount = storedRowCount
        var out: [ColumnVector] = []
        out.reserveCapacity(slots.count)
        for (index, slot) in slots.enumerated() {
            if let needed, !needed.contains(index) {
                out.append(.empty(slot.physical))
                continue
            }
            guard let position = slot.position else {
                out.append(.nulls(slot.physical, count: rowCount))
                continue
            }
            switch source {
            case .segment(let reader, _, let block, _, let cache): out.append(try cache.block(reader, column: slot.id, block: block))
            case .head(let chunk): out.append(chunk.columns[position])
            }
        }
        return out
    }

    /// Rows of the unit as stored, deleted ones included.
    package var storedRowCount: Int {
        switch source {
        case .segment(let reader, _, let block, _, _): reader.blockRowCount(block)
        case .head(let chunk): chunk.rowCount
        }
    }
}

extension TableSnapshot {
    /// Plans a scan of `columns` (indices into `schema.columns`).
    ///
    /// `mayMatch` is offered zone maps keyed by column index, coarse to fine: first the partition's
    /// key range as a zone map of the partition column, then each segment's whole-segment zone maps,
    /// then each block's; frozen head chunks offer zone maps computed when they were frozen, and the
    /// active chunk is always scanned. Returning false skips that partition, segment, block or chunk.
    /// A column an older segment lacks is offered as all-NULL.
    package func scan(columns: [Int], mayMatch: @escaping @Sendable (ZoneMaps) -> Bool) throws(CairnError) -> ScanPlan {
        for c in columns where !schema.columns.indices.contains(c) {
            throw CairnError(.invalidInput, "column index \(c) is out of range for table \"\(schema.name)\"")
        }
        let partitioner = Partitioner(schema: schema)
        var stats = ScanStats()
        var units: [ScanUnit] = []

        var keys = partitions.map(\.key)
        for key in head.keys where !partitions.contains(where: { $0.key == key }) { keys.append(key) }
        keys.sort(by: PartitionKeyOrder.less)
        let stored = Dictionary(partitions.map { ($0.key, $0.segments) }, uniquingKeysWith: { a, _ in a })
        let columnIDs = schema.columns.map(\.id)

        for key in keys {
            let segments = stored[key] ?? []
            let chunks = head[key]?.chunks ?? []
            stats.partitionsTotal += 1
            if let partitioner {
                let rows = segments.reduce(0) { $0 + $1.summary.rowCount } + chunks.reduce(0) { $0 + $1.rowCount }
                guard mayMatch(.partition(column: partitioner.columnIndex, partitioner.zoneMap(key: key, rowCount: rows))) else { continue }
            }
            stats.partitionsScanned += 1

            for segment in segments {
                stats.segmentsTotal += 1
                let rows = segment.summary.rowCount
                guard segment.liveRowCount > 0,
                      mayMatch(.stored(segment.summary.zoneMaps, columnIDs: columnIDs, rows: rows)) else { continue }
                let deleted = try deletions.vector(directory: directory, segment: segment)
                stats.segmentsScanned += 1
                let reader = try readers.reader(directory: directory, segment: segment)
                let present = Set(reader.columnIDs)
                let slots = columns.map { c in
                    let column = schema.columns[c]
                    return ScanUnit.Slot(id: column.id, physical: column.type.physical,
                                         position: present.contains(column.id) ? 0 : nil)
                }
                stats.blocksTotal += reader.blockCount
                var firstRow = 0
                for block in 0..<reader.blockCount {
                    let blockRows = reader.blockRowCount(block)
                    defer { firstRow += blockRows }
                    guard mayMatch(.block(reader, block, columnIDs: columnIDs, rows: blockRows)) else { continue }
                    let unit = ScanUnit(rowCount: blockRows, source: .segment(reader, file: segment.file, block: block,
                                                                              firstRow: firstRow, cache: readers),
                                        slots: slots, deletions: deleted.map { ($0, firstRow..<firstRow + blockRows) })
                    // A block whose every row is deleted is not read.
                    guard unit.rowCount > 0 else { continue }
                    stats.blocksScanned += 1
                    units.append(unit)
                }
            }

            for chunk in chunks {
                if let maps = chunk.zoneMaps {
                    guard mayMatch(.stored(maps, columnIDs: columnIDs, rows: chunk.rowCount)) else { continue }
                }
                stats.headRows += chunk.rowCount
                let slots = columns.map { c in
                    let column = schema.columns[c]
                    return ScanUnit.Slot(id: column.id, physical: column.type.physical,
                                         position: chunk.columnIDs.firstIndex(of: column.id))
                }
                units.append(ScanUnit(rowCount: chunk.rowCount, source: .head(chunk), slots: slots))
            }
        }
        return ScanPlan(units: units, stats: stats)
    }
}
