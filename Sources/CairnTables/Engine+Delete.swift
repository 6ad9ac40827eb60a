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
    /// The head is checkpointed first, so every row committed before the call is in a segment; rows
    /// committed while it runs are not affected. One new deletion file (§8) holds the vectors of every
    /// touched segment, and one manifest replacement makes them all visible at once, durably. Segments left with no live row
    /// leave the manifest; their files go once no snapshot reads them. The rows stay in the segment
    /// files until compaction or `VACUUM` rewrites them.
    /// - Throws: `.notFound`, `.readOnly`, `.io`, or what `predicate` throws; on error nothing is deleted.
    package func delete(table: String, where predicate: RowPredicate?) throws(CairnError) -> Int {
        try checkWritable()
        return try maintenance.withLock { (_) throws(CairnError) -> Int in
            try checkpointLocked()
            guard let t = snapshot().table(table) else { throw CairnError(.notFound, "table \"\(table)\" does not exist") }
            let matches = try matchingRows(t, predicate)
            guard !matches.isEmpty else { return 0 }

            let before = state.withLock { $0.catalog }
            var catalog = before
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
                    deleted += added
                    // A segment with no live row leaves the manifest instead.
                    if vector.deletedCount == segment.summary.rowCount { continue }
                    if added > 0 {
                        vectors.append((segment.file, vector))
                        segment.deletes = SegmentDeletes(generation: generation, count: vector.deletedCount)
                    }
                    kept.append(segment)
                }
                entry.partitions[p].segments = kept
            }
            guard deleted > 0 else { return 0 }
            entry.partitions.removeAll { $0.segments.isEmpty }
            catalog.tables[ti] = entry
            // No file when every touched segment left the manifest instead.
            let file = vectors.first.map { path + "/" + SegmentDeletes.file(segmentFile: $0.segmentFile, generation: generation) }
            // The deletion file is encoded and made durable on another thread while the manifest is
            // encoded and fsynced here; the manifest replaces the old one only once both are on disk (§8).
            let written = file.map { [vectors] file in
                BackgroundWork { () throws(CairnError) in
                    try writeFileAtomically(file, DeletionFile.serialized(generation: generation, vectors: vectors))
                }
            }
            if let file { deletions.remember(path: file, vectors: vectors) }
            do throws(CairnError) {
                try commitCatalog(catalog, awaiting: { () throws(CairnError) in try written?.wait() })
            } catch {
                if let file {
                    // The write must be over before its file can be removed.
                    _ = try? written?.wait()
                    deletions.forget(path: file)
                    FileIO.removeIfPresent(file)
                }
                throw error
            }
            retireUnreferenced(before: before, after: catalog)
            return deleted
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

    /// Every column of `schema` over the rows of `segment` that are not deleted, and how many were deleted.
    func liveColumns(_ segment: SegmentEntry, schema: TableSchema) throws(CairnError) -> (columns: [ColumnVector], deleted: Int) {
        let columns = try Self.readAllColumns(try readers.reader(directory: path, segment: segment), schema: schema)
        guard let deleted = try deletions.vector(directory: path, segment: segment),
              let live = deleted.liveRows(in: 0..<segment.summary.rowCount) else { return (columns, 0) }
        return (columns.map { $0.gather(live) }, deleted.deletedCount)
    }

    /// Hands the files `before` names and `after` does not to the reclaimer: they go once no snapshot
    /// that might read them is alive. Call after `after` is committed.
    func retireUnreferenced(before: Catalog, after: Catalog) {
        let kept = Set(after.files)
        reclaimer.retire(before.files.filter { !kept.contains($0) }.map { path + "/" + $0 })
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

/// Work started on another thread at once, whose outcome ``wait()`` returns (as often as asked).
private final class BackgroundWork: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, CairnError>?>(nil)

    init(_ work: @escaping @Sendable () throws(CairnError) -> Void) {
        DispatchQueue.global().async { [self] in
            let result: Result<Void, CairnError>
            do throws(CairnError) {
                try work()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
    }

    func wait() throws(CairnError) {
        done.wait()
        done.signal()
        if case .failure(let error)? = outcome.withLock({ $0 }) { throw error }
    }
}
