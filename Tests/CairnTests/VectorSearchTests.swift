import Cairn
import Foundation
import Testing

// Exact k-NN search through SQL, checked against a brute force computed here in Double arithmetic.

/// SplitMix64: a small seeded generator so every run sees the same data.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self), v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// A database in a fresh temporary directory that a test can close and reopen.
private final class VectorTestDatabase {
    let path: String
    private(set) var db: Database

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-vector-\(UUID().uuidString)").path
        db = try Database(path: path, options: Database.Options(durability: .none))
    }

    func reopen() throws {
        db.close()
        db = try Database(path: path, options: Database.Options(durability: .none))
    }

    deinit {
        db.close()
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String, _ contents: String) throws -> String {
        let file = path + "-" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// The test data: ids 0..<n, a knowledge-base label, and a vector or NULL per row.
private struct Corpus {
    static let dimension = 24
    static let knowledgeBases = ["kb0", "kb1", "kb2", "kb3", "kb4"]
    var kbs: [String] = []
    var vectors: [[Float]?] = []
    var centers: [[Float]] = []

    var count: Int { vectors.count }

    /// Clustered rows (8 clusters), uniform rows, tiny rows, a few exact duplicates, two zero vectors and
    /// about 4% NULLs.
    init(rows: Int, seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        let d = Self.dimension
        centers = (0..<8).map { _ in (0..<d).map { _ in Float(g.gaussian() * 3) } }
        for i in 0..<rows {
            kbs.append(Self.knowledgeBases[Int.random(in: 0..<Self.knowledgeBases.count, using: &g)])
            let kind = Int.random(in: 0..<100, using: &g)
            if i == 17 || i == 1234 {
                vectors.append([Float](repeating: 0, count: d))
            } else if kind < 4 {
                vectors.append(nil)
            } else if kind < 60 {
                let c = centers[Int.random(in: 0..<centers.count, using: &g)]
                vectors.append(c.map { $0 + Float(g.gaussian() * 0.35) })
            } else if kind < 95 {
                vectors.append((0..<d).map { _ in Float.random(in: -4...4, using: &g) })
            } else if kind < 98 {
                vectors.append((0..<d).map { _ in Float(g.gaussian() * 0.01) })
            } else if let earlier = vectors[..<i].reversed().first(where: { $0 != nil && $0?.allSatisfy({ $0 == 0 }) == false }) {
                vectors.append(earlier)
            } else {
                vectors.append((0..<d).map { _ in Float.random(in: -1...1, using: &g) })
            }
        }
    }

    /// Query vectors: near the cluster centers, uniform, existing rows, tiny.
    func queries(_ n: Int, seed: UInt64) -> [[Float]] {
        var g = SeededGenerator(seed: seed)
        return (0..<n).map { q in
            switch q % 5 {
            case 0, 1: return centers[q % centers.count].map { $0 + Float(g.gaussian() * 0.5) }
            case 2: return (0..<Self.dimension).map { _ in Float.random(in: -4...4, using: &g) }
            case 3:
                while true {
                    if let v = vectors[Int.random(in: 0..<count, using: &g)], v.contains(where: { $0 != 0 }) { return v }
                }
            default: return (0..<Self.dimension).map { _ in Float(g.gaussian() * 0.02) }
            }
        }
    }

    /// `INSERT` of rows `range`; vectors as pgvector text, or as `[…]` array literals.
    func insertSQL(_ range: Range<Int>, arrayLiterals: Bool) -> String {
        let values = range.map { i -> String in
            let v = vectors[i].map { v in
                let elements = v.map { "\($0)" }.joined(separator: ",")
                return arrayLiterals ? "[\(elements)]" : "'[\(elements)]'"
            } ?? "NULL"
            return "(\(i), '\(kbs[i])', \(v))"
        }
        return "INSERT INTO chunks VALUES " + values.joined(separator: ", ")
    }

    /// Loads the corpus in batches of 250 rows with a CHECKPOINT after some of them, so the rows end up
    /// in three segments and the in-memory head.
    func load(into db: Database) throws {
        try db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR, embedding VECTOR(\(Self.dimension)))")
        for (b, start) in stride(from: 0, to: count, by: 250).enumerated() {
            try db.execute(insertSQL(start..<min(start + 250, count), arrayLiterals: b % 2 == 1))
            if [2, 5, 8].contains(b) { try db.execute("CHECKPOINT") }
        }
    }
}

/// The corpus loaded once for the tests that only read it (loading takes most of a second in a debug
/// build); removed when the test process exits.
private final class SharedCorpusDatabase: Sendable {
    let path: String
    let db: Database

    static let shared: Result<SharedCorpusDatabase, any Error> = Result { try SharedCorpusDatabase() }

    private init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-vector-shared-\(UUID().uuidString)").path
        db = try Database(path: path, options: Database.Options(durability: .none))
        try VectorSearchTests.corpus.load(into: db)
        atexit { SharedCorpusDatabase.remove() }
    }

    private static func remove() {
        guard case .success(let s) = shared else { return }
        s.db.close()
        try? FileManager.default.removeItem(atPath: s.path)
    }
}

private enum Metric: String, CaseIterable {
    case l2 = "<->", negativeInnerProduct = "<#>", cosine = "<=>"

    var function: String {
        switch self {
        case .l2: "l2_distance"
        case .negativeInnerProduct: "negative_inner_product"
        case .cosine: "cosine_distance"
        }
    }

    /// pgvector's distance in Double arithmetic.
    func distance(_ x: [Float], _ q: [Float]) -> Double {
        var dot = 0.0, xx = 0.0, qq = 0.0, l2 = 0.0
        for (a, b) in zip(x, q) {
            let (a, b) = (Double(a), Double(b))
            dot += a * b; xx += a * a; qq += b * b; l2 += (a - b) * (a - b)
        }
        switch self {
        case .l2: return l2.squareRoot()
        case .negativeInnerProduct: return -dot
        case .cosine: return xx == 0 || qq == 0 ? .nan : 1 - dot / (xx.squareRoot() * qq.squareRoot())
        }
    }
}

/// The rows `filter` admits that have a vector, nearest first (NaN distances last, as PostgreSQL sorts them).
private func bruteForce(_ corpus: Corpus, _ metric: Metric, _ q: [Float], filter: (Int) -> Bool = { _ in true })
    -> [(id: Int, d: Double)] {
    var out: [(id: Int, d: Double)] = []
    for i in 0..<corpus.count where filter(i) {
        if let v = corpus.vectors[i] { out.append((i, metric.distance(v, q))) }
    }
    return out.sorted { a, b in
        if a.d.isNaN != b.d.isNaN { return b.d.isNaN }
        return a.d != b.d ? a.d < b.d : a.id < b.id
    }
}

/// Distances closer than this are ties: the search may return either row.
private func tie(_ a: Double, _ b: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return abs(a - b) <= 1e-5 * max(1, abs(a), abs(b))
}

/// A reported distance agrees with the Double one to 1e-4 relative (with a floor of 1e-6 for distances
/// near 0, where float32 arithmetic leaves an absolute error of about 1e-7).
private func close(_ reported: Double, _ exact: Double) -> Bool {
    if reported.isNaN || exact.isNaN { return reported.isNaN && exact.isNaN }
    return abs(reported - exact) <= 1e-4 * max(abs(exact), 1e-2)
}

private func ints(_ values: [Value]) -> [Int] {
    values.map { if case .int(let i) = $0 { Int(i) } else { -1 } }
}

private func doubles(_ values: [Value]) -> [Double] {
    values.map { if case .double(let d) = $0 { d } else { -.infinity } }
}

/// Checks a k-NN result (ids, and distances unless nil; `sign` -1 for `inner_product … DESC`) against
/// the brute force: the same number of rows, and at each position a row whose exact distance ties the
/// expected one at that position, each row once.
private func expectMatches(ids: [Int], distances: [Double]?, sign: Double = 1, expected all: [(id: Int, d: Double)],
                           limit: Int, offset: Int = 0, _ context: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let expected = Array(all.dropFirst(offset).prefix(limit))
    #expect(ids.count == expected.count, "\(context): \(ids.count) rows, expected \(expected.count)", sourceLocation: sourceLocation)
    #expect(Set(ids).count == ids.count, "\(context): a row came back twice: \(ids)", sourceLocation: sourceLocation)
    let exact = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.d) })
    var problems: [String] = []
    for (i, id) in ids.enumerated() where i < expected.count {
        guard let d = exact[id] else {
            problems.append("#\(i): id \(id) should not be returned (NULL vector or filtered out)")
            continue
        }
        if !tie(d, expected[i].d) {
            problems.append("#\(i): id \(id) at exact distance \(d), expected id \(expected[i].id) at \(expected[i].d)")
        }
        if let distances, i < distances.count, !close(sign * distances[i], d) {
            problems.append("#\(i): id \(id) reported distance \(sign * distances[i]), exact \(d)")
        }
    }
    #expect(problems.isEmpty, "\(context): \(problems.joined(separator: "; "))", sourceLocation: sourceLocation)
}

@Suite struct VectorSearchTests {
    fileprivate static let corpus = Corpus(rows: 3000, seed: 0x5EED_CA1A)

    /// The shared, read-only database holding the corpus.
    private func shared() throws -> Database { try SharedCorpusDatabase.shared.get().db }

    /// A database of its own holding the corpus, for tests that change or reopen it.
    private func loaded() throws -> VectorTestDatabase {
        let t = try VectorTestDatabase()
        try Self.corpus.load(into: t.db)
        return t
    }

    /// Runs a k-NN query with the query vector as `$1` and returns ids and distances.
    private func search(_ db: Database, _ sql: String, _ q: [Float], _ more: [Value] = []) throws -> (ids: [Int], d: [Double]) {
        let r = try db.execute(sql, [.vector(q)] + more)
        return (ints(r.column(0)), r.columnNames.count > 1 ? doubles(r.column(1)) : [])
    }

    @Test func storedVectorsAreExactlyTheInsertedOnes() throws {
        let db = try shared()
        let c = Self.corpus
        let r = try db.execute("SELECT id, embedding, vector_dims(embedding), l2_norm(embedding) FROM chunks ORDER BY id")
        #expect(ints(r.column(0)) == Array(0..<c.count))
        let stored = r.column(1)
        let mismatches = (0..<c.count).filter { i in stored[i] != (c.vectors[i].map { Value.vector($0) } ?? .null) }
        #expect(mismatches.isEmpty, "rows stored differently: \(mismatches.prefix(10))")
        for i in [0, 17, 100, 2999] {
            if let v = c.vectors[i] {
                #expect(r[i][2] == .int(Int64(Corpus.dimension)))
                let norm = v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                #expect(close(doubles([r[i][3]])[0], norm), "l2_norm of row \(i)")
            } else {
                #expect(r[i][2] == .null && r[i][3] == .null)
            }
        }
        #expect(try db.execute("SELECT count(*), count(embedding) FROM chunks").first.map { Array($0) }
                == [.int(Int64(c.count)), .int(Int64(c.vectors.compactMap { $0 }.count))])
        // The rows span three segments and the in-memory head, and searches over them run as top-k scans.
        let q = c.queries(1, seed: 9)[0]
        for sql in ["EXPLAIN SELECT id, embedding <=> $1 FROM chunks ORDER BY embedding <=> $1 LIMIT 10",
                    "EXPLAIN SELECT id FROM chunks WHERE kb = 'kb1' ORDER BY embedding <-> $1 LIMIT 5 OFFSET 3",
                    "EXPLAIN SELECT id FROM chunks ORDER BY inner_product(embedding, $1) DESC LIMIT 10",
                    "EXPLAIN SELECT id FROM chunks ORDER BY embedding <#> (SELECT embedding FROM chunks WHERE id = 1) LIMIT 10"] {
            let plan = try db.execute(sql, sql.contains("$1") ? [.vector(q)] : []).map { $0[0].description }.joined(separator: "\n")
            #expect(plan.contains("VECTOR_TOP_K"), "\(sql):\n\(plan)")
            #expect(plan.contains("segments: 3 of 3 scanned") && plan.contains("in-memory rows: 750"), "\(sql):\n\(plan)")
        }
    }

    @Test func flatSearchEqualsBruteForce() throws {
        let db = try shared()
        let c = Self.corpus
        for metric in Metric.allCases {
            for (n, q) in c.queries(20, seed: 1).enumerated() {
                let op = metric.rawValue
                let expected = bruteForce(c, metric, q)
                let r = try search(db, "SELECT id, embedding \(op) $1 AS d FROM chunks ORDER BY embedding \(op) $1 LIMIT 10", q)
                expectMatches(ids: r.ids, distances: r.d, expected: expected, limit: 10, "\(op) query \(n)")
                // The function spelling and a query that does not project the distance agree.
                let f = try search(db, "SELECT id, \(metric.function)(embedding, $1) FROM chunks ORDER BY \(metric.function)(embedding, $1) LIMIT 10", q)
                expectMatches(ids: f.ids, distances: f.d, expected: expected, limit: 10, "\(metric.function) query \(n)")
                let bare = try search(db, "SELECT id FROM chunks ORDER BY $1 \(op) embedding LIMIT 10", q)
                expectMatches(ids: bare.ids, distances: nil, expected: expected, limit: 10, "\(op) with the query first, query \(n)")
            }
        }
    }

    /// Ordering by the distance's alias, and the farthest rows (DESC, an ordinary sort).
    @Test func aliasAndDescendingOrder() throws {
        let db = try shared()
        let c = Self.corpus
        for (n, q) in c.queries(5, seed: 6).enumerated() {
            for metric in Metric.allCases {
                let op = metric.rawValue
                let r = try search(db, "SELECT id, embedding \(op) $1 AS dist FROM chunks ORDER BY dist LIMIT 10", q)
                expectMatches(ids: r.ids, distances: r.d, expected: bruteForce(c, metric, q), limit: 10, "\(op) ORDER BY alias, query \(n)")
            }
            for metric in [Metric.l2, .negativeInnerProduct] {
                let op = metric.rawValue
                let farthest = bruteForce(c, metric, q).map { (id: $0.id, d: -$0.d) }.sorted { $0.d != $1.d ? $0.d < $1.d : $0.id < $1.id }
                let r = try search(db, "SELECT id, embedding \(op) $1 FROM chunks WHERE embedding IS NOT NULL ORDER BY embedding \(op) $1 DESC LIMIT 10", q)
                expectMatches(ids: r.ids, distances: r.d, sign: -1, expected: farthest, limit: 10, "\(op) DESC, query \(n)")
            }
        }
    }

    @Test func innerProductDescendingEqualsNegativeInnerProduct() throws {
        let db = try shared()
        let c = Self.corpus
        for (n, q) in c.queries(10, seed: 2).enumerated() {
            let expected = bruteForce(c, .negativeInnerProduct, q)
            let r = try search(db, "SELECT id, inner_product(embedding, $1) AS s FROM chunks ORDER BY inner_product(embedding, $1) DESC LIMIT 10", q)
            expectMatches(ids: r.ids, distances: r.d, sign: -1, expected: expected, limit: 10, "inner_product DESC query \(n)")
        }
    }

    @Test func filteredSearchEqualsBruteForce() throws {
        let db = try shared()
        let c = Self.corpus
        for metric in Metric.allCases {
            let op = metric.rawValue
            for (n, q) in c.queries(8, seed: 3).enumerated() {
                let kb = Corpus.knowledgeBases[n % Corpus.knowledgeBases.count]
                let one = bruteForce(c, metric, q) { c.kbs[$0] == kb }
                let r = try search(db, "SELECT id, embedding \(op) $1 AS d FROM chunks WHERE kb = $2 ORDER BY embedding \(op) $1 LIMIT 10",
                                   q, [.string(kb)])
                expectMatches(ids: r.ids, distances: r.d, expected: one, limit: 10, "\(op) WHERE kb = \(kb), query \(n)")

                // A filter on the id and on the distance itself.
                let two = bruteForce(c, metric, q) { ($0 % 3 == 0 || $0 > 2500) && c.kbs[$0] != "kb1" }
                let s = try search(db, """
                    SELECT id, embedding \(op) $1 FROM chunks WHERE (id % 3 = 0 OR id > 2500) AND kb <> 'kb1'
                    ORDER BY embedding \(op) $1 LIMIT 7
                    """, q)
                expectMatches(ids: s.ids, distances: s.d, expected: two, limit: 7, "\(op) filtered on id, query \(n)")

                // A filter on the distance itself, with a bound well between two rows' distances (about the
                // 40th nearest), so float32 rounding cannot move a row across it.
                let all = bruteForce(c, metric, q)
                guard let k = (39..<all.count - 1).first(where: { !all[$0 + 1].d.isNaN && !tie(all[$0].d, all[$0 + 1].d) }) else {
                    Issue.record("no gap in the distances of query \(n)")
                    continue
                }
                let bound = (all[k].d + all[k + 1].d) / 2
                let near = bruteForce(c, metric, q) { i in c.vectors[i].map { metric.distance($0, q) < bound } ?? false }
                #expect(near.count == k + 1)
                let w = try search(db, "SELECT id, embedding \(op) $1 FROM chunks WHERE embedding \(op) $1 < $2 ORDER BY embedding \(op) $1 LIMIT 100",
                                   q, [.double(bound)])
                expectMatches(ids: w.ids, distances: w.d, expected: near, limit: 100, "\(op) WHERE distance < bound, query \(n)")
            }
        }
    }

    @Test func offsetSkipsTheNearestRows() throws {
        let db = try shared()
        let c = Self.corpus
        for metric in Metric.allCases {
            let op = metric.rawValue
            for (n, q) in c.queries(6, seed: 4).enumerated() {
                let expected = bruteForce(c, metric, q)
                for (limit, offset) in [(10, 7), (5, 1), (100, 50), (3, 0)] {
                    let r = try search(db, "SELECT id, embedding \(op) $1 FROM chunks ORDER BY embedding \(op) $1 LIMIT \(limit) OFFSET \(offset)", q)
                    expectMatches(ids: r.ids, distances: r.d, expected: expected, limit: limit, offset: offset,
                                  "\(op) LIMIT \(limit) OFFSET \(offset), query \(n)")
                }
                let kb = "kb\(n % 5)"
                let filtered = bruteForce(c, metric, q) { c.kbs[$0] == kb }
                let f = try search(db, "SELECT id, embedding \(op) $1 FROM chunks WHERE kb = $2 ORDER BY embedding \(op) $1 LIMIT 10 OFFSET 15",
                                   q, [.string(kb)])
                expectMatches(ids: f.ids, distances: f.d, expected: filtered, limit: 10, offset: 15, "\(op) WHERE + OFFSET, query \(n)")
            }
        }
    }

    @Test func fewerMatchingRowsThanLimit() throws {
        let t = try VectorTestDatabase()
        let db = t.db
        try db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR, embedding VECTOR(3))")
        try db.execute("INSERT INTO chunks VALUES (1, 'a', '[1,0,0]'), (2, 'a', NULL), (3, 'b', '[0,1,0]'), (4, 'a', '[0.5,0.5,0]')")
        try db.execute("CHECKPOINT")
        try db.execute("INSERT INTO chunks VALUES (5, 'a', NULL), (6, 'b', '[0,0,2]'), (7, 'a', '[0,0,0]')")
        func rows(_ sql: String, _ params: [Value] = [.vector([1, 0, 0])]) throws -> [[Value]] {
            try db.execute(sql, params).map { Array($0) }
        }
        // Five rows have vectors; the two NULLs never come back from a search.
        #expect(try rows("SELECT id, embedding <-> $1 FROM chunks ORDER BY embedding <-> $1 LIMIT 10") == [
            [.int(1), .double(0)], [.int(4), .double(0.5.squareRoot())],
            [.int(7), .double(1)], [.int(3), .double(2.0.squareRoot())], [.int(6), .double(5.0.squareRoot())],
        ])
        #expect(try rows("SELECT id FROM chunks WHERE kb = 'a' ORDER BY embedding <-> $1 LIMIT 10") == [[.int(1)], [.int(4)], [.int(7)]])
        #expect(try rows("SELECT id FROM chunks WHERE kb = 'a' ORDER BY embedding <#> $1 LIMIT 10") == [[.int(1)], [.int(4)], [.int(7)]])
        #expect(try rows("SELECT id FROM chunks WHERE kb = 'a' ORDER BY embedding <-> $1 LIMIT 10 OFFSET 2") == [[.int(7)]])
        #expect(try rows("SELECT id FROM chunks WHERE kb = 'a' ORDER BY embedding <-> $1 LIMIT 10 OFFSET 3") == [])
        #expect(try rows("SELECT id FROM chunks ORDER BY embedding <-> $1 LIMIT 0") == [])
        #expect(try rows("SELECT id FROM chunks WHERE kb = 'zzz' ORDER BY embedding <-> $1 LIMIT 3") == [])
        #expect(try rows("SELECT id FROM chunks WHERE id IN (2, 5) ORDER BY embedding <=> $1 LIMIT 3") == [])
        // The zero vector's cosine distance is NaN and ranks after every number.
        let cosine = try rows("SELECT id, embedding <=> $1 FROM chunks WHERE kb = 'a' ORDER BY embedding <=> $1 LIMIT 5")
        #expect(cosine.map { $0[0] } == [.int(1), .int(4), .int(7)])
        #expect(cosine.count == 3 && doubles([cosine[2][1]]).first?.isNaN == true)
        // Rows 3 and 6 tie at cosine distance 1.
        let four = try rows("SELECT id FROM chunks ORDER BY embedding <=> $1 LIMIT 4").map { $0[0] }
        #expect(four.count == 4 && Array(four.prefix(2)) == [.int(1), .int(4)] && Set(four.suffix(2)) == [.int(3), .int(6)])
        // Without LIMIT it is an ordinary sort: NULL distances come last.
        let sorted = try rows("SELECT id FROM chunks WHERE kb = 'a' ORDER BY embedding <-> $1").map { $0[0] }
        #expect(sorted.count == 5 && Array(sorted.prefix(3)) == [.int(1), .int(4), .int(7)] && Set(sorted.suffix(2)) == [.int(2), .int(5)])
        // An empty table.
        try db.execute("CREATE TABLE empty (id BIGINT, embedding VECTOR(3))")
        #expect(try rows("SELECT id FROM empty ORDER BY embedding <-> $1 LIMIT 5") == [])
    }

    @Test func subqueryLiteralAndParameterFormsAgree() throws {
        let db = try shared()
        let c = Self.corpus
        // Rows with a non-zero vector near ids 42, 1000 and 2600.
        let ids = [42, 1000, 2600].map { start in (start...).first { c.vectors[$0]?.contains { $0 != 0 } == true } ?? 0 }
        for id in ids {
            let q = try #require(c.vectors[id], "row \(id) has a vector")
            let text = "[" + q.map { "\($0)" }.joined(separator: ",") + "]"
            for metric in Metric.allCases {
                let op = metric.rawValue
                let base = try search(db, "SELECT id, embedding \(op) $1 FROM chunks ORDER BY embedding \(op) $1 LIMIT 5", q)
                expectMatches(ids: base.ids, distances: base.d, expected: bruteForce(c, metric, q), limit: 5, "\(op) row \(id)")
                let forms = [
                    "(SELECT embedding FROM chunks WHERE id = \(id))",
                    "'\(text)'",
                    text,
                    "'\(text)'::vector",
                    "'\(text)'::vector(\(Corpus.dimension))",
                    "CAST('\(text)' AS VECTOR(\(Corpus.dimension)))",
                ]
                for form in forms {
                    let r = try db.execute("SELECT id, embedding \(op) \(form) FROM chunks ORDER BY embedding \(op) \(form) LIMIT 5")
                    #expect(ints(r.column(0)) == base.ids, "\(op) \(form.prefix(40))")
                    #expect(doubles(r.column(1)) == base.d, "\(op) \(form.prefix(40))")
                }
            }
        }
        // The subquery form also works with a filter and for the row itself being excluded.
        let id = ids[0]
        let q = try #require(c.vectors[id])
        let r = try db.execute("""
            SELECT id FROM chunks WHERE id <> \(id) AND kb = (SELECT kb FROM chunks WHERE id = \(id))
            ORDER BY embedding <-> (SELECT embedding FROM chunks WHERE id = \(id)) LIMIT 5
            """)
        expectMatches(ids: ints(r.column(0)), distances: nil, expected: bruteForce(c, .l2, q) { $0 != id && c.kbs[$0] == c.kbs[id] },
                      limit: 5, "subquery with filter")
    }

    /// As in pgvector, a non-zero vector's cosine distance to itself is exactly 0 (its L2 and
    /// inner-product self-distances are exact anyway), and a search for a stored row finds that row at 0.
    @Test func cosineDistanceOfAVectorToItselfIsZero() throws {
        let db = try shared()
        let r = try db.execute("SELECT id, embedding <=> embedding, embedding <-> embedding FROM chunks WHERE l2_norm(embedding) > 0")
        #expect(r.count > 1000)
        #expect(doubles(r.column(1)).allSatisfy { $0 == 0 })
        #expect(doubles(r.column(2)).allSatisfy { $0 == 0 })
        let small = try db.execute("SELECT '[0.9,0.1,0]'::vector <=> '[0.9,0.1,0]'::vector, '[3,4]'::vector <=> '[6,8]'::vector")
        #expect(doubles(small.column(0)) == [0] && doubles(small.column(1)) == [0])
        let id = try #require(ints(r.column(0)).dropFirst(7).first)
        let nearest = try db.execute("""
            SELECT id, embedding <=> (SELECT embedding FROM chunks WHERE id = \(id)) AS d FROM chunks ORDER BY d LIMIT 3
            """)
        #expect(doubles(nearest.column(1)).first == 0)
        let atZero = try db.execute("SELECT id FROM chunks WHERE embedding <=> (SELECT embedding FROM chunks WHERE id = \(id)) = 0")
        #expect(ints(atZero.column(0)).contains(id))
    }

    @Test func answersSurviveCloseAndReopen() throws {
        let t = try loaded()
        let c = Self.corpus
        let queries = c.queries(5, seed: 5)
        func answers() throws -> [(ids: [Int], d: [Double])] {
            var out: [(ids: [Int], d: [Double])] = []
            for metric in Metric.allCases {
                for q in queries {
                    out.append(try search(t.db, "SELECT id, embedding \(metric.rawValue) $1 FROM chunks ORDER BY embedding \(metric.rawValue) $1 LIMIT 10", q))
                    out.append(try search(t.db, "SELECT id, embedding \(metric.rawValue) $1 FROM chunks WHERE kb = 'kb3' ORDER BY embedding \(metric.rawValue) $1 LIMIT 10", q))
                }
            }
            return out
        }
        let before = try answers()
        try t.reopen()
        #expect(try t.db.execute("SELECT count(*), count(embedding) FROM chunks").first.map { Array($0) }
                == [.int(Int64(c.count)), .int(Int64(c.vectors.compactMap { $0 }.count))])
        let after = try answers()
        #expect(before.count == after.count)
        var k = 0
        for metric in Metric.allCases {
            for (n, q) in queries.enumerated() {
                for filtered in [false, true] {
                    let expected = bruteForce(c, metric, q) { !filtered || c.kbs[$0] == "kb3" }
                    expectMatches(ids: after[k].ids, distances: after[k].d, expected: expected, limit: 10,
                                  "after reopen \(metric.rawValue) query \(n)\(filtered ? " filtered" : "")")
                    #expect(after[k].d == before[k].d, "distances changed across reopen: \(metric.rawValue) query \(n)")
                    k += 1
                }
            }
        }
        #expect(t.db.tableDefinition("chunks")?.contains("embedding VECTOR(24)") == true)
    }

    @Test func badInputsAreRejected() throws {
        let t = try VectorTestDatabase()
        let db = t.db
        try db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR, embedding VECTOR(3))")
        try db.execute("INSERT INTO chunks VALUES (1, 'a', '[1,2,3]'), (2, 'a', NULL)")

        func failure(_ sql: String, _ params: [Value] = []) -> CairnError? {
            do {
                try db.execute(sql, params)
                return nil
            } catch let e as CairnError {
                return e
            } catch {
                Issue.record("\(sql): not a CairnError: \(error)")
                return nil
            }
        }
        /// `code` is the expected error code; errors found while binding a constant may also be `.binder`
        /// when `binderToo`.
        func expectFailure(_ sql: String, _ params: [Value] = [], code: CairnError.Code, binderToo: Bool = false, _ words: String...,
                           sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            guard let e = failure(sql, params) else {
                Issue.record("\(sql) succeeded", sourceLocation: sourceLocation)
                return
            }
            #expect(e.code == code || binderToo && e.code == .binder, "\(sql): \(e)", sourceLocation: sourceLocation)
            for w in words {
                #expect(e.message.contains(w), "\(sql): \"\(e.message)\" does not mention \"\(w)\"", sourceLocation: sourceLocation)
            }
        }

        // Wrong dimension on INSERT names the row and the column.
        expectFailure("INSERT INTO chunks VALUES (3, 'a', '[1,2]')", code: .type, "row 1", "embedding", "expected 3 dimensions, not 2")
        expectFailure("INSERT INTO chunks VALUES (3, 'a', '[1,2,3]'), (4, 'a', [1,2,3,4])", code: .type,
                      "row 2", "embedding", "expected 3 dimensions, not 4")
        expectFailure("INSERT INTO chunks VALUES ($1, $2, $3)", [.int(3), .string("a"), .vector([1, 2, 3, 4, 5])], code: .type,
                      "embedding", "expected 3 dimensions, not 5")
        // NaN and infinity.
        expectFailure("INSERT INTO chunks VALUES (3, 'a', '[1,nan,3]')", code: .type, "embedding", "NaN or infinity")
        expectFailure("INSERT INTO chunks VALUES (3, 'a', '[1,2,-inf]')", code: .type, "NaN or infinity")
        expectFailure("SELECT '[1,NaN,3]'::vector", code: .type, "NaN or infinity")
        expectFailure("SELECT [1, 1e39, 2]", code: .type, binderToo: true, "NaN or infinity")
        if let e = failure("INSERT INTO chunks VALUES ($1, $2, $3)", [.int(3), .string("a"), .vector([1, .nan, 3])]) {
            #expect(e.message.contains("NaN"), "\(e)")
        } else {
            Issue.record("a NaN vector parameter was inserted")
        }
        // Malformed literals.
        expectFailure("INSERT INTO chunks VALUES (3, 'a', '[1,x]')", code: .type, "embedding", "invalid input syntax for type vector")
        expectFailure("SELECT '[1,x]'::vector", code: .type, "invalid input syntax for type vector", "\"x\"")
        expectFailure("SELECT '1,2,3'::vector", code: .type, "invalid input syntax for type vector")
        expectFailure("SELECT '[1,2,3'::vector", code: .type, "invalid input syntax for type vector")
        expectFailure("SELECT '[]'::vector", code: .type, "invalid input syntax for type vector")
        expectFailure("SELECT '[1,2]'::vector(3)", code: .type, binderToo: true, "expected 3 dimensions, not 2")
        // Query and column of different dimensions, in a search, a projection, a filter, from a parameter
        // and against rows in a segment.
        for suffix in ["", "CHECKPOINT"] {
            if !suffix.isEmpty { try db.execute(suffix) }
            expectFailure("SELECT id FROM chunks ORDER BY embedding <-> '[1,2]' LIMIT 3", code: .type, "different vector dimensions")
            expectFailure("SELECT embedding <=> '[1,2,3,4]' FROM chunks", code: .type, "different vector dimensions")
            expectFailure("SELECT id FROM chunks WHERE embedding <#> $1 < 0", [.vector([1])], code: .type, "different vector dimensions")
            expectFailure("SELECT id FROM chunks ORDER BY cosine_distance(embedding, $1) LIMIT 1", [.vector([1, 2])], code: .type,
                          "different vector dimensions")
            expectFailure("SELECT l2_distance('[1,2]', '[1,2,3]')", code: .type, "different vector dimensions")
        }
        // VECTOR needs a dimension between 1 and 16000.
        for ddl in ["CREATE TABLE bad (v VECTOR)", "CREATE TABLE bad (v VECTOR(0))", "CREATE TABLE bad (v VECTOR(16001))",
                    "ALTER TABLE chunks ADD COLUMN v2 VECTOR"] {
            expectFailure(ddl, code: .type, "VECTOR", "dimension")
        }
        #expect(db.tableNames == ["chunks"])
        // Vectors are not ordered, so = is refused; the distance operators need vectors.
        if let e = failure("SELECT id FROM chunks WHERE embedding = '[1,2,3]'") {
            #expect(e.message.contains("cannot be compared"), "\(e)")
        } else {
            Issue.record("= on vectors was accepted")
        }
        #expect(failure("SELECT id FROM chunks ORDER BY id <-> 3 LIMIT 1") != nil)
        // Nothing above changed the table.
        #expect(try db.execute("SELECT count(*) FROM chunks").first?[0] == .int(2))
    }

    @Test func sqlSurfaceOfVectors() throws {
        let t = try VectorTestDatabase()
        let db = t.db
        try db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR, embedding VECTOR(3))")
        try db.execute("INSERT INTO chunks VALUES (1, 'a', '[3,4,0]'), (2, 'b', [3, 4, 0]), (3, 'a', NULL), (4, 'b', '[ 1 , 2.5 , -3e-1 ]')")
        try db.execute("CHECKPOINT")
        try db.execute("INSERT INTO chunks VALUES ($1, $2, $3)", [.int(5), .string("a"), .vector([1, 2.5, -0.3])])
        #expect(db.tableDefinition("chunks")?.contains("embedding VECTOR(3)") == true)
        let r = try db.execute("SELECT id, embedding, vector_dims(embedding), l2_norm(embedding) FROM chunks ORDER BY id")
        #expect(r.column(1) == [.vector([3, 4, 0]), .vector([3, 4, 0]), .null, .vector([1, 2.5, -0.3]), .vector([1, 2.5, -0.3])])
        #expect(r.column(2) == [.int(3), .int(3), .null, .int(3), .int(3)])
        #expect(r[0][3] == .double(5))
        #expect(r.columnTypes[1] == .vector)
        #expect(r[0][1].description == "[3,4,0]")
        #expect(r[3][1].description == "[1,2.5,-0.3]")
        // Distances between literals, as pgvector computes them.
        let d = try db.execute("SELECT '[1,2,3]' <-> '[4,6,3]'::vector, '[1,2,3]'::vector <#> '[4,5,6]', "
                               + "cosine_distance('[1,0]', '[0,1]'), inner_product([1,2], [3,4]), '[0,0]'::vector <=> '[1,1]'")
        #expect(Array(d[0][0..<4]) == [.double(5), .double(-32), .double(1), .double(11)])
        #expect(doubles([d[0][4]]).first?.isNaN == true)
        // GROUP BY and DISTINCT treat equal vectors as one value, NULL as its own group.
        let groups = try db.execute("SELECT embedding, count(*) FROM chunks GROUP BY embedding")
        #expect(Set(groups.map { [$0[0], $0[1]] }) == [[.vector([3, 4, 0]), .int(2)], [.vector([1, 2.5, -0.3]), .int(2)], [.null, .int(1)]])
        #expect(try db.execute("SELECT DISTINCT embedding FROM chunks").count == 3)
        #expect(try db.execute("SELECT count(DISTINCT embedding) FROM chunks").first?[0] == .int(2))
        // A search over rows from both a segment and the head, with ties broken either way.
        let hits = try db.execute("SELECT id FROM chunks ORDER BY embedding <-> $1 LIMIT 2", [.vector([1, 2.5, -0.3])])
        #expect(Set(ints(hits.column(0))) == [4, 5])
    }

    /// A table whose vectors so far are all NULL must survive a CHECKPOINT: the segment written for
    /// it has to be readable, by scans and by searches, before and after vectors arrive.
    @Test func allNullVectorsSurviveCheckpoint() throws {
        let t = try VectorTestDatabase()
        try t.db.execute("CREATE TABLE chunks (id BIGINT, embedding VECTOR(3))")
        try t.db.execute("INSERT INTO chunks VALUES (1, NULL), (2, NULL)")
        try t.db.execute("CHECKPOINT")
        #expect(try t.db.execute("SELECT id, embedding FROM chunks ORDER BY id").map { Array($0) }
                == [[.int(1), .null], [.int(2), .null]])
        #expect(try t.db.execute("SELECT id FROM chunks ORDER BY embedding <-> '[1,2,3]' LIMIT 5").count == 0)
        try t.db.execute("INSERT INTO chunks VALUES (3, '[1,2,3]')")
        try t.db.execute("CHECKPOINT")
        try t.reopen()
        #expect(try t.db.execute("SELECT id FROM chunks ORDER BY embedding <-> '[1,2,3]' LIMIT 5").map { $0[0] } == [.int(3)])
        #expect(try t.db.execute("SELECT count(*), count(embedding) FROM chunks").first.map { Array($0) } == [.int(3), .int(1)])
    }

    /// Rows written before a VECTOR column was added read as NULL and are never returned by a search.
    @Test func addedVectorColumnIsNullForOlderRows() throws {
        let t = try VectorTestDatabase()
        try t.db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR)")
        try t.db.execute("INSERT INTO chunks VALUES (1, 'a'), (2, 'b')")
        try t.db.execute("CHECKPOINT")
        try t.db.execute("ALTER TABLE chunks ADD COLUMN embedding VECTOR(2)")
        try t.db.execute("INSERT INTO chunks VALUES (3, 'a', '[1,0]'), (4, 'b', '[0,1]')")
        for step in ["", "CHECKPOINT"] {
            if !step.isEmpty { try t.db.execute(step) }
            #expect(try t.db.execute("SELECT id FROM chunks ORDER BY embedding <=> '[1,0.1]' LIMIT 10").map { $0[0] } == [.int(3), .int(4)])
            #expect(try t.db.execute("SELECT id, embedding FROM chunks ORDER BY id").map { $0[1] }
                    == [.null, .null, .vector([1, 0]), .vector([0, 1])])
        }
    }

    @Test func copyLoadsVectorsFromCSVAndJSONLines() throws {
        let t = try VectorTestDatabase()
        let db = t.db
        try db.execute("CREATE TABLE chunks (id BIGINT, kb VARCHAR, embedding VECTOR(3))")
        let csv = try t.file("chunks.csv", """
            id,kb,embedding
            1,a,"[1,2,3]"
            2,b,
            3,a,"[0.5, -1e-3, 2.25]"
            4,b,"[ -0 ,0,1 ]"

            """)
        defer { try? FileManager.default.removeItem(atPath: csv) }
        #expect(try db.execute("COPY chunks FROM '\(csv)' (FORMAT csv, HEADER)").rowsAffected == 4)

        let jsonl = try t.file("chunks.jsonl", """
            {"id": 10, "kb": "j", "embedding": [1, 2.5, -3]}
            {"id": 11, "kb": "j", "embedding": null}
            {"id": 12, "embedding": "[4,5,6]"}
            {"id": 13, "kb": "j"}
            {"embedding": [1e2, -0.25, 7E-1], "id": 14}

            """)
        defer { try? FileManager.default.removeItem(atPath: jsonl) }
        #expect(try db.execute("COPY chunks FROM '\(jsonl)' (FORMAT json)").rowsAffected == 5)

        let expected: [Int64: Value] = [
            1: .vector([1, 2, 3]), 2: .null, 3: .vector([0.5, -1e-3, 2.25]), 4: .vector([0, 0, 1]),
            10: .vector([1, 2.5, -3]), 11: .null, 12: .vector([4, 5, 6]), 13: .null, 14: .vector([100, -0.25, 0.7]),
        ]
        let r = try db.execute("SELECT id, embedding FROM chunks ORDER BY id")
        #expect(r.map { $0[0] } == expected.keys.sorted().map { Value.int($0) })
        #expect(r.map { $0[1] } == expected.keys.sorted().map { expected[$0]! })
        let near = try db.execute("SELECT id FROM chunks ORDER BY embedding <-> '[1,2,3]' LIMIT 3")
        #expect(near.map { $0[0] } == [.int(1), .int(3), .int(4)])

        // A wrong dimension fails the whole COPY and names the line and column. (Each COPY takes seconds in
        // a debug build, so there is one error case; NaN and malformed text share the parser tested in
        // VectorBlockTests and the INSERT path tested above.)
        let bad = try t.file("bad.csv", "id,kb,embedding\n20,a,\"[1,2,3]\"\n21,a,\"[1,2]\"\n")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let e1 = try #require(throws: CairnError.self) { try db.execute("COPY chunks FROM '\(bad)' (FORMAT csv, HEADER)") }
        #expect(e1.code == .invalidInput)
        #expect(e1.file == bad && e1.line == 3)
        #expect(e1.message.contains("embedding") && e1.message.contains("expected 3 dimensions, not 2"), "\(e1)")

        #expect(try db.execute("SELECT count(*) FROM chunks").first?[0] == .int(9))
    }
}
