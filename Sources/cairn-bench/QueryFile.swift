import Cairn
import Foundation

/// One named benchmark query.
struct BenchQuery {
    let name: String
    let sql: String

    /// Whether the answer's row order is part of the answer: the query has a top-level ORDER BY
    /// (an ordered-set aggregate's `WITHIN GROUP (ORDER BY …)` does not count).
    var isOrdered: Bool {
        var text = sql.lowercased()
        while let r = text.range(of: #"within\s+group\s*\(\s*order\s+by"#, options: .regularExpression) {
            text.removeSubrange(r)
        }
        return text.range(of: #"\border\s+by\b"#, options: .regularExpression) != nil
    }
}

/// Parses a query file: plain SQL where a `-- name: Q1` line starts each query. Other whole-line
/// `--` comments are dropped; a trailing `;` is optional.
enum QueryFile {
    static func parse(_ text: String, file: String) throws -> [BenchQuery] {
        var queries: [BenchQuery] = []
        var name: String?
        var lines: [Substring] = []
        func finish() {
            guard let name else { return }
            var sql = lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            while sql.hasSuffix(";") { sql.removeLast(); sql = sql.trimmingCharacters(in: .whitespacesAndNewlines) }
            queries.append(BenchQuery(name: name, sql: sql))
        }
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--") {
                let comment = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
                if comment.lowercased().hasPrefix("name:") {
                    finish()
                    let value = comment.dropFirst(5).trimmingCharacters(in: .whitespaces)
                    guard !value.isEmpty else { throw CairnError(.invalidInput, "\(file):\(number + 1): empty query name") }
                    name = value
                    lines = []
                }
                continue
            }
            if name == nil, !trimmed.isEmpty {
                throw CairnError(.invalidInput, "\(file):\(number + 1): SQL before the first \"-- name:\" line")
            }
            lines.append(line)
        }
        finish()
        if let empty = queries.first(where: { $0.sql.isEmpty }) {
            throw CairnError(.invalidInput, "\(file): query \(empty.name) has no SQL")
        }
        return queries
    }
}

/// The answer checksum shared with Benchmarks/compare/compare.py, so answers from different engines
/// can be compared without shipping them around.
///
/// Each value is normalized to text (NULL → `\N`; booleans `true`/`false`; numbers with an integral
/// value as integers, other numbers as C `%.6g`; timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]` with the
/// fraction only when non-zero; dates `YYYY-MM-DD`; times `HH:MM:SS[.ffffff]` likewise; strings and JSON as-is). A row is its values
/// joined by U+001F. Unless the query is ordered, rows are sorted by their UTF-8 bytes. The checksum
/// is 64-bit FNV-1a over the rows joined by U+001E, as 16 hex digits.
enum AnswerChecksum {
    static func normalize(_ value: Value) -> String {
        switch value {
        case .null: return "\\N"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 { return String(Int64(d)) }
            return String(format: "%.6g", d)
        case .string(let s), .json(let s): return s
        case .timestamp(let micros): return CivilTime.formatTimestamp(micros: micros)
        case .date(let days): return CivilTime.formatDate(days: Int64(days))
        case .time, .interval, .vector: return value.description
        }
    }

    /// The normalized rows, in checksum order.
    static func rows(of result: QueryResult, ordered: Bool) -> [String] {
        var rows = result.map { row in row.map(normalize).joined(separator: "\u{1F}") }
        if !ordered { rows.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
        return rows
    }

    static func checksum(of rows: [String]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func feed(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01B3
        }
        for (i, row) in rows.enumerated() {
            if i > 0 { feed(0x1E) }
            for byte in row.utf8 { feed(byte) }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
