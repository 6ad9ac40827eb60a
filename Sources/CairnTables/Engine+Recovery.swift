import CairnFormat
import CairnLog
import CairnVector

extension Engine {
    /// Replays the log files at or after `catalog.walStart`: inserts into the head, deletes into the
    /// catalog (their vectors into `deletions`, their files into `loggedDeletions`). Returns the highest
    /// sequence seen (or `walStart - 1`). Records of dropped tables are skipped; see ``WALReader`` for
    /// the torn-tail and corruption rules.
    static func replayLog(into state: inout EngineState, database: String, deletions: DeletionCache,
                          repair: Bool) throws(CairnError) -> UInt64 {
        var last = state.catalog.walStart - 1
        for sequence in try WALReader.sequences(in: database + "/wal") where sequence >= state.catalog.walStart {
            last = sequence
            try replayLogFile(sequence, into: &state, database: database, deletions: deletions, repair: repair)
        }
        return last
    }

    /// Replays one log file (see ``replayLog(into:database:deletions:repair:)``).
    static func replayLogFile(_ sequence: UInt64, into state: inout EngineState, database: String, deletions: DeletionCache,
                              repair: Bool) throws(CairnError) {
        let directory = database + "/wal"
        let file = directory + "/" + WALFormat.fileName(sequence: sequence)
        // Replayed deletes change partitions, never a table's id or schema, which is all an insert needs.
        let tables = Dictionary(state.catalog.tables.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        try WALReader.replay(directory: directory, sequence: sequence, repair: repair) { (record) throws(CairnError) in
            switch record {
            case .insert(let tableID, let ids, let columns, let rowCount):
                guard let table = tables[tableID], rowCount > 0 else { return }
                guard let aligned = alignColumns(ids: ids, columns: columns, rowCount: rowCount, schema: table.schema) else {
                    throw CairnError.corrupt(file, "write-ahead log insert into table \"\(table.schema.name)\" "
                                             + "does not match the table's column types")
                }
                state.applyInsert(table: table, columns: aligned, rowCount: rowCount)
            case .delete(let tableID, let bytes):
                try replayDelete(tableID: tableID, deletionFile: bytes, into: &state, database: database,
                                 deletions: deletions, logFile: file)
            }
        }
    }

    /// Applies a logged DELETE's deletion file to the segments of the catalog that are older than it: a
    /// segment that compaction has replaced since is gone, and one a later manifest gave a newer
    /// generation already has these rows, so replaying a record twice changes nothing (§6.7).
    private static func replayDelete(tableID: UInt32, deletionFile bytes: [UInt8], into state: inout EngineState,
                                     database: String, deletions: DeletionCache, logFile: String) throws(CairnError) {
        guard let t = state.catalog.tables.firstIndex(where: { $0.id == tableID }) else { return }
        let (generation, entries) = try DeletionFile.logged(bytes, path: logFile)
        var table = state.catalog.tables[t]
        var applied: [(segmentFile: String, vector: DeletionVector)] = []
        for p in table.partitions.indices {
            var kept: [SegmentEntry] = []
            for var segment in table.partitions[p].segments {
                guard let entry = entries[segment.file], (segment.deletes?.generation ?? 0) < generation else {
                    kept.append(segment)
                    continue
                }
                guard entry.rows == segment.summary.rowCount else {
                    throw CairnError.corrupt(logFile, "write-ahead log delete names \(entry.rows) rows of segment "
                                             + "\(segment.file), which has \(segment.summary.rowCount)")
                }
                if entry.deleted == entry.rows { continue }
                applied.append((segment.file, try DeletionFile.vector(entry, name: segment.file, path: logFile)))
                segment.deletes = SegmentDeletes(generation: generation, count: entry.deleted)
                kept.append(segment)
            }
            table.partitions[p].segments = kept
        }
        table.partitions.removeAll { $0.segments.isEmpty }
        state.catalog.tables[t] = table
        state.nextSegmentID = max(state.nextSegmentID, generation + 1)
        guard let first = applied.first else { return }
        let file = SegmentDeletes.file(segmentFile: first.segmentFile, generation: generation)
        deletions.remember(path: database + "/" + file, vectors: applied)
        state.loggedDeletions[file] = bytes
    }

    /// Deletes what the manifest does not name: `MANIFEST.tmp`, log files before `walStart`, and
    /// table directories, partition directories, segment, list and deletion files (including `.tmp`
    /// files of interrupted writes) left behind by crashed flushes, bulk loads, compactions, deletes and drops.
    /// Requires: the directory lock is held and nothing has been written since the manifest was read.
    static func removeOrphans(directory: String, catalog: Catalog) throws(CairnError) {
        FileIO.removeIfPresent(directory + "/" + ManifestFile.temporaryFileName)
        let wal = directory + "/wal"
        for name in try DirectoryIO.entries(wal) {
            if let sequence = WALFormat.sequence(fileName: name), sequence >= catalog.walStart { continue }
            try DirectoryIO.removeTree(wal + "/" + name)
        }

        let tables = directory + "/tables"
        let referenced = Set(catalog.files)
        let tableIDs = Set(catalog.tables.map { String($0.id) })
        for tableName in try DirectoryIO.entries(tables) {
            let tablePath = tables + "/" + tableName
            guard tableIDs.contains(tableName) else {
                try DirectoryIO.removeTree(tablePath)
                continue
            }
            for partitionName in try DirectoryIO.entries(tablePath) {
                let partitionPath = tablePath + "/" + partitionName
                var kept = 0
                for fileName in try DirectoryIO.entries(partitionPath) {
                    if referenced.contains("tables/\(tableName)/\(partitionName)/\(fileName)") {
                        kept += 1
                    } else {
                        try DirectoryIO.removeTree(partitionPath + "/" + fileName)
                    }
                }
                if kept == 0 { try DirectoryIO.removeTree(partitionPath) }
            }
        }
    }

    /// Relative path of a new segment file.
    static func segmentFile(tableID: UInt32, schema: TableSchema, key: Int64?, segmentID: UInt64) -> String {
        let hex = String(segmentID, radix: 16)
        let name = String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".seg"
        return "tables/\(tableID)/\(Partitioner.directoryName(key: key, granularity: schema.partition?.granularity))/\(name)"
    }

    /// Writes one segment of `columns` (in schema order: a flush, a bulk load, a compaction or an index
    /// build), its rows grouped by the first index's lists or else sorted by the table's sort key; rows
    /// are reordered in place when the caller hands over the only reference to them. Returns the
    /// manifest entry; the file is not referenced until the caller commits a manifest naming it.
    ///
    /// Blocks are encoded on `threads` threads: every core for writes a caller waits for, one for
    /// background compaction, which must not take the cores from queries.
    func writeSegment(tableID: UInt32, schema: TableSchema, key: Int64?, columns: consuming [ColumnVector],
                      segmentID: UInt64, threads: Int = Processors.online) throws(CairnError) -> SegmentEntry {
        // A vector column whose rows are all NULL may not know its dimension yet; store it with the schema's (§3.3).
        for (i, column) in schema.columns.enumerated() {
            if let d = column.dimension, case .vectors(let v) = columns[i].storage, v.dimension != d {
                columns[i].storage = .vectors(.zeros(dimension: d, count: v.count))
            }
        }
        var assignments = try indexAssignments(tableID: tableID, schema: schema, columns: columns)
        if let first = schema.indexes.first, let lists = assignments[first.generation] {
            // A table with a vector index keeps each segment's rows grouped by the first index's lists,
            // so a probe reads contiguous rows and skips the blocks that hold none of its lists (§7.2).
            let order = lists.indices.sorted { lists[$0] != lists[$1] ? lists[$0] < lists[$1] : $0 < $1 }
            for c in columns.indices { columns[c].reorder(order) }
            for (generation, a) in assignments { assignments[generation] = order.map { a[$0] } }
        } else if let order = Self.sortOrder(columns, schema: schema) {
            for c in columns.indices { columns[c].reorder(order) }
        }
        let file = Self.segmentFile(tableID: tableID, schema: schema, key: key, segmentID: segmentID)
        let fullPath = path + "/" + file
        if let slash = fullPath.lastIndex(of: "/") { try DirectoryIO.createAll(String(fullPath[..<slash])) }
        let segmentColumns = zip(schema.columns, columns).map { SegmentColumn(id: $0.id, type: $0.type, data: $1) }
        let summary = try SegmentWriter.write(to: fullPath, columns: segmentColumns, rowsPerBlock: Self.rowsPerBlock(schema, options),
                                               threads: threads)
        let segment = SegmentEntry(file: file, summary: summary)
        do throws(CairnError) {
            for index in schema.indexes {
                guard let assignment = assignments[index.generation] else { continue }
                var codes: SQ8Codes?
                if index.quantization == .sq8, let c = schema.columns.firstIndex(where: { $0.id == index.columnID }),
                   case .vectors(let vectors) = columns[c].storage {
                    codes = SQ8Codes(vectors, validity: columns[c].validity)
                }
                try writeFileAtomically(path + "/" + VectorIndexDefinition.listFile(segmentFile: file, generation: index.generation),
                                        IVFLists(assignment: assignment, lists: index.lists, codes: codes).serialized(generation: index.generation))
            }
        } catch {
            removeUnnamedSegments([segment], schema: schema)  // no manifest names them yet
            throw error
        }
        return segment
    }

    /// Blocks of tables with vectors hold about 8 MiB of floats, so scans of them spread over both cores
    /// and a cached block stays small; other tables use the configured row count.
    static func rowsPerBlock(_ schema: TableSchema, _ options: EngineOptions) -> Int {
        guard schema.vectorFloatsPerRow > 0 else { return options.rowsPerBlock }
        return min(options.rowsPerBlock, max(256, (8 << 20) / (schema.vectorFloatsPerRow * 4)))
    }

    /// Atomically replaces the manifest with `catalog` and installs it, applying `install` to the
    /// in-memory state in the same critical section.
    ///
    /// Deletion files of logged DELETEs that `catalog` names are written on another thread while the
    /// manifest is encoded and fsynced, and the manifest replaces the old one only once they are durable
    /// too (§6.3); the others were superseded and are never written. Files the previous manifest named and
    /// `catalog` does not, and the superseded ones, go to the reclaimer once the new one is durable (§6.7).
    /// Requires: caller holds `maintenance`, and `catalog` derives from the installed catalog.
    func commitCatalog(_ catalog: Catalog, install: (inout EngineState) -> Void = { _ in }) throws(CairnError) {
        var catalog = catalog
        catalog.formatVersion = Catalog.currentFormatVersion
        let (nextSegmentID, logged, published) = try state.withLock { (s) throws(CairnError) in
            // `close` sets `closed` under the maintenance lock, so no manifest is written after it released the directory.
            try s.checkOpen(path)
            return (s.nextSegmentID, s.loggedDeletions, s.published)
        }
        catalog.nextSegmentID = max(catalog.nextSegmentID, nextSegmentID)
        let named = Set(catalog.files)
        let pending = logged.filter { named.contains($0.key) }.map { (path + "/" + $0.key, $0.value) }
        let written = pending.isEmpty ? nil : BackgroundWork { () throws(CairnError) in
            for (file, bytes) in pending { try writeFileAtomically(file, bytes) }
        }
        do throws(CairnError) {
            try ManifestFile.stage(payload: try manifestEncoder.encode(catalog, directory: path), directory: path)
            try written?.wait()
            try ManifestFile.publish(directory: path)
        } catch {
            // Nothing may be written after this returns; the staged manifest names files that may be missing.
            _ = try? written?.wait()
            FileIO.removeIfPresent(path + "/" + ManifestFile.temporaryFileName)
            throw error
        }
        state.withLock { s in
            s.catalog = catalog
            s.published = catalog
            s.loggedDeletions = [:]
            install(&s)
        }
        // Superseded logged deletion files were never written, but a running compaction may still look
        // their vectors up in the deletion cache: they leave it like retired files, once no snapshot needs them.
        let superseded = logged.keys.filter { !named.contains($0) }
        reclaimer.retire((published.files.filter { !named.contains($0) } + superseded).map { path + "/" + $0 })
    }
}
