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
    /// Positions within the block of the rows that are not deleted, ascending; nil when none is deleted.
    package let liveRows: [Int]?

    init(rowCount: Int, source: Source, slots: [Slot], liveRows: [Int]? = nil) {
        self.rowCount = liveRows?.count ?? rowCount
        self.source = source
        self.slots = slots
        self.liveRows = liveRows
    }

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
        guard let liveRows else { return (selected, selected) }
        let live = Self.positions(of: selected, in: liveRows)
        return (live.map { liveRows[$0] }, live)
    }

    /// The zone map of requested column `index` over the unit's stored rows (deleted ones included,
    /// so whatever holds for all of them holds for the live ones); nil when none is kept.
    package func zoneMap(_ index: Int) -> ZoneMap? {
        let slot = slots[index]
        guard slot.position != nil else {
            return ZoneMap(min: .null, max: .null, nullCount: storedRowCount, rowCount: storedRowCount)
        }
        switch source {
        case .segment(let reader, _, let block, _, _): return reader.zoneMap(column: slot.id, block: block)
        case .head(let chunk): return chunk.zoneMaps?[slot.id]
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
    package func scan(columns: [Int], mayMatch: @escaping @Sendable ([Int: ZoneMap]) -> Bool) throws(CairnError) -> ScanPlan {
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

        for key in keys {
            let segments = stored[key] ?? []
            let chunks = head[key]?.chunks ?? []
            stats.partitionsTotal += 1
            if let partitioner {
                let rows = segments.reduce(0) { $0 + $1.summary.rowCount } + chunks.reduce(0) { $0 + $1.rowCount }
                guard mayMatch([partitioner.columnIndex: partitioner.zoneMap(key: key, rowCount: rows)]) else { continue }
            }
            stats.partitionsScanned += 1

            for segment in segments {
                stats.segmentsTotal += 1
                let rows = segment.summary.rowCount
                guard segment.liveRowCount > 0,
                      mayMatch(zoneMaps { segment.summary.zoneMaps[$0] ?? Self.allNull(rows) }) else { continue }
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
                    guard mayMatch(zoneMaps { reader.zoneMap(column: $0, block: block) ?? Self.allNull(blockRows) })
                    else { continue }
                    let live = deleted?.liveRows(in: firstRow..<firstRow + blockRows)
                    if live?.isEmpty == true { continue }
                    stats.blocksScanned += 1
                    units.append(ScanUnit(rowCount: blockRows, source: .segment(reader, file: segment.file, block: block,
                                                                                firstRow: firstRow, cache: readers),
                                          slots: slots, liveRows: live))
                }
            }

            for chunk in chunks {
                if let maps = chunk.zoneMaps {
                    guard mayMatch(zoneMaps { maps[$0] ?? Self.allNull(chunk.rowCount) }) else { continue }
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

    /// Zone maps of every column, keyed by column index.
    private func zoneMaps(_ lookup: (UInt32) -> ZoneMap) -> [Int: ZoneMap] {
        var maps: [Int: ZoneMap] = [:]
        maps.reserveCapacity(schema.columns.count)
        for (i, column) in schema.columns.enumerated() { maps[i] = lookup(column.id) }
        return maps
    }

    private static func allNull(_ rows: Int) -> ZoneMap {
        ZoneMap(min: .null, max: .null, nullCount: rows, rowCount: rows)
    }
}
