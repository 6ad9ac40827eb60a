import Cairn
import Foundation
import Testing

/// Two shortcuts of the scan must not change answers: filters on strings decoded from dictionary
/// blocks and GROUP BY on them work per distinct string, and conjuncts that a block's zone maps
/// prove true are not evaluated. Each query is checked against a Swift evaluation of the same rows,
/// with NULLs, on segments (checkpointed) and on the in-memory head.
@Suite struct ScanShortcutTests {
    struct Row {
        var day: Int
        var second: Int
        var kind: String?
        var score: Int?
    }

    static let kinds = ["alpha", "beta", "gamma", "delta", "beta_x", "Beta", ""]

    static func rows() -> [Row] {
        var rng = SplitMix(seed: 7)
        return (0..<6000).map { i in
            let k = Int(rng.next() % UInt64(kinds.count + 1))
            return Row(day: i / 1000, second: Int(rng.next() % 86_400), kind: k == kinds.count ? nil : kinds[k],
                       score: i % 13 == 0 ? nil : Int(rng.next() % 100))
        }
    }

    static func literal(_ r: Row) -> String {
        let ts = String(format: "2025-09-%02d %02d:%02d:%02d", r.day + 1, r.second / 3600, r.second / 60 % 60, r.second % 60)
        return "('\(ts)', \(r.kind.map { "'\($0)'" } ?? "NULL"), \(r.score.map(String.init) ?? "NULL"))"
    }

    func load(_ t: TempDatabase, _ rows: [Row], checkpoint: Bool) throws {
        try t.db.execute("CREATE TABLE t (ts TIMESTAMP, kind VARCHAR, score INTEGER) PARTITION BY day(ts)")
        for chunk in stride(from: 0, to: rows.count, by: 500) {
            let values = rows[chunk..<min(rows.count, chunk + 500)].map(Self.literal).joined(separator: ", ")
            try t.db.execute("INSERT INTO t VALUES \(values)")
        }
        if checkpoint { try t.db.execute("CHECKPOINT") }
    }

    /// Filters that cannot fail run over stored rows before deleted ones are dropped; filters that
    /// can (`100 % score`, which fails on the deleted rows whose score is 0) see live rows only.
    /// Both must count exactly the live matching rows, and a second DELETE must find only rows the
    /// first left.
    @Test func filtersOverSegmentsWithDeletesMatchARowByRowEvaluation() throws {
        let t = try TempDatabase()
        let rows = Self.rows()
        try load(t, rows, checkpoint: true)
        #expect(rows.contains { $0.score == 0 })  // so that `100 % score` would fail on deleted rows
        let firstDeleted = rows.filter { $0.kind == "gamma" || $0.score == 0 }.count
        #expect(try t.rows("DELETE FROM t WHERE kind = 'gamma' OR score = 0") == [["\(firstDeleted)"]])
        let live = rows.filter { !($0.kind == "gamma" || $0.score == 0) }
        let filters: [(String, (Row) -> Bool)] = [
            ("kind = 'beta'", { $0.kind == "beta" }), ("kind = 'gamma'", { _ in false }),
            ("kind <> 'alpha' AND score < 50", { $0.kind.map { $0 != "alpha" } ?? false && $0.score.map { $0 < 50 } ?? false }),
            ("kind IN ('delta', 'Beta') OR score IS NULL", { ["delta", "Beta"].contains($0.kind ?? "-") || $0.score == nil }),
            ("100 % score < 5", { $0.score.map { 100 % $0 < 5 } ?? false }),
        ]
        for (sql, test) in filters {
            let expected = live.filter(test)
            let sum = expected.compactMap(\.score).reduce(0, +)
            #expect(try t.rows("SELECT count(*), coalesce(sum(score), 0) FROM t WHERE \(sql)") == [["\(expected.count)", "\(sum)"]], "\(sql)")
        }
        let secondDeleted = live.filter { $0.kind == "beta" }.count
        #expect(try t.rows("DELETE FROM t WHERE kind = 'beta'") == [["\(secondDeleted)"]])
        #expect(try t.rows("SELECT count(*) FROM t") == [["\(live.count - secondDeleted)"]])
    }

    @Test(arguments: [true, false])
    func dictionaryFiltersAndGroupsMatchARowByRowEvaluation(checkpoint: Bool) throws {
        let t = try TempDatabase()
        let rows = Self.rows()
        try load(t, rows, checkpoint: checkpoint)
        let comparisons: [(String, (String) -> Bool)] = [
            ("= 'beta'", { $0 == "beta" }), ("<> 'beta'", { $0 != "beta" }), ("< 'beta'", { $0 < "beta" }),
            ("<= 'beta'", { $0 <= "beta" }), ("> 'beta'", { $0 > "beta" }), (">= 'beta'", { $0 >= "beta" }),
            ("= ''", { $0.isEmpty }), ("= 'missing'", { _ in false }),
        ]
        for (sql, test) in comparisons {
            let expected = rows.filter { $0.kind.map(test) ?? false }.count
            #expect(try t.rows("SELECT count(*) FROM t WHERE kind \(sql)") == [["\(expected)"]], "kind \(sql)")
        }
        var groups: [String: Int] = [:]
        for r in rows { groups[r.kind ?? "NULL", default: 0] += 1 }
        let expected = groups.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { [$0.key, "\($0.value)"] }
        let got = try t.rows("SELECT coalesce(kind, 'NULL') AS k, count(*) FROM t GROUP BY kind ORDER BY k")
        #expect(got == expected)
    }

    @Test(arguments: [true, false])
    func conjunctsProvenByZoneMapsAreSkippedWithoutChangingAnswers(checkpoint: Bool) throws {
        let t = try TempDatabase()
        let rows = Self.rows()
        try load(t, rows, checkpoint: checkpoint)
        // Whole days inside the range, days cut by it, a column with NULLs (never proven), and a
        // conjunct that is not a constraint at all.
        let cases: [(String, (Row) -> Bool)] = [
            ("ts >= TIMESTAMP '2025-09-02 00:00:00' AND ts < TIMESTAMP '2025-09-05 00:00:00'", { (1...3).contains($0.day) }),
            ("ts >= TIMESTAMP '2025-09-02 12:00:00' AND ts < TIMESTAMP '2025-09-05 00:00:00'",
             { ($0.day == 1 && $0.second >= 43_200) || (2...3).contains($0.day) }),
            ("ts >= TIMESTAMP '2025-09-01 00:00:00' AND score >= 0", { $0.score != nil }),
            ("ts < TIMESTAMP '2025-09-07 00:00:00' AND score IS NOT NULL", { $0.score != nil }),
            ("ts < TIMESTAMP '2025-09-07 00:00:00' AND ts IS NOT NULL AND kind = 'beta'", { $0.kind == "beta" }),
            ("ts >= TIMESTAMP '2025-09-03 00:00:00' AND (score > 50 OR kind IS NULL)",
             { $0.day >= 2 && (($0.score ?? 0) > 50 || $0.kind == nil) }),
            ("ts <> TIMESTAMP '2025-09-01 00:00:00'", { !($0.day == 0 && $0.second == 0) }),
        ]
        for (sql, test) in cases {
            let expected = rows.filter(test)
            let sum = expected.reduce(0) { $0 + ($1.score ?? 0) }
            let got = try t.rows("SELECT count(*), coalesce(sum(score), 0) FROM t WHERE \(sql)")
            #expect(got == [["\(expected.count)", "\(sum)"]], "WHERE \(sql)")
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
