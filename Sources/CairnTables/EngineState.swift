import CairnFormat
import CairnLog

/// Everything an ``Engine`` mutates, guarded by its state mutex.
struct EngineState {
    /// The current catalog: the last durable manifest's plus the DELETEs logged since (§6.7), whose
    /// deletion files are in `loggedDeletions` until a manifest names them. Changed only while holding
    /// the engine's maintenance lock.
    var catalog: Catalog
    /// The catalog of the manifest on disk: what the next open starts from, and whose files stay until
    /// a manifest without them is durable.
    var published: Catalog
    /// The bytes of deletion files that so far exist only in delete records of the log (§5.3), by path
    /// relative to the database: written when the next manifest is (``Engine/commitCatalog(_:install:)``).
    var loggedDeletions: [String: [UInt8]] = [:]
    /// A fold of the logged deletes is queued and has not started (``Engine/scheduleFold()``).
    var foldScheduled = false
    /// Head rows by table id and partition key.
    var heads: [UInt32: [Int64?: PartitionHead]] = [:]
    /// Head rows and bytes not yet claimed by a checkpoint, for the automatic flush thresholds.
    var pendingRows = 0
    var pendingBytes = 0
    /// Next segment id to hand out; ahead of `catalog.nextSegmentID` while segments are being written.
    var nextSegmentID: UInt64
    /// Sequence of the log file a read-write open starts: after every file replayed.
    var nextWALSequence: UInt64 = 1
    /// nil when read-only or closed.
    var wal: WALWriter?
    var lock: DirectoryLock?
    var closed = false

    init(catalog: Catalog) {
        self.catalog = catalog
        published = catalog
        nextSegmentID = catalog.nextSegmentID
    }

    mutating func allocateSegmentID() -> UInt64 {
        defer { nextSegmentID += 1 }
        return nextSegmentID
    }

    /// Adds rows (one vector per schema column, in schema order) to the head of `table`.
    mutating func applyInsert(table: TableEntry, columns: [ColumnVector], rowCount: Int) {
        let ids = table.schema.columns.map(\.id)
        if let partitioner = Partitioner(schema: table.schema) {
            for (key, rows) in partitioner.split(columns[partitioner.columnIndex]) {
                let part = rows.map { r in columns.map { $0.gather(r) } } ?? columns
                heads[table.id, default: [:]][key, default: PartitionHead()]
                    .append(columnIDs: ids, columns: part, rowCount: rows?.count ?? rowCount)
            }
        } else {
            heads[table.id, default: [:]][nil, default: PartitionHead()].append(columnIDs: ids, columns: columns, rowCount: rowCount)
        }
        pendingRows += rowCount
        pendingBytes += columns.reduce(0) { $0 + $1.approximateBytes }
    }

    /// Drops the head rows of a table (after DROP TABLE).
    mutating func removeHead(tableID: UInt32) {
        guard let parts = heads.removeValue(forKey: tableID) else { return }
        for part in parts.values {
            pendingRows -= part.pendingRows
            pendingBytes -= part.pendingBytes
        }
    }

    func snapshot(directory: String, readers: SegmentReaderCache, indexes: VectorIndexCache, deletions: DeletionCache,
                  lease: SnapshotLease) -> Snapshot {
        Snapshot(tables: catalog.tables.map { entry in
            TableSnapshot(entry: entry, head: heads[entry.id] ?? [:], directory: directory, readers: readers, indexes: indexes,
                          deletions: deletions, lease: lease)
        })
    }
}

/// Lines a log record's columns (tagged by id) up with the current schema: columns added after the
/// record was written become NULL. Returns nil if a column's physical type disagrees with the schema.
func alignColumns(ids: [UInt32], columns: [ColumnVector], rowCount: Int, schema: TableSchema) -> [ColumnVector]? {
    var out: [ColumnVector] = []
    out.reserveCapacity(schema.columns.count)
    for column in schema.columns {
        if let i = ids.firstIndex(of: column.id) {
            guard columns[i].physical == column.type.physical, columns[i].count == rowCount else { return nil }
            out.append(columns[i])
        } else {
            out.append(.nulls(column.type.physical, count: rowCount))
        }
    }
    return out
}
