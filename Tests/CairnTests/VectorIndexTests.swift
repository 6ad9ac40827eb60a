import Cairn
import Foundation
import Testing

/// IVF-flat indexes through SQL and the Swift API: recall, inserts after the build, filtered searches
/// that return k rows, persistence, retraining, and errors.
@Suite struct VectorIndexTests {
    static let dimension = 16

    /// `count` unit vectors around `clusters` seeded centres, ids 0…count-1, `kb` = id % 1000.
    static func clustered(count: Int, clusters: Int, seed: UInt64) -> [[Float]] {
        var rng = Seeded(seed)
        let centres = (0..<clusters).map { _ in (0..<dimension).map { _ in rng.normal() } }
        return (0..<count).map { _ in
            let c = centres[Int(rng.next() % UInt64(clusters))]
            return unit(c.map { $0 + 0.15 * rng.normal() })
        }
    }

    static func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    static func load(_ t: TempDatabase, _ vectors: [[Float]]) throws {
        try t.db.execute("CREATE TABLE docs (id BIGINT, kb INTEGER, embedding VECTOR(\(dimension)))")
        for start in stride(from: 0, to: vectors.count, by: 500) {
            let rows = (start..<min(start + 500, vectors.count)).map { i in
                "(\(i), \(i % 1000), '\(Value.vector(vectors[i]).description)')"
            }
            try t.db.execute("INSERT INTO docs VALUES " + rows.joined(separator: ", "))
            if start % 1500 == 0 { try t.db.execute("CHECKPOINT") }
        }
        try t.db.execute("CHECKPOINT")
    }

    static func ids(_ r: QueryResult) -> [Int64] { r.map { if case .int(let i) = $0[0] { i } else { -1 } } }

    static func exactIDs(_ vectors: [[Float]], _ q: [Float], k: Int, where keep: (Int) -> Bool = { _ in true }) -> [Int64] {
        let scored = vectors.indices.filter(keep).map { i in (i, 1 - zip(vectors[i], q).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }) }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(k).map { Int64($0.0) }
    }

    @Test func recallAtDefaultProbesOnClusteredData() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 6000, clusters: 40, seed: 1)
        try Self.load(t, vectors)
        try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 40)")
        let plan = try t.db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", [.vector(vectors[0])])
        #expect(plan.map { $0[0].description }.joined().contains("strategy=ivfflat index=docs_ivf probes=6 of 40"))
        var hits = 0, total = 0
        let queries = Self.clustered(count: 50, clusters: 40, seed: 1).map { Self.unit($0.map { $0 + 0.01 }) }
        for q in queries {
            let found = Self.ids(try t.db.nearest(to: q, k: 10, in: "docs", metric: .cosine))
            hits += Set(found).intersection(Self.exactIDs(vectors, q, k: 10)).count
            total += 10
        }
        #expect(Double(hits) / Double(total) >= 0.95)

        let stats = try t.db.execute("SELECT rows_indexed, lists, probes, list_size_max, estimated_recall_at_10 FROM cairn_index_stats")
        #expect(stats.count == 1)
        #expect(stats[0][0] == .int(6000) && stats[0][1] == .int(40) && stats[0][2] == .int(6))
        if case .double(let estimate) = stats[0][4] { #expect(estimate >= 0.9) } else { Issue.record("no recall estimate") }
        try t.db.execute("SET ivfflat.probes = 40")
        #expect(try t.db.execute("SELECT estimated_recall_at_10 FROM cairn_index_stats")[0][0] == .double(1))
    }

    @Test func theIndexServesOnlyItsOwnMetric() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 2000, clusters: 10, seed: 2)
        try Self.load(t, vectors)
        try t.db.execute("CREATE INDEX ON docs USING ivfflat (embedding vector_ip_ops) WITH (lists = 10)")
        let ip = try t.db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <#> $1 LIMIT 5", [.vector(vectors[1])])
        let l2 = try t.db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 5", [.vector(vectors[1])])
        #expect(ip.map { $0[0].description }.joined().contains("index=docs_embedding_idx"))
        #expect(l2.map { $0[0].description }.joined().contains("strategy=exact"))
        #expect(!l2.map { $0[0].description }.joined().contains("docs_embedding_idx"))
    }

    @Test func rowsAddedAfterTheBuildAreFoundAtOnceAndAfterAFlush() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 3000, clusters: 20, seed: 3)
        try Self.load(t, vectors)
        try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_l2_ops) WITH (lists = 20)")
        try t.db.execute("SET ivfflat.probes = 1")
        let probe = Self.unit((0..<Self.dimension).map { Float($0 % 3) - 1 })
        try t.db.execute("INSERT INTO docs VALUES (99999, 1, $1)", [.vector(probe)])
        #expect(Self.ids(try t.db.execute("SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 1", [.vector(probe)])) == [99999])
        try t.db.execute("CHECKPOINT")
        #expect(Self.ids(try t.db.execute("SELECT id FROM docs ORDER BY embedding <-> $1 LIMIT 1", [.vector(probe)])) == [99999])
        let listFiles = try FileManager.default.subpathsOfDirectory(atPath: t.path).filter { $0.hasSuffix(".ivl") }
        let segments = try FileManager.default.subpathsOfDirectory(atPath: t.path).filter { $0.hasSuffix(".seg") }
        #expect(listFiles.count == segments.count)
    }

    /// `cairn_index_stats` counts vectors a search can return: NULL and deleted rows are not indexed
    /// rows, and rows the head still holds are counted apart until a checkpoint writes them.
    @Test func indexStatsCountSearchableVectors() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 2000, clusters: 10, seed: 4)
        try Self.load(t, vectors)
        try t.db.execute("INSERT INTO docs VALUES (5000, 1, NULL)")
        try t.db.execute("CHECKPOINT")
        try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_l2_ops) WITH (lists = 10)")
        let query = "SELECT rows_indexed, rows_in_memory, rows_added_since_training FROM cairn_index_stats"
        #expect(try t.db.execute(query).map { Array($0) } == [[.int(2000), .int(0), .int(0)]])

        try t.db.execute("DELETE FROM docs WHERE id < 100")
        try t.db.execute("INSERT INTO docs VALUES (5001, 1, NULL), (5002, 1, $1), (5003, 1, $2)",
                         [.vector(vectors[0]), .vector(vectors[1])])
        #expect(try t.db.execute(query).map { Array($0) } == [[.int(1900), .int(2), .int(0)]])
        try t.db.execute("INSERT INTO docs SELECT id + 10000, kb, embedding FROM docs WHERE id < 300")
        #expect(try t.db.execute(query).map { Array($0) } == [[.int(1900), .int(202), .int(102)]])
        try t.db.execute("CHECKPOINT")
        #expect(try t.db.execute(query).map { Array($0) } == [[.int(2102), .int(0), .int(102)]])
    }

    @Test(arguments: [1, 10, 100, 1000])
    func filteredSearchesReturnKRowsAtEverySelectivity(matchingPerThousand: Int) throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 5000, clusters: 25, seed: 4)
        try Self.load(t, vectors)
        try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 25)")
        let q = vectors[17]
        let found = try t.db.nearest(to: q, k: 10, in: "docs", metric: .cosine, filter: "kb < $1",
                                     parameters: [.int(Int64(matchingPerThousand))], probes: 1)
        let matching = 5 * matchingPerThousand
        #expect(found.count == min(10, matching))
        for row in found { if case .int(let id) = row[0] { #expect(id % 1000 < matchingPerThousand) } }
        if matchingPerThousand <= 10 {
            // Few matches: searched exactly, so the answer is the exact one.
            #expect(Self.ids(found) == Self.exactIDs(vectors, q, k: 10) { $0 % 1000 < matchingPerThousand })
        }
    }

    /// A filtered search copies only the matching rows of the probed lists when it probes, and scores
    /// the matching rows in place when it is exact; either way, with deleted rows and a NULL vector
    /// that match, it returns k live matching rows, nearest first.
    @Test(arguments: [3, 25])
    func filteredSearchesSkipDeletedUnmatchedAndNullRows(probes: Int) throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 5000, clusters: 25, seed: 12)
        try Self.load(t, vectors)
        try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 25)")
        try t.db.execute("DELETE FROM docs WHERE id % 3 = 0")
        try t.db.execute("INSERT INTO docs VALUES (7001, 2, NULL)")
        try t.db.execute("SET ivfflat.probes = \(probes)")
        for (filter, matches) in [("kb % 2 = 0", { (i: Int) in i % 1000 % 2 == 0 }), ("id > 100 AND kb < 900", { (i: Int) in i > 100 && i % 1000 < 900 })] {
            let q = vectors[42]
            let found = try t.db.execute("SELECT id, embedding <=> $1 AS d FROM docs WHERE \(filter) ORDER BY d LIMIT 20", [.vector(q)])
            #expect(found.count == 20, "\(filter)")
            var previous = -Double.infinity
            for row in found {
                guard case .int(let id) = row[0], case .double(let d) = row[1] else { Issue.record("bad row \(row)"); continue }
                #expect(id % 3 != 0 && id != 7001 && matches(Int(id)), "\(filter): row \(id)")
                #expect(d >= previous)
                previous = d
            }
        }
    }

    @Test func indexesSurviveReopenAndRetrainAndDrop() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-ivf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let vectors = Self.clustered(count: 2500, clusters: 16, seed: 5)
        var before: [Int64] = []
        do {
            let t = try TempDatabase()
            try Self.load(t, vectors)
            t.db.close()
            try FileManager.default.copyItem(atPath: t.path, toPath: path)
        }
        do {
            let db = try Database(path: path)
            try db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 16, iterations = 4, training_rows = 900)")
            before = Self.ids(try db.nearest(to: vectors[3], k: 10, in: "docs", probes: 2))
            db.close()
        }
        let db = try Database(path: path)
        defer { db.close() }
        #expect(Self.ids(try db.nearest(to: vectors[3], k: 10, in: "docs", probes: 2)) == before)
        let plan = try db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", [.vector(vectors[3])])
        #expect(plan.map { $0[0].description }.joined().contains("index=docs_ivf"))
        let centroidsBefore = try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.hasSuffix(".centroids") }
        let statement = "CREATE INDEX docs_ivf ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 16, iterations = 4, training_rows = 900);"
        #expect(db.tableDefinition("docs")?.hasSuffix(");\n" + statement) == true)
        try db.execute("REINDEX docs_ivf")
        #expect(db.tableDefinition("docs")?.hasSuffix(");\n" + statement) == true)  // retrained with the same settings
        let centroidsAfter = try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.hasSuffix(".centroids") }
        #expect(centroidsBefore.count == 1 && centroidsAfter.count == 1 && centroidsBefore != centroidsAfter)
        #expect(Self.ids(try db.nearest(to: vectors[3], k: 1, in: "docs")) == [3])
        try db.execute("DROP INDEX docs_ivf")
        let left = try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.hasSuffix(".centroids") || $0.hasSuffix(".ivl") }
        #expect(left.isEmpty)
        let exact = try db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", [.vector(vectors[3])])
        #expect(exact.map { $0[0].description }.joined().contains("strategy=exact"))
    }

    @Test func batchedSearchMatchesSingleQueries() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 3000, clusters: 12, seed: 6)
        try Self.load(t, vectors)
        try t.db.execute("INSERT INTO docs VALUES (5000, 1, NULL)")
        let queries = Array(vectors[100..<120])
        for metric in [VectorMetric.l2, .innerProduct, .cosine] {
            let batch = try t.db.nearest(to: queries, k: 7, in: "docs", metric: metric, filter: "kb % 2 = 0", returning: ["id", "kb"])
            #expect(batch.count == queries.count)
            for (q, b) in zip(queries, batch) {
                let single = try t.db.nearest(to: q, k: 7, in: "docs", metric: metric, filter: "kb % 2 = 0", returning: ["id", "kb"])
                #expect(Self.ids(b) == Self.ids(single))
                #expect(b.columnNames == ["id", "kb", "distance"])
            }
        }
    }

    /// Searches of one shape reuse its parsed query; each still binds its own parameters, and a table
    /// dropped and created again in between is planned afresh.
    @Test func searchesOfOneShapeBindTheirOwnParameters() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 2000, clusters: 10, seed: 9)
        try Self.load(t, vectors)
        let queries = [vectors[11], vectors[1500]]
        for limit in [3, 700, 40] {
            let batch = try t.db.nearest(to: queries, k: 5, in: "docs", metric: .cosine, filter: "kb < $1", parameters: [.int(Int64(limit))])
            for (q, found) in zip(queries, batch) {
                #expect(Self.ids(found) == Self.exactIDs(vectors, q, k: 5) { $0 % 1000 < limit }, "kb < \(limit)")
            }
        }
        try t.db.execute("DROP TABLE docs")
        try t.db.execute("CREATE TABLE docs (kb INTEGER, id BIGINT, embedding VECTOR(\(Self.dimension)))")
        try t.db.execute("INSERT INTO docs VALUES (1, 77, '\(Value.vector(vectors[11]).description)'), (5, 78, '\(Value.vector(vectors[12]).description)')")
        #expect(try t.db.nearest(to: queries, k: 5, in: "docs", metric: .cosine, filter: "kb < $1", parameters: [.int(3)])
            .map(Self.ids) == [[77], [77]])
    }

    @Test func batchedIVFSearchMatchesSingleQueries() throws {
        let t = try TempDatabase()
        let vectors = Self.clustered(count: 3000, clusters: 12, seed: 8)
        try Self.load(t, vectors)
        for (metric, opclass) in [(VectorMetric.l2, "vector_l2_ops"), (.innerProduct, "vector_ip_ops"), (.cosine, "vector_cosine_ops")] {
            try t.db.execute("CREATE INDEX docs_ivf ON docs USING ivfflat (embedding \(opclass)) WITH (lists = 12)")
            // Deleted rows, a NULL vector, rows flushed after the build and rows still in memory.
            try t.db.execute("DELETE FROM docs WHERE id % 7 = 3")
            try t.db.execute("INSERT INTO docs VALUES (9000, 1, NULL), (9001, 1, '\(Value.vector(vectors[5]).description)')")
            try t.db.execute("CHECKPOINT")
            try t.db.execute("INSERT INTO docs VALUES (9002, 2, '\(Value.vector(vectors[6]).description)')")
            let queries = Array(vectors[100..<130]) + [vectors[5], vectors[6]]
            let op = metric == .l2 ? "<->" : metric == .innerProduct ? "<#>" : "<=>"
            for probes in [1, 3] {
                try t.db.execute("SET ivfflat.probes = \(probes)")
                let batch = try t.db.nearest(to: queries, k: 9, in: "docs", metric: metric, returning: ["id", "kb"], probes: probes)
                #expect(batch.count == queries.count)
                for (q, b) in zip(queries, batch) {
                    let single = try t.db.nearest(to: q, k: 9, in: "docs", metric: metric, returning: ["id", "kb"], probes: probes)
                    let sql = try t.db.execute("SELECT id, kb, embedding \(op) $1 AS d FROM docs ORDER BY embedding \(op) $1 LIMIT 9", [.vector(q)])
                    #expect(Self.ids(b) == Self.ids(single))
                    #expect(Self.ids(b) == Self.ids(sql))
                    #expect(b.count == 9)
                    for (x, y) in zip(b, sql) {
                        guard case .double(let dx) = x[2], case .double(let dy) = y[2] else { Issue.record("distance is not a double"); continue }
                        #expect(abs(dx - dy) < 1e-5)
                    }
                }
            }
            // A query whose probed lists hold fewer than k rows still gets k rows (the single search widens).
            let wide = try t.db.nearest(to: [vectors[0]], k: 2000, in: "docs", metric: metric, probes: 1)
            #expect(wide.first?.count == 2000)
            try t.db.execute("DROP INDEX docs_ivf")
            try t.db.execute("DELETE FROM docs WHERE id >= 9000")
        }
    }

    /// An index WITH (quantization = 'sq8') reads 8-bit codes first and floats only for rows that may
    /// make the top k: its answers are those of the same index without codes, for every metric, through
    /// SQL, single and batched searches, with deletes, NULLs, rows flushed after the build (their list
    /// files get codes too) and rows still in memory; they survive a reopen and a REINDEX.
    @Test func quantizedIndexAnswersLikeTheFloatIndex() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-sq8-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 70 dimensions: the 8-bit kernel's 32-wide steps and its tail both run.
        let d = 70
        var rng = Seeded(11)
        let centres = (0..<12).map { _ in (0..<d).map { _ in rng.normal() } }
        let vectors = (0..<2500).map { i in Self.unit(centres[i % 12].map { $0 + 0.3 * rng.normal() }) }
        do {
            let db = try Database(path: root + "/base")
            defer { db.close() }
            try db.execute("CREATE TABLE docs (id BIGINT, kb INTEGER, embedding VECTOR(\(d)))")
            let appender = try db.appender(for: "docs")
            for (i, v) in vectors.enumerated() {
                try appender.append(i); try appender.append(i % 5); try appender.append(v); try appender.endRow()
            }
            try appender.flush()
            try db.execute("CHECKPOINT")
            try db.execute("DELETE FROM docs WHERE id % 11 = 4")
        }
        let queries = (0..<15).map { vectors[$0 * 97] } + [Self.unit((0..<d).map { Float($0 % 4) - 1.5 })]

        /// A copy of the base database with the index built, rows added after it, and every answer.
        func answers(_ metric: VectorMetric, _ opclass: String, options: String) throws -> [[String]] {
            let path = root + "/\(UUID().uuidString)"
            try FileManager.default.copyItem(atPath: root + "/base", toPath: path)
            let db = try Database(path: path)
            defer { db.close() }
            try db.execute("CREATE INDEX i ON docs USING ivfflat (embedding \(opclass)) WITH (lists = 12\(options))")
            try db.execute("INSERT INTO docs VALUES (9000, 1, NULL), (9001, 1, $1)", [.vector(vectors[7])])
            try db.execute("CHECKPOINT")
            try db.execute("INSERT INTO docs VALUES (9002, 2, $1)", [.vector(vectors[8])])
            let op = metric == .l2 ? "<->" : metric == .innerProduct ? "<#>" : "<=>"
            var out: [[String]] = []
            for probes in [1, 3] {
                try db.execute("SET ivfflat.probes = \(probes)")
                let batch = try db.nearest(to: queries, k: 8, in: "docs", metric: metric, returning: ["id"], probes: probes)
                for (q, b) in zip(queries, batch) {
                    let single = try db.nearest(to: q, k: 8, in: "docs", metric: metric, returning: ["id"], probes: probes)
                    let sql = try db.execute("SELECT id, embedding \(op) $1 FROM docs ORDER BY embedding \(op) $1 LIMIT 8", [.vector(q)])
                    // Distances to 5 decimals: the codes path computes one row at a time, the float path per list.
                    for r in [b, single, sql] {
                        out.append(r.map { row in
                            guard case .double(let distance) = row[1] else { return "\(row[0]) ?" }
                            return "\(row[0]) \(String(format: "%.5f", distance))"
                        })
                    }
                }
            }
            return out
        }

        for (metric, opclass) in [(VectorMetric.l2, "vector_l2_ops"), (.innerProduct, "vector_ip_ops"), (.cosine, "vector_cosine_ops")] {
            let expected = try answers(metric, opclass, options: "")
            let got = try answers(metric, opclass, options: ", quantization = 'sq8'")
            #expect(got.count == expected.count && expected.allSatisfy { $0.count == 8 })
            for (i, (x, y)) in zip(got, expected).enumerated() where x != y {
                Issue.record("\(metric), answer \(i) (query \(i / 3 % queries.count)): \(x) with codes, \(y) without")
                break
            }
        }

        let path = root + "/base"
        var db = try Database(path: path)
        defer { db.close() }
        try db.execute("CREATE INDEX coded ON docs USING ivfflat (embedding vector_cosine_ops) WITH (lists = 12, quantization = 'sq8')")
        #expect(try db.execute("SELECT quantization FROM cairn_index_stats")[0][0] == .string("sq8"))
        let plan = try db.execute("EXPLAIN SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", [.vector(queries[0])])
        #expect(plan.map { $0[0].description }.joined().contains("probes=3 of 12 lists sq8"))
        let before = try db.nearest(to: queries[3], k: 5, in: "docs", probes: 2)
        db.close()
        db = try Database(path: path)
        #expect(Self.ids(try db.nearest(to: queries[3], k: 5, in: "docs", probes: 2)) == Self.ids(before))
        try db.execute("REINDEX coded")
        #expect(try db.execute("SELECT quantization FROM cairn_index_stats")[0][0] == .string("sq8"))
        let lists = try FileManager.default.subpathsOfDirectory(atPath: path).filter { $0.hasSuffix(".ivl") }
        #expect(!lists.isEmpty)
        for file in lists {
            // Header flags (offset 12): bit 0, the code section.
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/" + file)))
            #expect(bytes.count > 16 && bytes[12] == 1)
        }
    }

    @Test func badIndexDefinitionsAreRefusedClearly() throws {
        let t = try TempDatabase()
        try Self.load(t, Self.clustered(count: 50, clusters: 2, seed: 7))
        func message(_ sql: String) -> String {
            do { try t.db.execute(sql); return "" } catch { return "\(error)" }
        }
        #expect(message("CREATE INDEX ON docs USING ivfflat (embedding vector_foo_ops)").contains("unknown operator class"))
        #expect(message("CREATE INDEX ON docs USING hnsw (embedding vector_l2_ops)").contains("not supported"))
        #expect(message("CREATE INDEX ON docs USING ivfflat (embedding) WITH (lists = 100)").contains("needs at least 100"))
        #expect(message("CREATE INDEX ON docs USING ivfflat (kb) WITH (lists = 2)").contains("VECTOR column"))
        #expect(message("CREATE INDEX ON docs USING ivfflat (embedding) WITH (nlist = 2)").contains("unrecognized parameter"))
        #expect(message("CREATE INDEX i ON docs USING ivfflat (embedding) WITH (lists = 2)").isEmpty)
        #expect(message("CREATE INDEX i ON docs USING ivfflat (embedding) WITH (lists = 2)").contains("already exists"))
        #expect(message("CREATE INDEX IF NOT EXISTS i ON docs USING ivfflat (embedding) WITH (lists = 2)").isEmpty)
        #expect(message("DROP INDEX nope").contains("does not exist"))
        #expect(message("DROP INDEX IF EXISTS nope").isEmpty)
        #expect(message("SET ivfflat.probes = 0").contains("positive"))
        #expect(message("CREATE INDEX j ON docs USING ivfflat (embedding) WITH (lists = 2, quantization = 'pq')").contains("'sq8' or 'none'"))
        #expect(message("CREATE INDEX j ON docs USING ivfflat (embedding) WITH (lists = 2, quantization = 8)").contains("'sq8' or 'none'"))
        #expect(message("CREATE INDEX j ON docs USING ivfflat (embedding) WITH (lists = 2, quantization = 'none')").isEmpty)
    }
}

/// A seeded generator with normal deviates (Box–Muller), so tests are reproducible.
struct Seeded {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u = max(uniform(), 1e-7), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

@Suite struct VectorAppendTests {
    struct Chunk: Encodable {
        var id: Int
        var kb: Int
        var embedding: [Float]
    }

    @Test func appenderAndEncodableRowsTakeVectors() throws {
        let t = try TempDatabase()
        try t.db.execute("CREATE TABLE docs (id BIGINT, kb INTEGER, embedding VECTOR(3))")
        let appender = try t.db.appender(for: "docs")
        try appender.append(1); try appender.append(7); try appender.append([1, 0, 0] as [Float]); try appender.endRow()
        let matrix: [Float] = [0, 1, 0, 0, 0, 1]
        try matrix.withUnsafeBufferPointer { m in
            for r in 0..<2 {
                try appender.append(2 + r); try appender.append(7)
                try appender.append(UnsafeBufferPointer(rebasing: m[r * 3..<(r + 1) * 3])); try appender.endRow()
            }
        }
        try appender.flush()
        try t.db.append([Chunk(id: 4, kb: 8, embedding: [0.5, 0.5, 0])], to: "docs")
        #expect(try t.rows("SELECT id, embedding FROM docs ORDER BY id") ==
                [["1", "[1,0,0]"], ["2", "[0,1,0]"], ["3", "[0,0,1]"], ["4", "[0.5,0.5,0]"]])

        try appender.append(5); try appender.append(1)
        #expect(throws: CairnError.self) { try appender.append([1, 2] as [Float]) }
        #expect(throws: CairnError.self) { try appender.append([1, .nan, 2] as [Float]) }
        #expect(throws: CairnError.self) { try t.db.append([Chunk(id: 6, kb: 1, embedding: [1])], to: "docs") }
    }
}
