import CairnSQL
import Foundation
import Testing

/// Deterministic generator so a failing input can be reproduced from the seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FuzzTests {
    static let validStatements = [
        "SELECT DISTINCT level, count(*) AS n FROM logs l WHERE ts >= now() - INTERVAL 7 DAY GROUP BY level HAVING count(*) > 1 ORDER BY n DESC NULLS LAST LIMIT 10 OFFSET 2",
        "SELECT data->>'k' = 'v', emb <-> [1.0, -2.5e3] AS d FROM t WHERE x NOT IN (SELECT y FROM u) AND s NOT ILIKE 'a%' ESCAPE '!'",
        "SELECT CASE WHEN a BETWEEN 1 AND 2 THEN 'x' ELSE CAST(b AS DOUBLE PRECISION)::text END, EXTRACT(hour FROM ts) FROM t",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency), \"Q\".*, $1, ? FROM (SELECT * FROM t) AS q",
        "CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY, ts TIMESTAMP WITH TIME ZONE NOT NULL, v VECTOR(3) DEFAULT [1,2,3]) PARTITION BY day(ts) WITH (ttl = '30 days')",
        "INSERT INTO t (a, b) VALUES (1, 'it''s'), (-2, NULL), (TIMESTAMP '2024-01-01', DATE '2024-01-02')",
        "COPY t (a, b) FROM '/tmp/x.csv' (FORMAT csv, HEADER, DELIMITER ',')",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS c VARCHAR(255) NOT NULL; DROP TABLE IF EXISTS t; CHECKPOINT; SET ivfflat.probes = 16",
        "EXPLAIN ANALYZE SELECT a, -b::int, TRY_CAST(c AS DECIMAL(10, 2)) FROM t /* comment */ -- tail\n WHERE d IS NOT NULL",
    ]

    static let vocabulary = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "HAVING", "LIMIT", "OFFSET", "AND", "OR", "NOT",
        "IN", "LIKE", "ILIKE", "BETWEEN", "IS", "NULL", "TRUE", "CASE", "WHEN", "THEN", "ELSE", "END", "CAST",
        "AS", "INTERVAL", "TIMESTAMP", "DATE", "EXTRACT", "WITHIN", "DISTINCT", "CREATE", "TABLE", "INSERT",
        "INTO", "VALUES", "COPY", "SET", "TO", "EXPLAIN", "ANALYZE", "PARTITION", "WITH", "DEFAULT", "PRIMARY",
        "KEY", "DOUBLE", "PRECISION", "day", "a", "t", "\"Q\"", "count", "f", "1", "2.5", ".5", "1e3",
        "9223372036854775808", "'s'", "'it''s'", "$1", "?", "(", ")", "[", "]", ",", ".", ";", "*", "+",
        "-", "/", "%", "=", "<>", "!=", "<", "<=", ">", ">=", "||", "::", "->", "->>", "<->", "<#>", "<=>",
        "--c\n", "/*c*/", "'", "\"", "/*", "$", "!", "@", "é",
    ]

    static let insertions: [Character] = Array("()[],.;'\"*+-/%=<>!|:$?@ \n\taZ09é")

    /// Parsing must either succeed or throw a syntax error whose position lies within the text.
    private func checkTotal(_ sql: String) {
        let byteCount = sql.utf8.count
        do {
            _ = try SQLParser.parse(sql)
        } catch {
            #expect(error.position.offset >= 0 && error.position.offset <= byteCount, "\(sql)")
            #expect(error.position.line >= 1 && error.position.column >= 1, "\(sql)")
            #expect(!error.message.isEmpty)
        }
        _ = SQLParser.isComplete(sql)
    }

    @Test func validCorpusParses() throws {
        for sql in Self.validStatements {
            #expect(syntaxError(sql) == nil, "\(sql)")
        }
    }

    @Test func randomTokenSoups() {
        var random = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<3_000 {
            let count = Int.random(in: 1...40, using: &random)
            var sql = ""
            for _ in 0..<count {
                sql += Self.vocabulary.randomElement(using: &random) ?? ""
                if Bool.random(using: &random) { sql += " " }
            }
            checkTotal(sql)
        }
    }

    @Test func mutationsOfValidStatements() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<4_000 {
            var characters = Array(Self.validStatements.randomElement(using: &random) ?? "")
            for _ in 0..<Int.random(in: 1...4, using: &random) where !characters.isEmpty {
                let at = Int.random(in: 0..<characters.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    let length = min(Int.random(in: 1...8, using: &random), characters.count - at)
                    characters.removeSubrange(at..<(at + length))
                case 1:
                    characters.insert(Self.insertions.randomElement(using: &random) ?? " ", at: at)
                default:
                    let length = min(Int.random(in: 1...12, using: &random), characters.count - at)
                    characters.insert(contentsOf: characters[at..<(at + length)], at: at)
                }
            }
            checkTotal(String(characters))
        }
    }

    /// Parses each input on a fresh thread with the given stack size; returns the error messages.
    private func parseOnThread(stackSize: Int, _ inputs: [String]) async -> [String?] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[String?], Never>) in
            let thread = Thread {
                continuation.resume(returning: inputs.map { syntaxError($0)?.message })
            }
            thread.stackSize = stackSize
            thread.start()
        }
    }

    private static func deeplyNested(_ depth: Int) -> [String] {
        [
            "SELECT " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth),
            "SELECT " + String(repeating: "- ", count: depth) + "1",
            "SELECT " + String(repeating: "NOT ", count: depth) + "true",
            "SELECT " + String(repeating: "CASE WHEN ", count: depth),
            "SELECT " + String(repeating: "f(g(x, ", count: depth),
            "SELECT * FROM " + String(repeating: "(SELECT * FROM ", count: depth),
            "SELECT x IN (" + String(repeating: "SELECT (", count: depth),
        ]
    }

    /// macOS runs secondary threads (and Swift concurrency) on 512 KiB stacks, where even debug
    /// builds must stop with an error instead of overflowing.
    @Test func deepNestingFailsCleanlyOnASmallStack() async {
        let messages = await parseOnThread(stackSize: 512 * 1024, Self.deeplyNested(2_000))
        #expect(messages == Array(repeating: "statement is nested too deeply", count: messages.count))
        let modest = "SELECT " + String(repeating: "(", count: 10) + "1" + String(repeating: ")", count: 10)
        #expect(await parseOnThread(stackSize: 512 * 1024, [modest]) == [nil])
    }

    /// With a large stack the fixed limit of 500 levels applies.
    @Test func nestingLimitOnALargeStack() async {
        let messages = await parseOnThread(stackSize: 256 * 1024 * 1024, Self.deeplyNested(600))
        #expect(messages == Array(repeating: "statement is nested too deeply", count: messages.count))
        let parens = 400
        let deep = "SELECT " + String(repeating: "(", count: parens) + "1" + String(repeating: ")", count: parens)
        #expect(await parseOnThread(stackSize: 256 * 1024 * 1024, [deep]) == [nil])
    }
}
