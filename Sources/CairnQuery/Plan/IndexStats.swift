import CairnFormat
import CairnTables
import CairnVector

/// `SELECT * FROM cairn_index_stats`: the health of every vector index, because recall decays
/// silently as rows are added after training. Recall is estimated by searching for stored vectors
/// (a seeded sample) through the index at the current probes and comparing with exact search.
enum IndexStats {
    static let tableName = "cairn_index_stats"
    static let sampleQueries = 32
    static let k = 10

    static let columns: [(String, ColumnType)] = [
        ("index_name", .varchar), ("table_name", .varchar), ("column_name", .varchar), ("opclass", .varchar),
        ("lists", .bigint), ("probes", .bigint), ("rows_indexed", .bigint), ("rows_in_memory", .bigint),
        ("rows_added_since_training", .bigint), ("list_size_min", .bigint), ("list_size_median", .bigint),
        ("list_size_max", .bigint), ("estimated_recall_at_10", .double), ("quantization", .varchar),
    ]

    static func batch(_ snapshot: Snapshot, _ context: QueryContext) throws(CairnError) -> Batch {
        var rows: [[Value]] = []
        for table in snapshot.tables {
            for index in table.schema.indexes {
                guard let c = table.schema.columns.firstIndex(where: { $0.id == index.columnID }) else { continue }
                let sizes = try table.listSizes(index).sorted()
                let units = try table.scan(columns: [c], mayMatch: { _ in true }).units.map { unit throws(CairnError) in
                    (unit, try unit.read()[0])
                }
                // Vectors a search can return: not NULL, not deleted. Stored ones are found through
                // their segment's lists; the head's are searched exactly until a checkpoint writes them.
                var indexed = 0, inMemory = 0
                for (unit, column) in units {
                    let vectors = column.count - column.nullCount(in: 0..<column.count)
                    if unit.segmentPosition == nil { inMemory += vectors } else { indexed += vectors }
                }
                let probes = min(index.lists, context.ivfProbes ?? VectorSearch.IVFProbe.defaultProbes(lists: index.lists))
                let recall = try estimateRecall(table, units: units, index: index, probes: probes)
                rows.append([
                    .string(index.name), .string(table.schema.name), .string(table.schema.columns[c].name),
                    .string(index.metric.opclass), .int(Int64(index.lists)), .int(Int64(probes)), .int(Int64(indexed)),
                    .int(Int64(inMemory)), .int(Int64(max(0, indexed + inMemory - index.trainedRows))),
                    .int(Int64(sizes.first ?? 0)), .int(Int64(sizes.isEmpty ? 0 : sizes[sizes.count / 2])),
                    .int(Int64(sizes.last ?? 0)), recall.map { .double($0) } ?? .null, .string(index.quantization?.rawValue ?? "none"),
                ])
            }
        }
        let vectors = columns.enumerated().map { (i, c) in ColumnVector.from(rows.map { $0[i] }, type: c.1) }
        return Batch(columns: vectors, count: rows.count)
    }

    /// Mean overlap of the index's top 10 with the exact top 10, over stored vectors used as queries;
    /// nil when the table has no stored vectors.
    private static func estimateRecall(_ table: TableSnapshot, units: [(ScanUnit, ColumnVector)], index: VectorIndexDefinition,
                                       probes: Int) throws(CairnError) -> Double? {
        let centroids = try table.centroids(index)
        var rng = SplitMix(seed: 42)
        var queries: [[Float]] = []
        let stored = units.filter { if case .vectors(let a) = $0.1.storage { a.dimension == centroids.dimension } else { false } }
        guard !stored.isEmpty else { return nil }
        for _ in 0..<sampleQueries * 4 where queries.count < sampleQueries {
            let (_, column) = stored[Int(rng.next() % UInt64(stored.count))]
            guard case .vectors(let a) = column.storage, a.count > 0 else { continue }
            let row = Int(rng.next() % UInt64(a.count))
            if !column.isNull(row) { queries.append(a.row(row)) }
        }
        guard !queries.isEmpty else { return nil }
        var overlap = 0
        for q in queries {
            let probed = centroids.probe(q, probes: probes)
            var exact: [(Float, Int, Int)] = [], approximate: [(Float, Int, Int)] = []
            for (u, (unit, column)) in units.enumerated() {
                guard case .vectors(let a) = column.storage, a.dimension == q.count else { continue }
                let scores = VectorKernels.scores(a, query: q, metric: index.metric)
                for i in TopK.smallest(scores, keep: k, validity: column.validity) { exact.append((scores[i], u, i)) }
                let listed = try table.indexedRows(unit, index: index, centroids: centroids, probed: probed)
                let candidates = listed?.live ?? Array(0..<a.count)
                for i in TopK.smallest(candidates.map { scores[$0] }, keep: k, validity: column.validity, rows: candidates) {
                    approximate.append((scores[i], u, i))
                }
            }
            func top(_ list: [(Float, Int, Int)]) -> Set<[Int]> {
                Set(list.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }.prefix(k).map { [$0.1, $0.2] })
            }
            overlap += top(exact).intersection(top(approximate)).count
        }
        return Double(overlap) / Double(queries.count * k)
    }
}
