import CairnFormat
import CairnLog

extension Engine {
    /// Creates a table. Column ids are assigned here (0, 1, … in declaration order); ids in `schema` are ignored.
    /// - Returns: false if a table of that name existed and `ifNotExists` is true.
    /// - Throws: `.alreadyExists`, `.invalidInput`, `.type`, `.binder` (bad partition column), `.readOnly`, `.io`.
    package func createTable(_ schema: TableSchema, ifNotExists: Bool) throws(CairnError) -> Bool {
        try checkWritable()
        var schema = schema
        for i in schema.columns.indices { schema.columns[i].id = UInt32(i) }
        try schema.validate()
        return try maintenance.withLock { (_) throws(CairnError) -> Bool in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            if catalog.tableIndex(named: schema.name) != nil {
                if ifNotExists { return false }
                throw CairnError(.alreadyExists, "table \"\(schema.name)\" already exists")
            }
            catalog.tables.append(TableEntry(id: catalog.nextTableID, schema: schema,
                                             nextColumnID: UInt32(schema.columns.count), partitions: []))
            catalog.nextTableID += 1
            try commitCatalog(catalog)
            return true
        }
    }

    /// Drops a table. Its files are deleted once the manifest without it is durable and no snapshot that
    /// still names them is alive (see ``FileReclaimer``).
    /// - Returns: false if there was no such table and `ifExists` is true.
    package func dropTable(_ name: String, ifExists: Bool) throws(CairnError) -> Bool {
        try checkWritable()
        return try maintenance.withLock { (_) throws(CairnError) -> Bool in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            guard let index = catalog.tableIndex(named: name) else {
                if ifExists { return false }
                throw CairnError(.notFound, "table \"\(name)\" does not exist")
            }
            let id = catalog.tables.remove(at: index).id
            // Snapshots taken before the drop may still read the retired files; the empty directories go at the next open.
            try commitCatalog(catalog) { $0.removeHead(tableID: id) }
            return true
        }
    }

    /// Adds a column at the end of a table. Existing segments and head rows read it as NULL, so a
    /// NOT NULL column can only be added to an empty table.
    package func addColumn(table: String, name: String, type: ColumnType, dimension: Int? = nil, notNull: Bool,
                           ifNotExists: Bool) throws(CairnError) {
        try checkWritable()
        guard type != .interval else { throw CairnError(.type, "column \"\(name)\" cannot be stored with type INTERVAL") }
        try maintenance.withLock { (_) throws(CairnError) in
            let (current, headRows) = try state.withLock { (s) throws(CairnError) -> (Catalog, Int) in
                try s.checkOpen(path)
                guard let index = s.catalog.tableIndex(named: table) else { return (s.catalog, 0) }
                let id = s.catalog.tables[index].id
                return (s.catalog, s.heads[id]?.values.reduce(0) { $0 + $1.chunks.reduce(0) { $0 + $1.rowCount } } ?? 0)
            }
            var catalog = current
            guard let index = catalog.tableIndex(named: table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist")
            }
            var entry = catalog.tables[index]
            if entry.schema.columnIndex(named: name) != nil {
                if ifNotExists { return }
                throw CairnError(.alreadyExists, "column \"\(name)\" of table \"\(entry.schema.name)\" already exists")
            }
            if notNull && headRows + entry.storedRowCount > 0 {
                throw CairnError(.constraint, "cannot add NOT NULL column \"\(name)\" to table \"\(entry.schema.name)\" "
                                 + "because it has rows")
            }
            entry.schema.columns.append(ColumnSchema(id: entry.nextColumnID, name: name, type: type, notNull: notNull,
                                                     dimension: dimension))
            entry.nextColumnID += 1
            try entry.schema.validate()
            catalog.tables[index] = entry
            try commitCatalog(catalog)
        }
    }

    /// Sets (or with nil removes) a table's retention policy. Takes effect for queries at once; the
    /// next compaction or `VACUUM` purges what it expires.
    package func setRetention(table: String, _ policy: RetentionPolicy?) throws(CairnError) {
        try checkWritable()
        try maintenance.withLock { (_) throws(CairnError) in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            guard let index = catalog.tableIndex(named: table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist")
            }
            catalog.tables[index].schema.retention = policy
            try catalog.tables[index].schema.validate()
            try commitCatalog(catalog)
        }
    }
}
