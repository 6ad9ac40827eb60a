import CairnFormat
import CairnLog

/// Which partitions a compaction rewrites.
package enum CompactionMode: Sendable {
    /// Background policy (size-tiered): partitions with at least ``Engine/tierMinSegments`` small segments,
    /// or whose deleted rows are at least a fifth of their rows.
    case tiered
    /// `VACUUM`: partitions with deleted or expired rows, and those the tiered policy picks.
    case purge
    /// `COMPACT t`: every partition with more than one segment, deleted or expired rows.
    case full
}

/// What a compaction or retention pass did.
package struct CompactionReport: Sendable, Equatable {
    package var partitionsDropped = 0
    package var partitionsRewritten = 0
    package var segmentsRemoved = 0
    package var segmentsWritten = 0
    /// Rows removed for good: deleted, expired, or in dropped partitions.
    package var rowsPurged = 0

    package init() {}

    mutating func add(_ other: CompactionReport) {
        partitionsDropped += other.partitionsDropped
        partitionsRewritten += other.partitionsRewritten
        segmentsRemoved += other.segmentsRemoved
        segmentsWritten += other.segmentsWritten
        rowsPurged += other.rowsPurged
    }
}

extension Engine {
    /// Segments below this many rows count as small for the tiered policy.
    static let tierSmallRows = 262_144
    /// The tiered policy merges a partition once it has this many small segments.
    static let tierMinSegments = 4
    /// Rows per segment written by compaction at most; larger partitions get several segments.
    static let compactedSegmentRows = 4_194_304

    /// Drops what retention has expired, then rewrites partitions as `mode` picks, for `table` or every table.
    ///
    /// Partitions (and segments) whose every row is older than the retention policy's longest interval
    /// are removed from the manifest without reading them. A rewrite reads a partition's live rows,
    /// drops expired ones, sorts them by the table's sort key and writes new segments (and their IVF
    /// list files); one manifest replacement swaps them in. Readers keep their snapshot throughout, and
    /// the old files go once the new manifest is durable and no snapshot reads them.
    /// - Throws: `.notFound`, `.readOnly`, `.io`; on error the manifest is unchanged and new files are removed.
    /// The work runs on the engine's low-priority ``MaintenanceThread``; the caller waits for it.
    package func compact(table: String? = nil, mode: CompactionMode, now: Int64? = nil) throws(CairnError) -> CompactionReport {
        try checkWritable()
        let now = now ?? options.now()
        return try maintenanceThread.run { [self] () throws(CairnError) -> CompactionReport in
            try compactNow(table: table, mode: mode, now: now)
        }
    }

    private func compactNow(table: String?, mode: CompactionMode, now: Int64) throws(CairnError) -> CompactionReport {
        try maintenance.withLock { (_) throws(CairnError) -> CompactionReport in
            if mode != .tiered { try checkpointLocked() }
            let ids = try state.withLock { (s) throws(CairnError) -> [UInt32] in
                try s.checkOpen(path)
                guard let table else { return s.catalog.tables.map(\.id) }
                guard let i = s.catalog.tableIndex(named: table) else { throw CairnError(.notFound, "table \"\(table)\" does not exist") }
                return [s.catalog.tables[i].id]
            }
            var report = CompactionReport()
            for id in ids { report.add(try compactTable(id: id, mode: mode, now: now)) }
            return report
        }
    }

    /// Requires: caller holds `maintenance`.
    private func compactTable(id: UInt32, mode: CompactionMode, now: Int64) throws(CairnError) -> CompactionReport {
        guard var entry = state.withLock({ $0.catalog.table(id: id) }) else { return CompactionReport() }
        var report = CompactionReport()
        var changed = false
        let schema = entry.schema
        let expiry = try expiryPredicate(schema, now: now)
        let window = schema.retention.map { (whole: $0.wholeExpiryCutoff(now: now), none: $0.noExpiryCutoff(now: now)) }
        let timeColumn = schema.retentionColumnIndex.map { schema.columns[$0] }

        // Whole segments past every rule's interval go without being read.
        if let whole = window?.whole, let timeColumn {
            for p in entry.partitions.indices {
                let before = entry.partitions[p].segments.count
                entry.partitions[p].segments.removeAll { segment in
                    guard let zm = segment.summary.zoneMaps[timeColumn.id], zm.nullCount == 0,
                          let newest = Self.micros(zm.max, timeColumn.type), newest < whole else { return false }
                    changed = true
                    report.rowsPurged += segment.liveRowCount
                    return true
                }
                report.segmentsRemoved += before - entry.partitions[p].segments.count
                if before > 0 && entry.partitions[p].segments.isEmpty { report.partitionsDropped += 1 }
            }
            entry.partitions.removeAll { $0.segments.isEmpty }
        }

        var written: [SegmentEntry] = []
        do throws(CairnError) {
            for p in entry.partitions.indices {
                let segments = entry.partitions[p].segments
                let mayExpire = expiry != nil && window.map { w in
                    segments.contains { s in
                        guard let timeColumn, let zm = s.summary.zoneMaps[timeColumn.id] else { return false }
                        return Self.micros(zm.min, timeColumn.type).map { $0 < w.none } ?? false
                    }
                } == true
                guard let chosen = Self.segmentsToRewrite(segments, mode: mode, mayExpire: mayExpire) else { continue }
                let result = try rewrite(entry: entry, key: entry.partitions[p].key, segments: chosen,
                                         expiry: mayExpire ? expiry : nil, mustWrite: chosen.count > 1)
                guard let result else { continue }
                written.append(contentsOf: result.segments)
                let chosenFiles = Set(chosen.map(\.file))
                changed = true
                entry.partitions[p].segments = segments.filter { !chosenFiles.contains($0.file) } + result.segments
                report.partitionsRewritten += 1
                report.segmentsRemoved += chosen.count
                report.segmentsWritten += result.segments.count
                report.rowsPurged += result.purged
            }
            entry.partitions.removeAll { $0.segments.isEmpty }
            guard changed else { return report }
            let before = state.withLock { $0.catalog }
            var catalog = before
            guard let ti = catalog.tables.firstIndex(where: { $0.id == id }) else { throw CairnError(.notFound, "table was dropped") }
            catalog.tables[ti] = entry
            try commitCatalog(catalog)
            retireUnreferenced(before: before, after: catalog)
        } catch {
            for segment in written {
                for file in segmentFiles(segment, schema: schema) { FileIO.removeIfPresent(path + "/" + file) }
            }
            throw error
        }
        return report
    }

    /// The segments of one partition that `mode` rewrites together, or nil to leave the partition alone.
    private static func segmentsToRewrite(_ segments: [SegmentEntry], mode: CompactionMode, mayExpire: Bool) -> [SegmentEntry]? {
        let hasDeletes = segments.contains { $0.deletes != nil }
        switch mode {
        case .full:
            // A partition already written as full-size segments is left alone.
            let rows = segments.reduce(0) { $0 + $1.summary.rowCount }
            let needed = max(1, (rows + compactedSegmentRows - 1) / compactedSegmentRows)
            return segments.count > needed || hasDeletes || mayExpire ? segments : nil
        case .purge where hasDeletes || mayExpire:
            return segments
        case .purge, .tiered:
            let rows = segments.reduce(0) { $0 + $1.summary.rowCount }
            let deleted = segments.reduce(0) { $0 + ($1.deletes?.count ?? 0) }
            if deleted > 0 && deleted * 5 >= rows { return segments }
            let small = segments.filter { $0.summary.rowCount < tierSmallRows }
            return small.count >= tierMinSegments ? small : nil
        }
    }

    /// Rewrites `segments` of partition `key` without deleted and expired rows. Returns nil when nothing
    /// would change (no row purged and `mustWrite` false). The new files are not named by any manifest yet.
    private func rewrite(entry: TableEntry, key: Int64?, segments: [SegmentEntry], expiry: RowPredicate?,
                         mustWrite: Bool) throws(CairnError) -> (segments: [SegmentEntry], purged: Int)? {
        let schema = entry.schema
        var parts: [[ColumnVector]] = []
        var purged = 0
        for segment in segments {
            let reader = try readers.reader(path: path + "/" + segment.file)
            var columns = try Self.readAllColumns(reader, schema: schema)
            if let deleted = try deletions.vector(directory: path, segment: segment),
               let live = deleted.liveRows(in: 0..<segment.summary.rowCount) {
                columns = columns.map { $0.gather(live) }
                purged += deleted.deletedCount
            }
            parts.append(columns)
        }
        var columns = schema.columns.indices.map { c in
            ColumnVector.concatenate(parts.map { $0[c] }, physical: schema.columns[c].type.physical)
        }
        var rows = columns.first?.count ?? 0
        if let expiry, rows > 0 {
            let expired = try expiry.select(expiry.columns.map { columns[$0] }, rows)
            if !expired.isEmpty {
                var keep: [Int] = []
                keep.reserveCapacity(rows - expired.count)
                var e = 0
                for r in 0..<rows {
                    if e < expired.count && expired[e] == r { e += 1 } else { keep.append(r) }
                }
                columns = columns.map { $0.gather(keep) }
                purged += expired.count
                rows = keep.count
            }
        }
        guard purged > 0 || mustWrite else { return nil }
        var out: [SegmentEntry] = []
        var start = 0
        // Sorted once over the whole partition, so consecutive output segments cover disjoint key ranges.
        if rows > Self.compactedSegmentRows, let order = Self.sortOrder(columns, schema: schema) {
            columns = columns.map { $0.gather(order) }
        }
        while start < rows {
            let end = min(rows, start + Self.compactedSegmentRows)
            let slice = start == 0 && end == rows ? columns : columns.map { $0.slice(start..<end) }
            let id = state.withLock { $0.allocateSegmentID() }
            do throws(CairnError) {
                out.append(try writeSegment(tableID: entry.id, schema: schema, key: key, columns: slice, segmentID: id))
            } catch {
                for segment in out {
                    for file in segmentFiles(segment, schema: schema) { FileIO.removeIfPresent(path + "/" + file) }
                }
                throw error
            }
            start = end
        }
        return (out, purged)
    }

    /// A temporal zone-map bound in microseconds (DATE values are day numbers).
    static func micros(_ v: Value, _ type: ColumnType) -> Int64? {
        switch v {
        case .int(let x): type == .date ? Calendar.micros(days: x) : x
        case .timestamp(let x): x
        case .date(let d): Calendar.micros(days: Int64(d))
        default: nil
        }
    }
}
