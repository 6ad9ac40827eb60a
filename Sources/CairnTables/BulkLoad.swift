import CairnFormat
import CairnLog

/// An atomic multi-batch load into one table (the `COPY` path): nothing is visible until
/// ``commit()``, and then everything is, across all partitions, through one manifest update.
///
/// Rows are buffered per partition and written straight to segment files (sorted like flushes)
/// whenever the buffers pass the engine's flush thresholds, bypassing the log. The files are not
/// named by any manifest until the commit, so a crash or ``abort()`` leaves only orphans that the
/// next read-write open deletes. A load that never reaches the thresholds commits as a single
/// log record instead, like one large append.
///
/// Not thread-safe: use one load from one task at a time.
package final class BulkLoad {
    private let engine: Engine
    private let tableID: UInt32
    private let schema: TableSchema
    private let partitioner: Partitioner?
    private var buffers: [Int64?: [ColumnVector]] = [:]
    private var bufferedRows = 0
    private var bufferedBytes = 0
    private var written: [(key: Int64?, segment: SegmentEntry)] = []
    private var finished = false

    init(engine: Engine, table: TableEntry) {
        self.engine = engine
        tableID = table.id
        schema = table.schema
        partitioner = Partitioner(schema: table.schema)
    }

    /// Adds a batch (one vector per column, in schema order).
    /// - Throws: like ``Engine/append(table:columns:)``; after an error the load can still be aborted.
    package func add(_ columns: [ColumnVector]) throws(CairnError) {
        try checkActive()
        let rowCount = try BatchValidator.validate(columns, schema: schema)
        guard rowCount > 0 else { return }
        let groups = partitioner.map { $0.split(columns[$0.columnIndex]) } ?? [(nil, nil)]
        for (key, rows) in groups {
            let part = rows.map { r in columns.map { $0.gather(r) } } ?? columns
            if var buffer = buffers.removeValue(forKey: key) {
                for i in buffer.indices { buffer[i].append(part[i], range: 0..<part[i].count) }
                buffers[key] = buffer
            } else {
                buffers[key] = part
            }
        }
        bufferedRows += rowCount
        bufferedBytes += columns.reduce(0) { $0 + $1.approximateBytes }
        if bufferedRows >= engine.options.flushRows || bufferedBytes >= engine.options.flushBytes {
            try writeBuffers()
        }
    }

    /// Makes every added row visible at once, durably.
    /// - Throws: `.notFound` if the table was dropped meanwhile; `.io`. On error nothing becomes visible.
    package func commit() throws(CairnError) {
        try checkActive()
        finished = true
        do throws(CairnError) {
            if written.isEmpty {
                guard bufferedRows > 0 else { return }
                let columns = schema.columns.indices.map { i in
                    ColumnVector.concatenate(buffers.values.map { $0[i] }, physical: schema.columns[i].type.physical)
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

    private func writeBuffers() throws(CairnError) {
        for key in buffers.keys.sorted(by: PartitionKeyOrder.less) {
            guard let columns = buffers[key] else { continue }
            let segmentID = engine.state.withLock { $0.allocateSegmentID() }
            let segment = try engine.writeSegment(tableID: tableID, schema: schema, key: key, columns: columns, segmentID: segmentID)
            written.append((key, segment))
            buffers[key] = nil
        }
        bufferedRows = 0
        bufferedBytes = 0
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
