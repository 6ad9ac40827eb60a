import ArgumentParser
import Cairn
import enum CairnFormat.JSONText

/// How results are printed (`--format`, `.mode`).
enum OutputMode: String, CaseIterable, ExpressibleByArgument {
    /// Box-drawn table with column names and types, like DuckDB's default.
    case table
    /// RFC 4180 CSV with a header line; NULL is an empty field.
    case csv
    /// One JSON array of objects.
    case json
    /// One JSON object per line.
    case jsonl
    /// A GitHub-flavoured Markdown pipe table.
    case markdown
    /// One `column = value` line per column, a blank line between rows (for wide rows).
    case line
    /// Values separated by `|`, a header line first; NULL is empty.
    case list
    /// Values separated by tabs, a header line first; NULL is empty.
    case tabs

    /// A mode by name, including the names DuckDB's and SQLite's shells use for the same output
    /// (`box`, `duckbox`, `jsonlines`, `ndjson`, `md`).
    init?(name: String) {
        switch name.lowercased() {
        case "box", "duckbox": self = .table
        case "jsonlines", "ndjson": self = .jsonl
        case "md": self = .markdown
        default: self.init(rawValue: name.lowercased())
        }
    }

    init?(argument: String) { self.init(name: argument) }
}

/// Renders a ``QueryResult`` as text in one ``OutputMode``.
struct OutputFormatter {
    var mode: OutputMode
    /// Tables with more rows show the first and last half of this many (nil: every row).
    var maxTableRows: Int? = 40
    /// Longer cells are cut with an ellipsis in table mode; a lone column (an EXPLAIN plan) gets more room.
    var maxCellWidth = 48
    var maxSingleColumnWidth = 160

    /// The text to print for `result` (ending in a newline), or nil when there is nothing to print.
    func render(_ result: QueryResult?) -> String? {
        guard let result else { return nil }
        switch mode {
        case .table: return renderTable(result)
        case .csv: return renderCSV(result)
        case .json: return renderJSON(result, lines: false)
        case .jsonl: return result.isEmpty ? nil : renderJSON(result, lines: true)
        case .markdown: return renderMarkdown(result)
        case .line: return result.isEmpty ? nil : renderLines(result)
        case .list: return renderSeparated(result, "|")
        case .tabs: return renderSeparated(result, "\t")
        }
    }

    // MARK: Table

    private func renderTable(_ result: QueryResult) -> String {
        let columnCount = result.columnNames.count
        let rowCount = result.count
        let maxRows = maxTableRows ?? rowCount
        let truncated = rowCount > maxRows
        let shownRows: [Int] = truncated
            ? Array(0..<maxRows / 2) + Array(rowCount - maxRows / 2 ..< rowCount)
            : Array(0..<rowCount)

        let types = result.columnTypes.map { $0.description.lowercased() }
        let limit = columnCount == 1 ? maxSingleColumnWidth : maxCellWidth
        var cells: [[String]] = shownRows.map { row in
            result[row].map { clip(displayText($0), limit) }
        }
        var widths = (0..<columnCount).map { column in
            max(result.columnNames[column].count, types[column].count,
                cells.map { $0[column].count }.max() ?? 0)
        }
        let rightAligned = result.columnTypes.map(\.isNumber)

        // A footer row spanning the table: the row count when rows were left out or there are none.
        let plural = columnCount == 1 ? "" : "s"
        let footer: (left: String, right: String)? =
            truncated ? ("\(rowCount) rows (\(shownRows.count) shown)", "\(columnCount) column\(plural)")
            : rowCount == 0 ? ("0 rows", "") : nil
        var inner: Int { widths.reduce(0, +) + 3 * (columnCount - 1) + 2 }
        if let footer, let last = widths.indices.last {
            let needed = footer.left.count + footer.right.count + 4
            if needed > inner { widths[last] += needed - inner }
        }

        func border(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        func line(_ values: [String], alignRight: [Bool]) -> String {
            "│" + values.indices.map { " " + pad(values[$0], to: widths[$0], right: alignRight[$0]) + " " }
                .joined(separator: "│") + "│\n"
        }
        func centered(_ values: [String]) -> String {
            "│" + values.indices.map { " " + center(values[$0], to: widths[$0]) + " " }.joined(separator: "│") + "│\n"
        }

        var out = border("┌", "┬", "┐")
        out += centered(result.columnNames)
        out += centered(types)
        out += border("├", "┼", "┤")
        if truncated {
            let half = maxRows / 2
            for row in cells[..<half] { out += line(row, alignRight: rightAligned) }
            let dots = Array(repeating: "·", count: columnCount)
            for _ in 0..<3 { out += centered(dots) }
            cells.removeFirst(half)
        }
        for row in cells { out += line(row, alignRight: rightAligned) }
        if let footer {
            out += border("├", "┴", "┤")
            let gap = inner - 2 - footer.left.count - footer.right.count
            out += "│ " + footer.left + String(repeating: " ", count: gap) + footer.right + " │\n"
            out += "└" + String(repeating: "─", count: inner) + "┘\n"
        } else {
            out += border("└", "┴", "┘")
        }
        return out
    }

    /// Cell text with control characters made visible so every row stays on one line.
    private func displayText(_ value: Value) -> String {
        let text = value.description
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
            .replacingOccurrences(of: "\t", with: "\\t")
    }

    private func clip(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    private func pad(_ text: String, to width: Int, right: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }

    private func center(_ text: String, to width: Int) -> String {
        let total = max(0, width - text.count)
        return String(repeating: " ", count: total / 2) + text + String(repeating: " ", count: total - total / 2)
    }

    // MARK: CSV

    private func renderCSV(_ result: QueryResult) -> String {
        var out = result.columnNames.map(csvField).joined(separator: ",") + "\n"
        for row in result {
            out += row.map { $0.isNull ? "" : csvField($0.description) }.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Quotes a field when it is empty (to tell it from NULL) or holds a comma, quote or line break.
    private func csvField(_ text: String) -> String {
        guard text.isEmpty || text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Line, list and tabs

    private func renderLines(_ result: QueryResult) -> String {
        let width = result.columnNames.map(\.count).max() ?? 0
        return result.map { row in
            row.indices.map { i in
                String(repeating: " ", count: width - result.columnNames[i].count) + result.columnNames[i] + " = " + row[i].description
            }.joined(separator: "\n") + "\n"
        }.joined(separator: "\n")
    }

    private func renderSeparated(_ result: QueryResult, _ separator: String) -> String {
        var out = result.columnNames.joined(separator: separator) + "\n"
        for row in result { out += row.map { $0.isNull ? "" : $0.description }.joined(separator: separator) + "\n" }
        return out
    }

    // MARK: JSON

    private func renderJSON(_ result: QueryResult, lines: Bool) -> String {
        let keys = result.columnNames.map(JSONText.quote)
        let objects = result.map { row in
            "{" + row.indices.map { keys[$0] + ":" + JSONText.value(row[$0]) }.joined(separator: ",") + "}"
        }
        if lines { return objects.joined(separator: "\n") + "\n" }
        return "[" + objects.joined(separator: ",\n") + "]\n"
    }

    // MARK: Markdown

    private func renderMarkdown(_ result: QueryResult) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
        }
        var out = "| " + result.columnNames.map(escape).joined(separator: " | ") + " |\n"
        out += "|" + result.columnTypes.map { $0.isNumber ? "---:" : "---" }.joined(separator: "|") + "|\n"
        for row in result {
            out += "| " + row.map { escape($0.description) }.joined(separator: " | ") + " |\n"
        }
        return out
    }
}

extension ColumnType {
    /// Numbers are right-aligned in tables.
    var isNumber: Bool {
        switch self {
        case .smallint, .integer, .bigint, .real, .double: true
        default: false
        }
    }
}
