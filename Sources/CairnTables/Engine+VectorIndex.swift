import CairnFormat
import CairnLog
import CairnVector

extension Engine {
    /// Builds an IVF-flat index: trains `options.lists` centroids with k-means on (a sample of) the
    /// column's vectors, writes every segment's list file, and records the index in the manifest.
    /// Rows still in the head need no list: searches read them exactly. Segments written later get
    /// their list file when they are written.
    /// - Throws: `.alreadyExists`, `.notFound`, `.type` (not a VECTOR column), `.invalidInput` (too few
    ///   rows to train), `.io`.
    package func createVectorIndex(table: String, name: String, column: String, metric: VectorMetric,
                                   options: VectorIndexOptions, replacing: String? = nil,
                                   progress: (@Sendable (Double) -> Void)? = nil) throws(CairnError) {
        try checkWritable()
        guard options.lists >= 1, options.lists <= 1 << 20 else {
            throw CairnError(.invalidInput, "lists must be between 1 and \(1 << 20), not \(options.lists)")
        }
        try maintenance.withLock { (_) throws(CairnError) in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            guard let t = catalog.tableIndex(named: table) else { throw CairnError(.notFound, "table \"\(table)\" does not exist") }
            if replacing == nil, catalog.tables.contains(where: { $0.schema.indexes.contains { $0.name.lowercased() == name.lowercased() } }) {
                throw CairnError(.alreadyExists, "index \"\(name)\" already exists")
            }
            let entry = catalog.tables[t]
            guard let c = entry.schema.columnIndex(named: column) else {
                throw CairnError(.notFound, "column \"\(column)\" of table \"\(entry.schema.name)\" does not exist")
            }
            let col = entry.schema.columns[c]
            guard col.type == .vector, let dimension = col.dimension else {
                throw CairnError(.type, "ivfflat indexes need a VECTOR column; \"\(col.name)\" is \(col.typeName)")
            }
            guard let snapshot = self.snapshot().table(entry.schema.name) else { return }

            let (sample, rows) = try trainingSample(snapshot, column: c, dimension: dimension, limit: options.trainingRows, seed: options.seed)
            guard rows >= options.lists else {
                throw CairnError(.invalidInput, "an ivfflat index with \(options.lists) lists needs at least \(options.lists) "
                                 + "non-NULL vectors to train, but \"\(entry.schema.name)\" has \(rows); load data first or use fewer lists")
            }
            var training = sample
            if metric != .l2 { KMeans.normalizeRows(&training, dimension: dimension) }
            let trained = KMeans.train(training, dimension: dimension, k: options.lists, metric: metric,
                                       iterations: options.iterations, seed: options.seed) { progress?(0.6 * $0) }
            let centroids = IVFCentroids(metric: metric, lists: options.lists, dimension: dimension, vectors: trained)

            let generation = state.withLock { $0.allocateSegmentID() }
            try writeFileAtomically(path + "/" + VectorIndexDefinition.centroidFile(tableID: entry.id, generation: generation),
                                    centroids.serialized())
            let definition = VectorIndexDefinition(name: name, columnID: col.id, metric: metric, lists: options.lists,
                                                   generation: generation, trainedRows: rows, quantization: options.quantization,
                                                   iterations: options.iterations == VectorIndexOptions.defaultIterations ? nil : options.iterations,
                                                   trainingRows: options.maxTrainingRows)
            var schema = entry.schema
            if let replacing, let k = schema.indexes.firstIndex(where: { $0.name.lowercased() == replacing.lowercased() }) {
                schema.indexes.remove(at: k)
            }
            schema.indexes.append(definition)

            // Every stored segment is rewritten with its rows grouped by list (new files, new list files).
            // A partition's segments are merged while they fit one segment (Engine.segmentRowLimit), as
            // a compaction would merge them: a list is then one run of rows per segment, and a probe
            // reads runs of rows/lists rows instead of a fraction of that (streaming reads ramp up
            // at the start of each run).
            let limit = Self.segmentRowLimit(schema)
            let groups = entry.partitions.map { Self.rewriteGroups($0.segments, limit: limit) }
            let total = groups.reduce(0) { $0 + $1.count }
            var written: [SegmentEntry] = []
            var replacement: [String: [SegmentEntry]] = [:]   // a group's first file → its new segment; the others → none
            do throws(CairnError) {
                for (partition, partitionGroups) in zip(entry.partitions, groups) {
                    for group in partitionGroups {
                        // Deleted rows are purged here: the new segment has no deletion file.
                        let columns = try liveColumns(group, schema: schema).columns
                        guard columns.first?.count ?? 0 > 0 else {  // every row deleted: the group just goes
                            for old in group { replacement[old.file] = [] }
                            continue
                        }
                        let id = state.withLock { $0.allocateSegmentID() }
                        let segment = try writeSegment(tableID: entry.id, schema: schema, key: partition.key, columns: consume columns, segmentID: id)
                        written.append(segment)
                        for (i, old) in group.enumerated() { replacement[old.file] = i == 0 ? [segment] : [] }
                        progress?(0.6 + 0.4 * Double(written.count) / Double(max(1, total)))
                    }
                }
                var updated = entry
                updated.schema = schema
                for p in updated.partitions.indices {
                    updated.partitions[p].segments = updated.partitions[p].segments.flatMap { replacement[$0.file] ?? [$0] }
                }
                updated.partitions.removeAll { $0.segments.isEmpty }
                catalog.tables[t] = updated
                try commitCatalog(catalog)
            } catch {
                removeUnnamedSegments(written, schema: schema)
                FileIO.removeIfPresent(path + "/" + VectorIndexDefinition.centroidFile(tableID: entry.id, generation: generation))
                throw error
            }
            progress?(1)
        }
    }

    /// Drops an index by name (in any table). Returns false if there is none and `ifExists`.
    package func dropVectorIndex(_ name: String, ifExists: Bool) throws(CairnError) -> Bool {
        try checkWritable()
        return try maintenance.withLock { (_) throws(CairnError) -> Bool in
            var catalog = try state.withLock { (s) throws(CairnError) -> Catalog in
                try s.checkOpen(path)
                return s.catalog
            }
            for t in catalog.tables.indices {
                if let k = catalog.tables[t].schema.indexes.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) {
                    catalog.tables[t].schema.indexes.remove(at: k)
                    try commitCatalog(catalog)
                    return true
                }
            }
            if ifExists { return false }
            throw CairnError(.notFound, "index \"\(name)\" does not exist")
        }
    }

    /// Retrains an index with the settings it was built with (`REINDEX`); the old files go once the new ones are committed.
    package func reindex(_ name: String, progress: (@Sendable (Double) -> Void)? = nil) throws(CairnError) {
        let found = state.withLock { s in
            s.catalog.tables.lazy.compactMap { t in
                t.schema.indexes.first { $0.name.lowercased() == name.lowercased() }.map { (t.schema, $0) }
            }.first
        }
        guard let (schema, index) = found, let column = schema.columns.first(where: { $0.id == index.columnID }) else {
            throw CairnError(.notFound, "index \"\(name)\" does not exist")
        }
        var options = VectorIndexOptions(lists: index.lists)
        options.quantization = index.quantization
        options.iterations = index.iterations ?? VectorIndexOptions.defaultIterations
        options.maxTrainingRows = index.trainingRows
        try createVectorIndex(table: schema.name, name: index.name, column: column.name, metric: index.metric,
                              options: options, replacing: index.name, progress: progress)
    }

    /// The list of every row of a new segment, per index generation.
    func indexAssignments(tableID: UInt32, schema: TableSchema, columns: [ColumnVector]) throws(CairnError) -> [UInt64: [Int32]] {
        var out: [UInt64: [Int32]] = [:]
        for index in schema.indexes {
            guard let c = schema.columns.firstIndex(where: { $0.id == index.columnID }),
                  case .vectors(let vectors) = columns[c].storage else { continue }
            let centroids = try vectorIndexes.centroids(directory: path, tableID: tableID, index: index)
            out[index.generation] = VectorIndexCache.assignment(vectors, centroids: centroids)
        }
        return out
    }

    /// Up to `limit` non-NULL vectors of column `c` drawn evenly at random (seeded), and how many there are.
    /// Rows are copied from where they lie (a segment block's bytes as read): decoding every block,
    /// only to copy half its rows out, would cost the build a second copy of the table.
    private func trainingSample(_ t: TableSnapshot, column c: Int, dimension: Int, limit: Int, seed: UInt64) throws(CairnError) -> ([Float], Int) {
        let plan = try t.scan(columns: [c], mayMatch: { _ in true })
        var rng = SplitMix(seed: seed)
        var sample: [Float] = []
        sample.reserveCapacity(min(limit, plan.units.reduce(0) { $0 + $1.rowCount }) * dimension)
        var seen = 0
        for unit in plan.units {
            let live = unit.liveRows
            try unit.withVectorRows(0) { (rows) throws(CairnError) in
                guard rows.dimension == dimension else { return }
                func offer(_ i: Int) {
                    guard !rows.isNull(i) else { return }
                    seen += 1
                    if seen <= limit {
                        rows.withRow(i) { sample.append(contentsOf: $0) }
                        return
                    }
                    // Reservoir sampling keeps every row equally likely whatever the table size.
                    let j = Int(rng.next() % UInt64(seen))
                    guard j < limit else { return }
                    rows.withRow(i) { row in
                        sample.withUnsafeMutableBufferPointer { s in
                            if let base = s.baseAddress, let r = row.baseAddress { (base + j * dimension).update(from: r, count: dimension) }
                        }
                    }
                }
                if let live { for i in live { offer(i) } } else { for i in 0..<rows.count { offer(i) } }
            }
        }
        return (sample, seen)
    }
}
