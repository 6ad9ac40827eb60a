import CairnFormat
import CairnVector
import Testing
@testable import CairnTables

/// Segments of an indexed table keep their rows grouped by IVF list (docs/format.md §7.2), so a probe
/// touches only the blocks that hold its lists; segments written later are grouped when flushed.
@Suite struct VectorIndexGroupingTests {
    static let dimension = 8

    static func batch(_ start: Int, _ count: Int) -> [ColumnVector] {
        var floats: [Float] = []
        for i in start..<start + count {
            let cluster = Float((i * 7919) % 16)
            for j in 0..<dimension { floats.append(cluster * Float(j % 3 == 0 ? 1 : -1) + Float((i + j) % 5) * 0.01) }
        }
        return [ColumnVector(storage: .int64((start..<start + count).map(Int64.init))),
                ColumnVector(storage: .vectors(VectorArray(dimension: dimension, floats: floats)))]
    }

    /// For every list, how many blocks of the table hold at least one of its rows, and the most a
    /// grouped layout allows: one partial block at each end of the list's run in every segment.
    static func blocksPerList(_ engine: Engine, segments: Int) throws(CairnError) -> [(blocks: Int, bound: Int)] {
        guard let t = engine.snapshot().table("v"), let index = t.schema.indexes.first else { return [] }
        let sizes = try t.listSizes(index)
        let centroids = try t.centroids(index)
        let units = try t.scan(columns: [1], mayMatch: { _ in true }).units
        var counts: [(Int, Int)] = []
        for list in 0..<index.lists {
            var n = 0
            for unit in units where try !(t.indexedRows(unit, index: index, centroids: centroids, probed: [list])?.live ?? []).isEmpty { n += 1 }
            counts.append((n, (sizes[list] + 49) / 50 + segments))
        }
        return counts
    }

    /// Table `v` in blocks of 50 rows: 1,600 rows checkpointed, then an l2 index of 16 lists built on them.
    static func indexedEngine(_ dir: TemporaryDirectory) throws -> Engine {
        var options = EngineOptions(durability: .none)
        options.rowsPerBlock = 50
        let engine = try openEngine(dir, options: options)
        _ = try engine.createTable(TableSchema(name: "v", columns: [
            ColumnSchema(id: 0, name: "id", type: .bigint, notNull: true),
            ColumnSchema(id: 0, name: "e", type: .vector, notNull: false, dimension: dimension),
        ]), ifNotExists: false)
        try engine.append(table: "v", columns: batch(0, 1600))
        try engine.checkpoint()
        try engine.createVectorIndex(table: "v", name: "v_ivf", column: "e", metric: .l2, options: VectorIndexOptions(lists: 16))
        return engine
    }

    @Test func createIndexGroupsStoredRowsAndFlushesGroupNewRows() throws {
        let dir = TemporaryDirectory()
        let engine = try Self.indexedEngine(dir)
        defer { engine.close() }
        // 1600 rows in 16 lists, blocks of 50 rows; ungrouped, every list would have rows in nearly all 32 blocks.
        let grouped = try Self.blocksPerList(engine, segments: 1)
        #expect(grouped.count == 16 && grouped.allSatisfy { $0.blocks <= $0.bound }, "\(grouped)")
        #expect(grouped.reduce(0) { $0 + $1.blocks } <= 16 * 2 + 32)

        try engine.append(table: "v", columns: Self.batch(1600, 800))
        try engine.checkpoint()
        #expect(try Self.blocksPerList(engine, segments: 2).allSatisfy { $0.blocks <= $0.bound })
        // Every row is still there exactly once, and the old segment files are gone.
        let ids = try engine.snapshot().table("v").map { t throws(CairnError) in try t.scan(columns: [0], mayMatch: { _ in true }) }
        var seen = Set<Int64>()
        for unit in ids?.units ?? [] {
            if case .int64(let a) = try unit.read()[0].storage { for x in a { #expect(seen.insert(x).inserted) } }
        }
        #expect(seen == Set(0..<2400))
        let segments = dir.files().filter { $0.hasSuffix(".seg") }
        let lists = dir.files().filter { $0.hasSuffix(".ivl") }
        #expect(segments.count == 2 && lists.count == 2)
    }

    /// The per-segment listing searches use equals each block's own rows of each list, for any subset
    /// of blocks (a pruned scan skips some) and of lists; in-memory rows are listed by no list.
    @Test func rowsByListEqualsEachBlocksRowsOfEachList() throws {
        let dir = TemporaryDirectory()
        let engine = try Self.indexedEngine(dir)
        defer { engine.close() }
        try engine.append(table: "v", columns: Self.batch(1600, 700))
        try engine.checkpoint()
        try engine.append(table: "v", columns: Self.batch(2300, 30))  // stays in memory
        guard let t = engine.snapshot().table("v"), let index = t.schema.indexes.first else { Issue.record("no index"); return }
        let centroids = try t.centroids(index)
        let all = try t.scan(columns: [1], mayMatch: { _ in true }).units
        #expect(all.count > 40)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let units = round == 0 ? all : all.filter { _ in Bool.random(using: &generator) }
            let wanted = round == 0 ? Array(0..<16) : (0..<16).filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }
            let listed = try t.rowsByList(units, index: index, centroids: centroids, wanted: wanted)
            #expect(listed.count == units.count)
            for (u, unit) in units.enumerated() {
                // Expected: the list file's rows of each wanted list that fall in the block, filtered one by one.
                guard case .segment(let reader, let file, let block, let firstRow, _) = unit.source else {
                    #expect(listed[u] == nil)
                    #expect(try t.indexedRows(unit, index: index, centroids: centroids, probed: wanted) == nil)
                    continue
                }
                let lists = try t.indexes.lists(directory: t.directory, segmentFile: file, reader: reader, columnID: index.columnID,
                                                centroids: centroids, generation: index.generation)
                let range = firstRow..<firstRow + reader.blockRowCount(block)
                var expected: [(Int, [Int])] = []
                for l in wanted {
                    let rows = lists.rows[Int(lists.offsets[l])..<Int(lists.offsets[l + 1])].map(Int.init).filter(range.contains)
                    if !rows.isEmpty { expected.append((l, rows.map { $0 - firstRow })) }
                }
                let got = listed[u]?.lists ?? []
                #expect(got.map(\.list) == expected.map(\.0) && got.map(\.rows) == expected.map(\.1), "round \(round), unit \(u)")
                // No row is deleted, so a unit's indexed rows are those rows, ascending.
                #expect(try t.indexedRows(unit, index: index, centroids: centroids, probed: wanted)?.live == expected.flatMap(\.1).sorted())
            }
        }
    }

    /// An index build merges a partition's segments while they fit one segment (as compaction does),
    /// so each list is one run per segment: every live row comes back once with its vector (NULLs and
    /// the rows of every source segment included), deleted rows are gone, and the rows stay grouped.
    @Test func createIndexMergesSegmentsThatFitOne() throws {
        let dir = TemporaryDirectory()
        var options = EngineOptions(durability: .none)
        options.rowsPerBlock = 50
        let engine = try openEngine(dir, options: options)
        defer { engine.close() }
        _ = try engine.createTable(TableSchema(name: "v", columns: [
            ColumnSchema(id: 0, name: "id", type: .bigint, notNull: true),
            ColumnSchema(id: 0, name: "e", type: .vector, notNull: false, dimension: Self.dimension),
        ]), ifNotExists: false)
        var expected: [Int64: [Float]?] = [:]
        for (start, count) in [(0, 600), (600, 450), (1050, 375)] {
            var columns = Self.batch(start, count)
            // Every fifth row of the middle segment's first 200 is NULL: its later blocks, and the last
            // segment, have none (their rows must still line up with the NULLs before them).
            let validity = (0..<count).map { start != 600 || $0 >= 200 || $0 % 5 != 0 }
            if case .vectors(let a) = columns[1].storage {
                var masked = VectorArray(dimension: Self.dimension)
                for i in 0..<count {
                    if validity[i] { a.withRow(i) { masked.append(row: $0) } } else { masked.appendZeros() }
                    expected.updateValue(validity[i] ? a.withRow(i) { Array($0) } : nil, forKey: Int64(start + i))
                }
                columns[1] = ColumnVector(storage: .vectors(masked), validity: validity.allSatisfy { $0 } ? nil : validity)
            }
            try engine.append(table: "v", columns: columns)
            try engine.checkpoint()
        }
        #expect(dir.files().filter { $0.hasSuffix(".seg") }.count == 3)
        let deleted = try engine.delete(table: "v", where: RowPredicate(columns: [0], mayMatch: { _ in true }, neverFails: true) { columns, count in
            guard case .int64(let ids) = columns[0].storage else { return [] }
            return (0..<count).filter { ids[$0] < 600 && ids[$0] % 7 == 3 }  // the other segments are read whole
        })
        for id in expected.keys where id < 600 && id % 7 == 3 { expected.removeValue(forKey: id) }
        #expect(deleted == 600 / 7 + 1)

        try engine.createVectorIndex(table: "v", name: "v_ivf", column: "e", metric: .l2, options: VectorIndexOptions(lists: 16))
        #expect(dir.files().filter { $0.hasSuffix(".seg") }.count == 1)
        guard let t = engine.snapshot().table("v") else { Issue.record("no table"); return }
        var seen: [Int64: [Float]?] = [:]
        for unit in try t.scan(columns: [0, 1], mayMatch: { _ in true }).units {
            let columns = try unit.read()
            guard case .int64(let ids) = columns[0].storage, case .vectors(let a) = columns[1].storage else { continue }
            for (i, id) in ids.enumerated() {
                #expect(seen[id] == nil, "row \(id) twice")
                seen.updateValue(columns[1].isNull(i) ? nil : a.withRow(i) { Array($0) }, forKey: id)
            }
        }
        #expect(seen.count == expected.count)
        #expect(seen.allSatisfy { id, vector in expected[id].map { $0 == vector } ?? false })
        #expect(try Self.blocksPerList(engine, segments: 1).allSatisfy { $0.blocks <= $0.bound })
    }

    /// Segments written by compaction and index builds hold at most a gibibyte of vectors; tables
    /// without vectors keep compaction's row bound. Groups are consecutive and never split a segment.
    @Test func rewriteLimitsAndGroups() {
        func schema(_ dimensions: [Int]) -> TableSchema {
            TableSchema(name: "t", columns: [ColumnSchema(id: 1, name: "id", type: .bigint, notNull: true)]
                + dimensions.enumerated().map { ColumnSchema(id: UInt32($0.offset + 2), name: "e\($0.offset)", type: .vector, notNull: false, dimension: $0.element) })
        }
        #expect(Engine.segmentRowLimit(schema([])) == Engine.compactedSegmentRows)
        #expect(Engine.segmentRowLimit(schema([1536])) == (1 << 30) / (1536 * 4))
        #expect(Engine.segmentRowLimit(schema([1536, 512])) == (1 << 30) / (2048 * 4))
        #expect(Engine.segmentRowLimit(schema([2])) == Engine.compactedSegmentRows)
        func segment(_ name: String, _ rows: Int) -> SegmentEntry {
            SegmentEntry(file: name, summary: SegmentSummary(rowCount: rows, fileSize: 0, zoneMaps: [:]))
        }
        let groups = Engine.rewriteGroups([segment("a", 40), segment("b", 50), segment("c", 20), segment("d", 150), segment("e", 10)], limit: 100)
        #expect(groups.map { $0.map(\.file) } == [["a", "b"], ["c"], ["d"], ["e"]])
    }
}
