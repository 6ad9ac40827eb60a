import CairnFormat

/// An immutable view of the database at one moment: table schemas, their segments and their head rows.
///
/// Taking a snapshot copies references only. A reader keeps using its snapshot while writers append,
/// flush or alter tables; it never sees later commits.
package struct Snapshot: Sendable {
    /// All tables, sorted by name case-insensitively.
    package let tables: [TableSnapshot]
    private let byName: [String: Int]

    init(tables: [TableSnapshot]) {
        self.tables = tables.sorted { $0.schema.name.lowercased() < $1.schema.name.lowercased() }
        var byName: [String: Int] = [:]
        for (i, table) in self.tables.enumerated() { byName[table.schema.name.lowercased()] = i }
        self.byName = byName
    }

    /// Names of all tables, sorted case-insensitively.
    package var tableNames: [String] { tables.map(\.schema.name) }

    /// The table called `name` (case-insensitive).
    package func table(_ name: String) -> TableSnapshot? {
        byName[name.lowercased()].map { tables[$0] }
    }
}

/// One table within a ``Snapshot``.
package struct TableSnapshot: Sendable {
    package var schema: TableSchema
    let tableID: UInt32
    let directory: String
    let partitions: [PartitionEntry]
    let head: [Int64?: PartitionHead]
    let readers: SegmentReaderCache
    let indexes: VectorIndexCache
    let deletions: DeletionCache
    /// Keeps this snapshot's files from being reclaimed while any copy of it is alive.
    let lease: SnapshotLease

    init(entry: TableEntry, head: [Int64?: PartitionHead], directory: String, readers: SegmentReaderCache,
         indexes: VectorIndexCache, deletions: DeletionCache, lease: SnapshotLease) {
        schema = entry.schema
        tableID = entry.id
        partitions = entry.partitions
        self.head = head
        self.directory = directory
        self.readers = readers
        self.indexes = indexes
        self.deletions = deletions
        self.lease = lease
    }

    /// Number of rows in the table that are not deleted, from the manifest and the head, without reading data.
    /// Rows hidden by retention are counted until they are purged.
    package var rowCount: Int {
        partitions.reduce(0) { $0 + $1.segments.reduce(0) { $0 + $1.liveRowCount } }
            + head.values.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.rowCount } }
    }
}
