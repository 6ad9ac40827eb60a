import CairnFormat
import CairnLog

extension Engine {
    /// Flushes every head row to segments (one per table partition, sorted by the partition or first
    /// temporal column), installs a manifest that covers them, and deletes the log files it covers.
    package func checkpoint() throws(CairnError) {
        try checkWritable()
        try maintenance.withLock { (_) throws(CairnError) in try checkpointLocked() }
    }

    /// Checkpoints if the head still exceeds a flush threshold once the maintenance lock is ours.
    func flushIfNeeded() throws(CairnError) {
        try maintenance.withLock { (_) throws(CairnError) in
            let needed = state.withLock { s in
                !s.closed && (s.pendingRows >= options.flushRows || s.pendingBytes >= options.flushBytes)
            }
            if needed { try checkpointLocked() }
        }
    }

    private struct FlushTask {
        var table: TableEntry
        var key: Int64?
        var chunks: [HeadChunk]
        var segmentID: UInt64
    }

    /// The three phases keep the state lock short: claim the head and rotate the log (locked), write
    /// segments (unlocked; claimed chunks stay visible to snapshots), then install the new manifest
    /// and release the claimed chunks (locked).
    /// Requires: caller holds `maintenance`.
    func checkpointLocked() throws(CairnError) {
        let claimed = try state.withLock { (s) throws(CairnError) -> (tasks: [FlushTask], walStart: UInt64)? in
            try s.checkOpen(path)
            guard let wal = s.wal else { return nil }
            if s.pendingRows == 0 && !wal.hasRecords && s.catalog.walStart == wal.sequence { return nil }
            try wal.rotate()
            var tasks: [FlushTask] = []
            for (tableID, parts) in s.heads {
                guard let table = s.catalog.table(id: tableID) else { continue }
                for key in parts.keys {
                    guard let chunks = s.heads[tableID]?[key]?.beginFlush(), !chunks.isEmpty else { continue }
                    tasks.append(FlushTask(table: table, key: key, chunks: chunks, segmentID: s.allocateSegmentID()))
                }
            }
            s.pendingRows = 0
            s.pendingBytes = 0
            return (tasks, wal.sequence)
        }
        guard let (tasks, walStart) = claimed else { return }

        var written: [(task: FlushTask, segment: SegmentEntry)] = []
        do throws(CairnError) {
            for task in tasks {
                let columns = Self.concatenate(task.chunks, schema: task.table.schema)
                written.append((task, try writeSegment(tableID: task.table.id, schema: task.table.schema, key: task.key,
                                                       columns: columns, segmentID: task.segmentID)))
            }
            var catalog = state.withLock { $0.catalog }
            for (task, segment) in written {
                guard let index = catalog.tables.firstIndex(where: { $0.id == task.table.id }) else { continue }
                catalog.tables[index].addSegment(segment, key: task.key)
            }
            catalog.walStart = walStart
            try commitCatalog(catalog) { s in
                for task in tasks {
                    s.heads[task.table.id]?[task.key]?.flushing = []
                    if s.heads[task.table.id]?[task.key]?.isEmpty == true { s.heads[task.table.id]?[task.key] = nil }
                }
            }
        } catch {
            for (_, segment) in written { FileIO.removeIfPresent(path + "/" + segment.file) }
            state.withLock { s in
                for task in tasks {
                    guard var part = s.heads[task.table.id]?[task.key] else { continue }
                    part.abandonFlush()
                    s.heads[task.table.id]?[task.key] = part
                    s.pendingRows += task.chunks.reduce(0) { $0 + $1.rowCount }
                    s.pendingBytes += task.chunks.reduce(0) { $0 + $1.approximateBytes }
                }
            }
            throw error
        }

        for sequence in (try? WALReader.sequences(in: walDirectory)) ?? [] where sequence < walStart {
            FileIO.removeIfPresent(walDirectory + "/" + WALFormat.fileName(sequence: sequence))
        }
    }

    /// The rows of `chunks` as one vector per schema column; columns a chunk predates become NULL.
    static func concatenate(_ chunks: [HeadChunk], schema: TableSchema) -> [ColumnVector] {
        schema.columns.map { column in
            let physical = column.type.physical
            let parts = chunks.map { chunk in
                chunk.columnIDs.firstIndex(of: column.id).map { chunk.columns[$0] } ?? .nulls(physical, count: chunk.rowCount)
            }
            return ColumnVector.concatenate(parts, physical: physical)
        }
    }
}
