import CairnFormat
import CairnLog
import Dispatch
import Synchronization

extension Engine {
    /// Installs the query layer's binder of retention predicates, used by compaction and maintenance.
    package func installExpiryBinder(_ binder: @escaping ExpiryBinder) {
        expiryBinder.withLock { $0 = binder }
    }

    /// The expired-row predicate of `schema` at `now`, if any of its rows can have expired.
    func expiryPredicate(_ schema: TableSchema, now: Int64) throws(CairnError) -> RowPredicate? {
        guard schema.retention != nil, let bind = expiryBinder.withLock({ $0 }) else { return nil }
        return try bind(schema, now)
    }

    /// Deletes the rows of `table` that `predicate` selects (every row when nil) and returns how many.
    ///
    /// The head is checkpointed first if it holds rows, so every row committed before the call is in a
    /// segment; rows committed while it runs are not affected. The statement is one log record holding
    /// its deletion file (§8): the complete deletion vector of every touched segment. Once the record is
    /// durable the new catalog is installed, so the rows are invisible to every later snapshot of this
    /// process; the deletion file and a manifest naming it are written soon after on another thread
    /// (or by the next checkpoint), and then other processes see the delete too (§6.7). Segments left
    /// with no live row leave the catalog. The rows stay in the segment files until compaction or
    /// `VACUUM` rewrites them.
    /// - Throws: `.notFound`, `.readOnly`, `.io`, or what `predicate` throws; on error nothing is deleted.
    package func delete(table: String, where predicate: RowPredicate?) throws(CairnError) -> Int {
        try checkWritable()
        let deleted = try maintenance.withLock { (_) throws(CairnError) -> Int in
            if state.withLock({ $0.pendingRows > 0 }) { try checkpointLocked() }
            guard let t = snapshot().table(table) else { throw CairnError(.notFound, "table \"\(table)\" does not exist") }
            let matches = try matchingRows(t, predicate)
            guard !matches.isEmpty else { return 0 }

            var catalog = state.withLock { $0.catalog }
            guard let ti = catalog.tables.firstIndex(where: { $0.id == t.tableID }) else { return 0 }
            var entry = catalog.tables[ti]
            let generation = state.withLock { $0.allocateSegmentID() }
            var deleted = 0
            var vectors: [(segmentFile: String, vector: DeletionVector)] = []
            for p in entry.partitions.indices {
                var kept: [SegmentEntry] = []
                for var segment in entry.partitions[p].segments {
                    guard let rows = matches[segment.file] else { kept.append(segment); continue }
                    var vector = try deletions.vector(directory: path, segment: segment) ?? DeletionVector(rowCount: segment.summary.rowCount)
                    let added = vector.delete(rows)
                    guard added > 0 else { kept.append(segment); continue }
                    deleted += added
                    // The record lists emptied segments too, so that replay removes them.
                    vectors.append((segment.file, vector))
                    guard vector.deletedCount < segment.summary.rowCount else { continue }
                    segment.deletes = SegmentDeletes(generation: generation, count: vector.deletedCount)
                    kept.append(segment)
                }
                entry.partitions[p].segments = kept
            }
            guard let first = vectors.first else { return 0 }
            entry.partitions.removeAll { $0.segments.isEmpty }
            catalog.tables[ti] = entry
            let file = SegmentDeletes.file(segmentFile: first.segmentFile, generation: generation)
            let bytes = DeletionFile.serialized(generation: generation, vectors: vectors)
            var record = WALRecordBuffer.delete(tableID: t.tableID, deletionFile: bytes)
            // In the cache before the catalog that names the file is installed: it is not on disk yet.
            // Emptied segments left the catalog: nothing looks their vectors up.
            deletions.remember(path: path + "/" + file, vectors: vectors.filter { $0.vector.deletedCount < $0.vector.rowCount })
            do throws(CairnError) {
                try state.withLock { (s) throws(CairnError) in
                    try s.checkOpen(path)
                    guard let wal = s.wal else { throw CairnError(.io, "database \"\(path)\" is closed") }
                    try wal.append(&record)
                    s.catalog = catalog
                    s.loggedDeletions[file] = bytes
                    // The log holds the record until a checkpoint: it counts towards the flush threshold.
                    s.pendingBytes += record.size
                }
            } catch {
                deletions.forget(path: path + "/" + file)
                throw error
            }
            return deleted
        }
        if deleted > 0 { scheduleFold() }
        return deleted
    }

    /// Queues a fold of the logged deletes (``EngineOptions/runLater``) unless one is queued already: it writes
    /// their deletion files and a manifest naming them, so that other processes see the deletes and
    /// the log is no longer their only copy. With an empty head the fold is a checkpoint, which also
    /// trims the log. Failing here loses nothing: the records stay in the log and the next manifest
    /// replacement writes the files.
    func scheduleFold() {
        guard state.withLock({ s in defer { s.foldScheduled = true }; return !s.foldScheduled }) else { return }
        options.runLater { [weak self] in
            guard let self else { return }
            maintenance.withLock { _ in
                let (fold, checkpoint) = state.withLock { s -> (Bool, Bool) in
                    s.foldScheduled = false
                    guard !s.closed, !s.loggedDeletions.isEmpty else { return (false, false) }
                    return (true, s.pendingRows == 0 || s.pendingRows >= options.flushRows || s.pendingBytes >= options.flushBytes)
                }
                guard fold else { return }
                if checkpoint { try? checkpointLocked() } else { try? commitCatalog(state.withLock { $0.catalog }) }
            }
        }
    }

    /// Segment rows (by file) of `t` that `predicate` selects; head rows are not considered.
    private func matchingRows(_ t: TableSnapshot, _ predicate: RowPredicate?) throws(CairnError) -> [String: [Int]] {
        let everything: @Sendable (ZoneMaps) -> Bool = { _ in true }
        let plan = try t.scan(columns: predicate?.columns ?? [], mayMatch: predicate?.mayMatch ?? everything)
        let units = plan.units.filter { $0.segmentPosition != nil }
        let found = MatchCollector()
        DispatchQueue.concurrentPerform(iterations: min(2, max(1, units.count))) { _ in
            while let u = found.claim(below: units.count) {
                let unit = units[u]
                guard let (file, firstRow) = unit.segmentPosition else { continue }
                do throws(CairnError) {
                    var rows: [Int]
                    if let p = predicate, p.neverFails {
                        // Deleted rows cannot make it fail: select among the stored rows, then drop them.
                        let stored = try p.select(try unit.readIncludingDeleted(only: nil), unit.storedRowCount)
                        rows = unit.liveSelection(stored).stored
                    } else {
                        // The predicate sees live rows only (a deleted row must not make it fail).
                        rows = try predicate.map { (p) throws(CairnError) -> [Int] in try p.select(try unit.read(), unit.rowCount) }
                            ?? Array(0..<unit.rowCount)
                        if let live = unit.liveRows { for i in rows.indices { rows[i] = live[rows[i]] } }
                    }
                    for i in rows.indices { rows[i] += firstRow }
                    found.add(rows, file: file)
                } catch {
                    found.fail(error)
                }
            }
        }
        return try found.result()
    }

    /// Deletes segments written by a rewrite that no manifest names (after an error or a lost race):
    /// each file and its list files.
    func removeUnnamedSegments(_ segments: [SegmentEntry], schema: TableSchema) {
        for segment in segments {
            FileIO.removeIfPresent(path + "/" + segment.file)
            for index in schema.indexes {
                FileIO.removeIfPresent(path + "/" + VectorIndexDefinition.listFile(segmentFile: segment.file, generation: index.generation))
            }
        }
    }

    /// Every column of `schema` over the rows of `segments` (one rewrite: a compaction group, an index
    /// build's merge) that are not deleted, in segment order, and how many were deleted. Their live
    /// vectors are decoded straight into one array for all of them: a rewrite holds each row once, not
    /// a copy per segment and another for the whole.
    func liveColumns(_ segments: [SegmentEntry], schema: TableSchema) throws(CairnError) -> (columns: [ColumnVector], deleted: Int) {
        var sources: [(reader: SegmentReader, live: [Int]?)] = []
        var deleted = 0
        for segment in segments {
            let reader = try readers.reader(directory: path, segment: segment)
            if let vector = try deletions.vector(directory: path, segment: segment),
               let live = vector.liveRows(in: 0..<segment.summary.rowCount) {
                sources.append((reader, live))
                deleted += vector.deletedCount
            } else {
                sources.append((reader, nil))
            }
        }
        let total = sources.reduce(0) { $0 + ($1.live?.count ?? $1.reader.rowCount) }
        var out: [ColumnVector] = []
        for column in schema.columns {
            let physical = column.type.physical
            var whole = ColumnVector.empty(physical)
            var parts: [ColumnVector] = []
            for (reader, live) in sources {
                let rows = live?.count ?? reader.rowCount
                let stored = reader.columnType(column.id) != nil   // false: the segment predates the column
                if physical == .vector {
                    if stored {
                        try reader.appendVectors(column: column.id, to: &whole, reservingRows: total, keeping: live)
                    } else {
                        whole.append(.nulls(.vector, count: rows), range: 0..<rows)
                    }
                    continue
                }
                guard stored else {
                    parts.append(.nulls(physical, count: rows))
                    continue
                }
                var blocks: [ColumnVector] = []
                for b in 0..<reader.blockCount { blocks.append(try reader.read(column: column.id, block: b)) }
                let part = ColumnVector.concatenate(blocks, physical: physical)
                parts.append(live.map { part.gather($0) } ?? part)
            }
            out.append(physical == .vector ? whole : ColumnVector.concatenate(parts, physical: physical))
        }
        return (out, deleted)
    }
}

/// Rows found by the workers of a delete scan, by segment file; the first error stops them.
private final class MatchCollector: Sendable {
    private struct State {
        var next = 0
        var rows: [String: [Int]] = [:]
        var error: CairnError?
    }
    private let state = Mutex(State())

    func claim(below count: Int) -> Int? {
        state.withLock { s in
            guard s.error == nil, s.next < count else { return nil }
            defer { s.next += 1 }
            return s.next
        }
    }

    func add(_ rows: [Int], file: String) {
        guard !rows.isEmpty else { return }
        state.withLock { $0.rows[file, default: []].append(contentsOf: rows) }
    }

    func fail(_ error: CairnError) { state.withLock { if $0.error == nil { $0.error = error } } }

    func result() throws(CairnError) -> [String: [Int]] {
        let s = state.withLock { $0 }
        if let error = s.error { throw error }
        return s.rows
    }
}
