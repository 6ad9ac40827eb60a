import CairnFormat

/// Rows of one partition in the in-memory head, in append order.
///
/// A chunk never changes once frozen, so a snapshot copies only references to frozen chunks; the
/// active chunk (at most ``HeadChunk/capacity`` rows) is a value whose arrays are copied on the next
/// write only if a snapshot still shares them.
struct HeadChunk: Sendable {
    static let capacity = 16_384

    /// Column ids in the order of `columns`; a column added later is absent from older chunks.
    var columnIDs: [UInt32]
    var columns: [ColumnVector]
    var rowCount: Int
    /// Computed when the chunk is frozen; nil for the active chunk, which scans always read.
    var zoneMaps: [UInt32: ZoneMap]?

    init(columnIDs: [UInt32], physical: [PhysicalType]) {
        self.columnIDs = columnIDs
        columns = physical.map { ColumnVector.empty($0) }
        rowCount = 0
    }

    var approximateBytes: Int { columns.reduce(0) { $0 + $1.approximateBytes } }

    mutating func freeze() {
        var maps: [UInt32: ZoneMap] = [:]
        for (id, column) in zip(columnIDs, columns) { maps[id] = ZoneMap(column) }
        zoneMaps = maps
    }
}

/// The head rows of one partition: chunks being flushed by a checkpoint (still visible until the
/// manifest that holds their segment is installed), frozen chunks, and the active chunk.
struct PartitionHead: Sendable {
    var flushing: [HeadChunk] = []
    var frozen: [HeadChunk] = []
    var active: HeadChunk?

    /// Rows not yet claimed by a checkpoint.
    var pendingRows: Int { frozen.reduce(0) { $0 + $1.rowCount } + (active?.rowCount ?? 0) }
    var pendingBytes: Int { frozen.reduce(0) { $0 + $1.approximateBytes } + (active?.approximateBytes ?? 0) }
    var isEmpty: Bool { flushing.isEmpty && frozen.isEmpty && (active?.rowCount ?? 0) == 0 }

    /// Every chunk, oldest first.
    var chunks: [HeadChunk] {
        var all = flushing + frozen
        if let active, active.rowCount > 0 { all.append(active) }
        return all
    }

    /// Appends `rowCount` rows of `columns` (tagged with `columnIDs`), filling the active chunk and
    /// freezing it whenever it reaches capacity or the table's columns changed.
    mutating func append(columnIDs: [UInt32], columns: [ColumnVector], rowCount: Int) {
        var start = 0
        while start < rowCount {
            if var current = active, current.rowCount == HeadChunk.capacity || current.columnIDs != columnIDs {
                active = nil
                current.freeze()
                frozen.append(current)
            }
            var chunk = active ?? HeadChunk(columnIDs: columnIDs, physical: columns.map(\.physical))
            active = nil  // keep the chunk's arrays uniquely referenced while appending
            let take = min(HeadChunk.capacity - chunk.rowCount, rowCount - start)
            for i in columns.indices { chunk.columns[i].append(columns[i], range: start..<start + take) }
            chunk.rowCount += take
            active = chunk
            start += take
        }
    }

    /// Hands every pending chunk to a checkpoint.
    mutating func beginFlush() -> [HeadChunk] {
        var claimed = frozen
        if let active, active.rowCount > 0 { claimed.append(active) }
        frozen = []
        active = nil
        flushing = claimed
        return claimed
    }

    /// Returns the chunks of a failed flush to the pending state, ahead of anything appended since.
    mutating func abandonFlush() {
        frozen = flushing + frozen
        flushing = []
    }
}
