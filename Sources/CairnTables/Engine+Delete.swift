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
    /// committed while it runs are not affected. Each touched segment gets a new deletion file (§8) and
    /// one manifest replacement makes them all visible at once, durably. Segments left with no live row
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

            var catalog = state.withLock { $0.catalog }
            guard let ti = catalog.tables.firstIndex(where: { $0.id == t.tableID }) else { return 0 }
            var entry = catalog.tables[ti]
            var deleted = 0
            var written: [String] = []
            var retired: [String] = []
            do throws(CairnError) {
                for p in entry.partitions.indices {
                    var kept: [SegmentEntry] = []
                    for var segment in entry.partitions[p].segments {
                        guard let rows = matches[segment.file] else { kept.append(segment); continue }
                        var vector = try deletions.vector(directory: path, segment: segment)
                            ?? DeletionVector(rowCount: segment.summary.rowCount)
                        let added = vector.delete(rows)
                        deleted += added
                        let oldFile = segment.deletes.map { SegmentDeletes.file(segmentFile: segment.file, generation: $0.generation) }
                        if vector.deletedCount == segment.summary.rowCount {
                            retired.append(contentsOf: segmentFiles(segment, schema: entry.schema))
                            continue
                        }
                        if added > 0 {
                            let generation = state.withLock { $0.allocateSegmentID() }
                            let file = SegmentDeletes.file(segmentFile: segment.file, generation: generation)
                            try writeFileAtomically(path + "/" + file, vector.serialized(generation: generation))
                            written.append(file)
                            if let oldFile { retired.append(oldFile) }
                            segment.deletes = SegmentDeletes(generation: generation, count: vector.deletedCount)
                        }
                        kept.append(segment)
                    }
                    entry.partitions[p].segments = kept
                }
                entry.partitions.removeAll { $0.segments.isEmpty }
                catalog.tables[ti] = entry
                if deleted > 0 { try commitCatalog(catalog) }
            } catch {
                for file in written { FileIO.removeIfPresent(path + "/" + file) }
                throw error
            }
            reclaimer.retire(retired.map { path + "/" + $0 })
            return deleted
        }
    }

    /// Segment rows (by file) of `t` that `predicate` selects; head rows are not considered.
    private func matchingRows(_ t: TableSnapshot, _ predicate: RowPredicate?) throws(CairnError) -> [String: [Int]] {
        let everything: @Sendable ([Int: ZoneMap]) -> Bool = { _ in true }
        let plan = try t.scan(columns: predicate?.columns ?? [], mayMatch: predicate?.mayMatch ?? everything)
        let units = plan.units.filter { $0.segmentPosition != nil }
        let found = MatchCollector()
        DispatchQueue.concurrentPerform(iterations: min(2, max(1, units.count))) { _ in
            while let u = found.claim(below: units.count) {
                let unit = units[u]
                guard let (file, firstRow) = unit.segmentPosition else { continue }
                do throws(CairnError) {
                    var selected = Array(0..<unit.rowCount)
                    if let predicate { selected = try predicate.select(try unit.read(), unit.rowCount) }
                    let rows = selected.map { firstRow + (unit.liveRows?[$0] ?? $0) }
                    found.add(rows, file: file)
                } catch {
                    found.fail(error)
                }
            }
        }
        return try found.result()
    }

    /// A segment file with its list and deletion files, relative to the database directory.
    func segmentFiles(_ segment: SegmentEntry, schema: TableSchema) -> [String] {
        var files = [segment.file]
        for index in schema.indexes { files.append(VectorIndexDefinition.listFile(segmentFile: segment.file, generation: index.generation)) }
        if let d = segment.deletes { files.append(SegmentDeletes.file(segmentFile: segment.file, generation: d.generation)) }
        return files
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
