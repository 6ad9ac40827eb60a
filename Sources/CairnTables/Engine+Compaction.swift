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
    /// Rows per segment written by compaction at most (tables with vectors: see ``segmentRowLimit(_:)``);
    /// larger partitions get several segments.
    static let compactedSegmentRows = 4_194_304
    /// Bytes of vectors per segment written by compaction and index builds at most: a rewrite holds a
    /// segment's rows in memory, and four million rows of 1,536 dimensions would be 24 GiB.
    static let compactedVectorBytes = 1 << 30

    /// Rows per segment that compaction and index builds write at most for tables of `schema`.
    static func segmentRowLimit(_ schema: TableSchema) -> Int {
        guard schema.vectorFloatsPerRow > 0 else { return compactedSegmentRows }
        return min(compactedSegmentRows, max(1, compactedVectorBytes / (schema.vectorFloatsPerRow * 4)))
    }

    /// Consecutive runs of `segments` whose live rows fit `limit` together (a larger segment alone):
    /// what one rewrite merges.
    static func rewriteGroups(_ segments: [SegmentEntry], limit: Int) -> [[SegmentEntry]] {
        var groups: [[SegmentEntry]] = []
        var group: [SegmentEntry] = []
        var rows = 0
        for segment in segments {
            if !group.isEmpty && rows + segment.liveRowCount > limit {
                groups.append(group)
                group = []
                rows = 0
            }
            group.append(segment)
            rows += segment.liveRowCount
        }
        if !group.isEmpty { groups.append(group) }
        return groups
    }

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

    /// Three phases, so the slow rewrite never holds the maintenance lock that checkpoints, deletes and
    /// DDL need: plan (locked: checkpoint, drop wholly expired segments, choose what to rewrite, take a
    /// lease on the files), rewrite (unlocked: new segment files no manifest names yet), install (locked:
    /// commit the rewrites whose source segments are still there unchanged; discard the others).
    private func compactNow(table: String?, mode: CompactionMode, now: Int64) throws(CairnError) -> CompactionReport {
        var report = CompactionReport()
        let (plans, lease) = try maintenance.withLock { (_) throws(CairnError) -> ([RewritePlan], SnapshotLease) in
            if mode != .tiered { try checkpointLocked() }
            let ids = try state.withLock { (s) throws(CairnError) -> [UInt32] in
                try s.checkOpen(path)
                guard let table else { return s.catalog.tables.map(\.id) }
                guard let i = s.catalog.tableIndex(named: table) else { throw CairnError(.notFound, "table \"\(table)\" does not exist") }
                return [s.catalog.tables[i].id]
            }
            var plans: [RewritePlan] = []
            for id in ids {
                report.add(try dropExpiredSegments(tableID: id, now: now))
                plans.append(contentsOf: try planRewrites(tableID: id, mode: mode, now: now))
            }
            return (plans, state.withLock { _ in reclaimer.lease() })
        }
        defer { withExtendedLifetime(lease) {} }
        guard !plans.isEmpty else { return report }

        var done: [(plan: RewritePlan, segments: [SegmentEntry], purged: Int)] = []
        func discard(_ segments: [SegmentEntry], _ schema: TableSchema) { removeUnnamedSegments(segments, schema: schema) }
        do throws(CairnError) {
            for plan in plans {
                guard let result = try rewrite(entry: plan.entry, key: plan.key, segments: plan.segments, expiry: plan.expiry,
                                               mustWrite: plan.segments.count > 1) else { continue }
                done.append((plan, result.segments, result.purged))
            }
        } catch {
            for d in done { discard(d.segments, d.plan.entry.schema) }
            throw error
        }
        guard !done.isEmpty else { return report }

        try maintenance.withLock { (_) throws(CairnError) in
            var catalog = state.withLock { $0.catalog }
            var installed = 0
            for d in done {
                // Still valid only if the table, its schema and every source segment (with its deletes) are unchanged.
                guard let ti = catalog.tables.firstIndex(where: { $0.id == d.plan.entry.id }), catalog.tables[ti].schema == d.plan.entry.schema,
                      let pi = catalog.tables[ti].partitions.firstIndex(where: { $0.key == d.plan.key }) else {
                    discard(d.segments, d.plan.entry.schema)
                    continue
                }
                let current = catalog.tables[ti].partitions[pi].segments
                let sources = Dictionary(d.plan.segments.map { ($0.file, $0.deletes) }, uniquingKeysWith: { a, _ in a })
                let present = current.filter { sources[$0.file] != nil }
                guard present.count == sources.count, present.allSatisfy({ sources[$0.file] == $0.deletes }) else {
                    discard(d.segments, d.plan.entry.schema)
                    continue
                }
                catalog.tables[ti].partitions[pi].segments = current.filter { sources[$0.file] == nil } + d.segments
                report.partitionsRewritten += 1
                report.segmentsRemoved += d.plan.segments.count
                report.segmentsWritten += d.segments.count
                report.rowsPurged += d.purged
                installed += 1
            }
            for t in catalog.tables.indices { catalog.tables[t].partitions.removeAll { $0.segments.isEmpty } }
            guard installed > 0 else { return }
            do throws(CairnError) {
                try commitCatalog(catalog)
            } catch {
                for d in done { discard(d.segments, d.plan.entry.schema) }
                throw error
            }
        }
        return report
    }

    /// One group of segments of one partition to rewrite, as planned under the maintenance lock.
    private struct RewritePlan {
        var entry: TableEntry
        var key: Int64?
        var segments: [SegmentEntry]
        var expiry: RowPredicate?
    }

    /// Removes segments whose every row is past every retention rule, without reading them.
    /// Requires: caller holds `maintenance`.
    private func dropExpiredSegments(tableID id: UInt32, now: Int64) throws(CairnError) -> CompactionReport {
        var report = CompactionReport()
        guard var entry = state.withLock({ $0.catalog.table(id: id) }),
              let whole = entry.schema.retention?.wholeExpiryCutoff(now: now),
              let c = entry.schema.retentionColumnIndex else { return report }
        let timeColumn = entry.schema.columns[c]
        for p in entry.partitions.indices {
            let before = entry.partitions[p].segments.count
            entry.partitions[p].segments.removeAll { segment in
                guard let zm = segment.summary.zoneMaps[timeColumn.id], zm.nullCount == 0,
                      let newest = Self.micros(zm.max, timeColumn.type), newest < whole else { return false }
                report.rowsPurged += segment.liveRowCount
                return true
            }
            report.segmentsRemoved += before - entry.partitions[p].segments.count
            if before > 0 && entry.partitions[p].segments.isEmpty { report.partitionsDropped += 1 }
        }
        guard report.segmentsRemoved > 0 else { return report }
        entry.partitions.removeAll { $0.segments.isEmpty }
        var catalog = state.withLock { $0.catalog }
        guard let ti = catalog.tables.firstIndex(where: { $0.id == id }) else { return CompactionReport() }
        catalog.tables[ti] = entry
        try commitCatalog(catalog)
        return report
    }

    /// What `mode` rewrites in a table, in groups of at most ``segmentRowLimit(_:)`` rows.
    /// Requires: caller holds `maintenance`.
    private func planRewrites(tableID id: UInt32, mode: CompactionMode, now: Int64) throws(CairnError) -> [RewritePlan] {
        guard let entry = state.withLock({ $0.catalog.table(id: id) }) else { return [] }
        let schema = entry.schema
        let expiry = try expiryPredicate(schema, now: now)
        let noExpiry = schema.retention?.noExpiryCutoff(now: now)
        let timeColumn = schema.retentionColumnIndex.map { schema.columns[$0] }
        func mayExpire(_ s: SegmentEntry) -> Bool {
            guard expiry != nil, let noExpiry, let timeColumn, let zm = s.summary.zoneMaps[timeColumn.id] else { return false }
            return Self.micros(zm.min, timeColumn.type).map { $0 < noExpiry } ?? false
        }
        var plans: [RewritePlan] = []
        let limit = Self.segmentRowLimit(schema)
        for partition in entry.partitions {
            guard let chosen = Self.segmentsToRewrite(partition.segments, mode: mode, limit: limit, mayExpire: mayExpire) else { continue }
            // Bounded groups keep a rewrite's memory to one segment's worth, whatever the partition's size.
            for group in Self.rewriteGroups(chosen, limit: limit) {
                plans.append(RewritePlan(entry: entry, key: partition.key, segments: group, expiry: group.contains(where: mayExpire) ? expiry : nil))
            }
        }
        return plans
    }

    /// The segments of one partition that `mode` rewrites, or nil to leave the partition alone.
    private static func segmentsToRewrite(_ segments: [SegmentEntry], mode: CompactionMode, limit: Int,
                                          mayExpire: (SegmentEntry) -> Bool) -> [SegmentEntry]? {
        func purgeable(_ s: SegmentEntry) -> Bool { s.deletes != nil || mayExpire(s) }
        func small(_ s: SegmentEntry) -> Bool { s.summary.rowCount < tierSmallRows }
        switch mode {
        case .full:
            // A partition already written as full-size segments is left alone.
            let rows = segments.reduce(0) { $0 + $1.summary.rowCount }
            let needed = max(1, (rows + limit - 1) / limit)
            return segments.count > needed || segments.contains(where: purgeable) ? segments : nil
        case .purge where segments.contains(where: purgeable):
            // The segments with something to purge, and the small ones while at it.
            return segments.filter { purgeable($0) || small($0) }
        case .purge, .tiered:
            let rows = segments.reduce(0) { $0 + $1.summary.rowCount }
            let deleted = segments.reduce(0) { $0 + ($1.deletes?.count ?? 0) }
            if deleted > 0 && deleted * 5 >= rows { return segments }
            let smallOnes = segments.filter(small)
            return smallOnes.count >= tierMinSegments ? smallOnes : nil
        }
    }

    /// Rewrites `segments` of partition `key` without deleted and expired rows. Returns nil when nothing
    /// would change (no row purged and `mustWrite` false). The new files are not named by any manifest yet.
    private func rewrite(entry: TableEntry, key: Int64?, segments: [SegmentEntry], expiry: RowPredicate?,
                         mustWrite: Bool) throws(CairnError) -> (segments: [SegmentEntry], purged: Int)? {
        let schema = entry.schema
        var (columns, purged) = try liveColumns(segments, schema: schema)
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
        let limit = Self.segmentRowLimit(schema)
        if rows > limit, let order = Self.sortOrder(columns, schema: schema) {
            for c in columns.indices { columns[c].reorder(order) }
        }
        if rows > 0 && rows <= limit {
            // The only segment: handed over, so its vectors are reordered in place, not copied.
            let id = state.withLock { $0.allocateSegmentID() }
            return ([try writeSegment(tableID: entry.id, schema: schema, key: key, columns: consume columns, segmentID: id, threads: 1)], purged)
        }
        while start < rows {
            let end = min(rows, start + limit)
            let id = state.withLock { $0.allocateSegmentID() }
            do throws(CairnError) {
                out.append(try writeSegment(tableID: entry.id, schema: schema, key: key, columns: columns.map { $0.slice(start..<end) },
                                            segmentID: id, threads: 1))
            } catch {
                removeUnnamedSegments(out, schema: schema)
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
