import CairnFormat
import CairnLog
import CairnVector
import Synchronization

/// An IVF-flat index on a VECTOR column, as the manifest records it. The centroids live in
/// `tables/<table id>/ivf/<generation>.centroids` (§7.1) and each segment's list assignment in
/// `<segment file>.<generation>.ivl` next to the segment (§7.2). `generation` is unique in the database
/// (drawn from the segment-id counter), so files of a dropped or retrained index are never mistaken
/// for the current ones.
package struct VectorIndexDefinition: Sendable, Codable, Hashable {
    package var name: String
    package var columnID: UInt32
    package var metric: VectorMetric
    package var lists: Int
    package var generation: UInt64
    /// Rows the index covered when it was trained (rows added later are assigned, not trained on).
    package var trainedRows: Int
    /// `.sq8`: every list file also holds an 8-bit copy of its segment's vectors (§7.2), which
    /// searches read instead of the floats of rows that cannot make the top k. Absent in manifests of
    /// indexes without it.
    package var quantization: VectorQuantization?
    /// k-means iterations and training rows given in `WITH (…)`, which `REINDEX` trains with again;
    /// absent when the defaults were used.
    package var iterations: Int?
    package var trainingRows: Int?

    package static func centroidFile(tableID: UInt32, generation: UInt64) -> String {
        "tables/\(tableID)/\(ivfDirectory)/\(generation).centroids"
    }

    package static func listFile(segmentFile: String, generation: UInt64) -> String { "\(segmentFile).\(generation).ivl" }

    /// The directory of centroid files inside a table directory; never a partition name.
    static let ivfDirectory = "ivf"
}

/// How an IVF index stores a copy of the vectors besides the float rows.
package enum VectorQuantization: String, Sendable, Codable, Hashable {
    /// 8 bits per dimension, scaled per segment and dimension (``SQ8Codes``): a quarter of the float bytes.
    case sq8
}

/// Build options of ``Engine/createVectorIndex(table:name:column:metric:options:progress:)``.
package struct VectorIndexOptions: Sendable {
    package var lists: Int
    /// k-means iterations (faiss's default is 10, pgvector's 10 as well).
    package var iterations = VectorIndexOptions.defaultIterations
    package static let defaultIterations = 10
    /// Training rows at most; more rows are sampled down. The default, 50 per list, is pgvector's:
    /// on 88,588 real-text embeddings with 1,024 lists it gives the same recall@10 at 32–96 probes as
    /// faiss's 256 per list (that is, all rows) and trains in 58% of the time (docs/benchmarks-changes.md).
    package var maxTrainingRows: Int?
    package var seed: UInt64 = 0x5EED
    package var quantization: VectorQuantization?

    package init(lists: Int) { self.lists = lists }

    var trainingRows: Int { maxTrainingRows ?? lists * 50 }
}

/// Loaded centroids and list files, by file. Files are immutable and named by generation, so an
/// entry never goes stale. Lists missing on disk (a segment written by a bulk load racing an index
/// build) are computed from the segment on first use and kept in memory.
final class VectorIndexCache: Sendable {
    private let centroids = Mutex<[String: IVFCentroids]>([:])
    private let lists = Mutex<[String: IVFLists]>([:])

    func centroids(directory: String, tableID: UInt32, index: VectorIndexDefinition) throws(CairnError) -> IVFCentroids {
        let path = directory + "/" + VectorIndexDefinition.centroidFile(tableID: tableID, generation: index.generation)
        if let hit = centroids.withLock({ $0[path] }) { return hit }
        let loaded = try IVFCentroids.parse(try FileIO.readAll(path), path: path)
        centroids.withLock { $0[path] = loaded }
        return loaded
    }

    /// Drops a cached list file (after its segment was reclaimed).
    func forget(path: String) {
        _ = lists.withLock { $0.removeValue(forKey: path) }
    }

    func lists(directory: String, segmentFile: String, reader: SegmentReader, columnID: UInt32,
               centroids c: IVFCentroids, generation: UInt64) throws(CairnError) -> IVFLists {
        let path = directory + "/" + VectorIndexDefinition.listFile(segmentFile: segmentFile, generation: generation)
        if let hit = lists.withLock({ $0[path] }) { return hit }
        var loaded: IVFLists?
        if DirectoryIO.exists(path) {
            loaded = try IVFLists.parse(try FileIO.readAll(path), path: path, generation: generation, rowCount: reader.rowCount)
        }
        let result: IVFLists
        if let loaded { result = loaded } else { result = try Self.assign(reader: reader, columnID: columnID, centroids: c) }
        // Workers that loaded the same file at once all use the first copy cached (and drop theirs).
        return lists.withLock { cached in
            if let first = cached[path] { return first }
            cached[path] = result
            return result
        }
    }

    /// Assigns every row of a segment's vector column to its list (NULL rows go to list 0; searches skip them).
    static func assign(reader: SegmentReader, columnID: UInt32, centroids c: IVFCentroids) throws(CairnError) -> IVFLists {
        var all = VectorArray(dimension: c.dimension)
        for b in 0..<reader.blockCount {
            let block = try reader.read(column: columnID, block: b)
            guard case .vectors(let v) = block.storage else { throw CairnError.corrupt(reader.path, "column \(columnID) is not a vector column") }
            all.append(v, range: 0..<v.count)
        }
        return assign(all, centroids: c)
    }

    static func assign(_ vectors: VectorArray, centroids c: IVFCentroids) -> IVFLists {
        IVFLists(assignment: assignment(vectors, centroids: c), lists: c.lists)
    }

    /// The list of every row (NULL rows, all zeros, land in whichever list zero is nearest).
    static func assignment(_ vectors: VectorArray, centroids c: IVFCentroids) -> [Int32] {
        guard vectors.dimension == c.dimension else { return [Int32](repeating: 0, count: vectors.count) }
        return vectors.floats.withUnsafeBufferPointer { f in
            f.baseAddress.map { KMeans.assign($0, count: vectors.count, dimension: c.dimension, centroids: c.vectors, metric: c.metric) }
                ?? [Int32](repeating: 0, count: vectors.count)
        }
    }
}

/// Writes `bytes` to `path` atomically (temp file, fsync, rename, fsync directory).
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(CairnError) {
    if let slash = path.lastIndex(of: "/") { try DirectoryIO.createAll(String(path[..<slash])) }
    let tmp = path + ".tmp"
    do throws(CairnError) {
        let file = try FileWriter(creating: tmp)
        try file.append(bytes)
        try file.sync()
        try file.close()
        try FileIO.rename(tmp, to: path)
        try FileIO.syncDirectory(containing: path)
    } catch {
        FileIO.removeIfPresent(tmp)
        throw error
    }
}

/// A stored block's rows in some of an index's lists (``TableSnapshot/rowsByList(_:index:centroids:wanted:)``).
package struct ListedRows: Sendable {
    /// Per list with rows in the block: block row numbers (deleted rows included), ascending.
    package var lists: [(list: Int, rows: [Int])]
    /// The segment's 8-bit codes, when the index keeps them (numbered by segment row).
    package var codes: SQ8Codes?
    /// The block's first segment row.
    package var firstRow: Int
}

/// A unit's rows in an index's probed lists: positions among the unit's live rows and, when the index
/// keeps 8-bit codes, the codes with each row's segment row number (parallel to `live`).
package struct IndexedRows {
    package var live: [Int]
    package var codes: (SQ8Codes, rows: [Int64])?

    package init(live: [Int], codes: (SQ8Codes, rows: [Int64])?) { self.live = live; self.codes = codes }
}

extension TableSnapshot {
    /// The IVF index on column `column` (an index into `schema.columns`) that serves `metric`, if any.
    package func vectorIndex(column: Int, metric: VectorMetric) -> VectorIndexDefinition? {
        guard schema.columns.indices.contains(column) else { return nil }
        let id = schema.columns[column].id
        return schema.indexes.first { $0.columnID == id && $0.metric == metric }
    }

    package func centroids(_ index: VectorIndexDefinition) throws(CairnError) -> IVFCentroids {
        try indexes.centroids(directory: directory, tableID: tableID, index: index)
    }

    /// The rows of `unit` that belong to the `probed` lists, ascending; nil for in-memory units, which
    /// are always searched exactly.
    package func indexedRows(_ unit: ScanUnit, index: VectorIndexDefinition, centroids: IVFCentroids,
                             probed: [Int]) throws(CairnError) -> IndexedRows? {
        guard let listed = try rowsByList([unit], index: index, centroids: centroids, wanted: probed)[0] else { return nil }
        // Each list's rows are ascending; the lists of a segment rows were added to after the index
        // was built interleave.
        var rows = listed.lists.flatMap(\.rows)
        if listed.lists.count > 1 { rows.sort() }
        // Positions among the unit's live rows of the listed block rows that are not deleted.
        let (stored, live) = unit.liveSelection(rows)
        return IndexedRows(live: live, codes: listed.codes.map { ($0, stored.map { Int64($0 + listed.firstRow) }) })
    }

    /// For each of `units`, the rows it holds of each of the lists `wanted` (ascending) that has some
    /// there: block row numbers (deleted rows included), ascending; nil for in-memory units, which no
    /// list covers. With them, the segment's 8-bit codes (if the index keeps them) and the block's
    /// first segment row. Works segment by segment: one list-file lookup per segment and one walk over
    /// each wanted list's rows, not a lookup and a search per block and list.
    package func rowsByList(_ units: [ScanUnit], index: VectorIndexDefinition, centroids: IVFCentroids,
                            wanted: [Int]) throws(CairnError) -> [ListedRows?] {
        var out = [ListedRows?](repeating: nil, count: units.count)
        // Stored units by segment, each as (first segment row, end row, unit index).
        var bySegment: [ObjectIdentifier: (reader: SegmentReader, file: String, blocks: [(start: Int, end: Int, unit: Int)])] = [:]
        for (u, unit) in units.enumerated() {
            guard case .segment(let reader, let file, let block, let firstRow, _) = unit.source else { continue }
            bySegment[ObjectIdentifier(reader), default: (reader, file, [])].blocks.append((firstRow, firstRow + reader.blockRowCount(block), u))
        }
        for segment in bySegment.values {
            let lists = try indexes.lists(directory: directory, segmentFile: segment.file, reader: segment.reader,
                                          columnID: index.columnID, centroids: centroids, generation: index.generation)
            let blocks = segment.blocks.sorted { $0.start < $1.start }
            var found = [[(list: Int, rows: [Int])]](repeating: [], count: blocks.count)
            for l in wanted where l >= 0 && l < lists.lists {
                let end = Int(lists.offsets[l + 1])
                var i = Int(lists.offsets[l])
                // A list's rows are ascending: each run of them inside one block becomes that block's entry.
                while i < end {
                    let row = lists.row(at: i)
                    var lo = 0, hi = blocks.count  // the first block ending after `row`
                    while lo < hi {
                        let mid = (lo + hi) / 2
                        if blocks[mid].end <= row { lo = mid + 1 } else { hi = mid }
                    }
                    guard lo < blocks.count else { break }
                    let block = blocks[lo]
                    guard row >= block.start else {  // in blocks this scan skips: go on at this block's start
                        var high = end
                        while i < high {
                            let mid = (i + high) / 2
                            if lists.row(at: mid) < block.start { i = mid + 1 } else { high = mid }
                        }
                        continue
                    }
                    // The run ends at the first row past the block; copied in one pass (a probe builds
                    // one such array per probed list and block, on every query).
                    var runEnd = i + 1, high = end
                    while runEnd < high {
                        let mid = (runEnd + high) / 2
                        if lists.row(at: mid) < block.end { runEnd = mid + 1 } else { high = mid }
                    }
                    let start = block.start
                    found[lo].append((l, lists.inRowOrder ? Array((i - start)..<(runEnd - start))
                                                          : lists.rows[i..<runEnd].map { Int($0) - start }))
                    i = runEnd
                }
            }
            for (b, block) in blocks.enumerated() {
                out[block.unit] = ListedRows(lists: found[b], codes: lists.codes, firstRow: block.start)
            }
        }
        return out
    }

    /// Per index: list sizes over the stored segments (for `cairn_index_stats`).
    package func listSizes(_ index: VectorIndexDefinition) throws(CairnError) -> [Int] {
        let c = try centroids(index)
        var sizes = [Int](repeating: 0, count: index.lists)
        for segment in partitions.flatMap(\.segments) {
            let reader = try readers.reader(directory: directory, segment: segment)
            let lists = try indexes.lists(directory: directory, segmentFile: segment.file, reader: reader,
                                          columnID: index.columnID, centroids: c, generation: index.generation)
            for l in 0..<min(lists.lists, sizes.count) { sizes[l] += lists.size(of: l) }
        }
        return sizes
    }
}
