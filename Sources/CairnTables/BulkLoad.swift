import CairnFormat
import CairnLog

/// An atomic multi-batch load into one table (the `COPY` path): nothing is visible until
/// ``commit()``, and then everything is, across all partitions, through one manifest update.
///
/// Rows are buffered per partition and written straight to segment files (sorted like flushes),
/// largest partitions first, whenever the buffers pass the load's memory budget, bypassing the log. The files are not
/// named by any manifest until the commit, so a crash or ``abort()`` leaves only orphans that the
/// next read-write open deletes. A load smaller than the engine's flush thresholds commits as a
/// single log record instead, like one large append.
///
/// Not thread-safe: use one load from one task at a time.
package final class BulkLoad {
    private let engine: Engine
    private let tableID: UInt32
    private let schema: TableSchema
    private let partitioner: Partitioner?
    /// Per partition, the batches added and not yet written: they are joined once, at their final
    /// size, when written, rather than copied into a buffer that grows.
    private var buffers: [Int64?: [[ColumnVector]]] = [:]
    private var bufferedRows = 0
    private var bufferedBytes = 0
    private var partitionBytes: [Int64?: Int] = [:]
    private var written: [(key: Int64?, segment: SegmentEntry)] = []
    private var finished = false

    init(engine: Engine, table: TableEntry) {
        self.engine = engine
        tableID = table.id
        schema = table.schema
        partitioner = Partitioner(schema: table.schema)
    }

    /// Adds a batch (one vector per column, in schema order). Segments it causes to be written are
    /// encoded with `encodingThreads()` threads, asked before each one.
    /// - Throws: like ``Engine/append(table:columns:)``; after an error the load can still be aborted.
    package func add(_ columns: [ColumnVector], encodingThreads: () -> Int = { 1 }) throws(CairnError) {
        try checkActive()
        let rowCount = try BatchValidator.validate(columns, schema: schema)
        guard rowCount > 0 else { return }
        let groups = partitioner.map { $0.split(columns[$0.columnIndex]) } ?? [(nil, nil)]
        for (key, rows) in groups {
            let part = rows.map { r in columns.map { $0.gather(r) } } ?? columns
            partitionBytes[key, default: 0] += part.reduce(0) { $0 + $1.approximateBytes }
            buffers[key, default: []].append(part)
        }
        bufferedRows += rowCount
        bufferedBytes += columns.reduce(0) { $0 + $1.approximateBytes }
        if bufferedBytes >= bulkBudget || bufferedRows >= bulkRows { try writeLargestBuffers(encodingThreads) }
        try writeIdleBuffers(except: Set(groups.map(\.key)), encodingThreads)
    }

    /// Writes partitions that hold an eighth of a block or more and received nothing from the last
    /// batch: input in time order has moved on to later partitions, so encoding them now, on this
    /// thread, leaves less for ``commit()`` to do. A few stragglers wait for the commit; more arriving
    /// after the write make a second segment, which compaction merges.
    private func writeIdleBuffers(except batchKeys: Set<Int64?>, _ threads: () -> Int) throws(CairnError) {
        let minimum = max(1, Engine.rowsPerBlock(schema, engine.options) / 8)
        let idle = buffers.filter { key, parts in
            !batchKeys.contains(key) && parts.reduce(0) { $0 + ($1.first?.count ?? 0) } >= minimum
        }
        for key in idle.keys.sorted(by: PartitionKeyOrder.less) { try writeBuffer(key, threads: threads()) }
    }

    /// Makes every added row visible at once, durably.
    /// - Throws: `.notFound` if the table was dropped meanwhile; `.io`. On error nothing becomes visible.
    package func commit() throws(CairnError) {
        try checkActive()
        finished = true
        do throws(CairnError) {
            // Small loads go through the log like one append; big ones are already (or now) segments.
            if written.isEmpty && bufferedRows < engine.options.flushRows && bufferedBytes < engine.options.flushBytes {
                guard bufferedRows > 0 else { return }
                let parts = buffers.values.flatMap { $0 }
                let columns = schema.columns.indices.map { i in
                    ColumnVector.concatenate(parts.map { $0[i] }, physical: schema.columns[i].type.physical)
                }
                buffers = [:]
                try engine.append(tableID: tableID, columns: columns)
                return
            }
            try writeBuffers()
            try engine.commitSegments(tableID: tableID, segments: written)
        } catch {
            discardFiles()
            throw error
        }
    }

    /// Discards the load: deletes its segment files. Idempotent; a no-op after a successful commit.
    package func abort() {
        guard !finished else { return }
        finished = true
        buffers = [:]
        discardFiles()
    }

    deinit { if !finished { discardFiles() } }

    private func checkActive() throws(CairnError) {
        if finished { throw CairnError(.invalidInput, "this bulk load was already committed or aborted") }
    }

    /// Memory a load may buffer before writing segments: large, so that time-ordered input becomes
    /// one big segment per partition rather than many slivers (a few times the head's flush size).
    private var bulkBudget: Int { engine.options.flushBytes * 4 }
    private var bulkRows: Int { engine.options.flushRows * 4 }

    /// Writes the biggest partition buffers until half the budget is free. Input that arrives in
    /// time order fills one partition at a time, so whole partitions go out while late rows wait.
    private func writeLargestBuffers(_ threads: () -> Int) throws(CairnError) {
        for key in partitionBytes.sorted(by: { $0.value > $1.value }).map(\.key) {
            if bufferedBytes <= bulkBudget / 2 && bufferedRows <= bulkRows / 2 { break }
            try writeBuffer(key, threads: threads())
        }
    }

    private func writeBuffers() throws(CairnError) {
        for key in buffers.keys.sorted(by: PartitionKeyOrder.less) { try writeBuffer(key, threads: Processors.online) }
        bufferedRows = 0
        bufferedBytes = 0
    }

    /// Writes one partition's buffer as a segment, encoding with `threads` threads: as the feeder of
    /// ``add(_:encodingThreads:)`` decides while the load is fed (one by default, so the producer keeps a
    /// core); all of them in ``commit()``, which the caller waits for.
    private func writeBuffer(_ key: Int64?, threads: Int) throws(CairnError) {
        guard let parts = buffers[key] else { return }
        let columns = schema.columns.indices.map { i in
            ColumnVector.concatenate(parts.map { $0[i] }, physical: schema.columns[i].type.physical)
        }
        let segmentID = engine.state.withLock { $0.allocateSegmentID() }
        let segment = try engine.writeSegment(tableID: tableID, schema: schema, key: key, columns: columns,
                                              segmentID: segmentID, threads: threads)
        written.append((key, segment))
        buffers[key] = nil
        bufferedRows -= columns.first?.count ?? 0
        bufferedBytes -= partitionBytes.removeValue(forKey: key) ?? 0
    }

    private func discardFiles() {
        for (_, segment) in written { FileIO.removeIfPresent(engine.path + "/" + segment.file) }
        written = []
    }
}

extension Engine {
    /// Starts an atomic multi-batch load into `table`.
    /// - Throws: `.notFound`, `.readOnly`.
    package func beginBulkLoad(table: String) throws(CairnError) -> BulkLoad {
        try checkWritable()
        let entry = try state.withLock { (s) throws(CairnError) -> TableEntry in
            try s.checkOpen(path)
            guard let index = s.catalog.tableIndex(named: table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist")
            }
            return s.catalog.tables[index]
        }
        return BulkLoad(engine: self, table: entry)
    }

    /// Names a bulk load's segments in one manifest update.
    func commitSegments(tableID: UInt32, segments: [(key: Int64?, segment: SegmentEntry)]) throws(CairnError) {
        try maintenance.withLock { (_) throws(CairnError) in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            guard let index = catalog.tables.firstIndex(where: { $0.id == tableID }) else {
                throw CairnError(.notFound, "the table being loaded was dropped")
            }
            for (key, segment) in segments { catalog.tables[index].addSegment(segment, key: key) }
            try commitCatalog(catalog)
        }
    }
}
