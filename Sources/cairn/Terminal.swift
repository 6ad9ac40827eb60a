import Cairn
import Foundation

/// Unbuffered writes to stdout (results) and stderr (diagnostics), so the two interleave in the
/// order they were produced.
enum Terminal {
    static func writeOutput(_ text: String) { write(text, to: STDOUT_FILENO) }
    static func writeError(_ text: String) { write(text, to: STDERR_FILENO) }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

/// Points at the position of a SQL error, like PostgreSQL and DuckDB:
///
///     LINE 1: SELECT tenant FROM events
///                    ^
enum ErrorCaret {
    static func render(sql: String, location: SourceLocation) -> String {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false)
        guard location.line >= 1, location.line <= lines.count else { return "" }
        let line = lines[location.line - 1]
        let prefix = "LINE \(location.line): "
        // Keep tabs so the caret lines up under tab-indented SQL.
        let lead = line.prefix(max(0, location.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return prefix + line + "\n" + String(repeating: " ", count: prefix.count) + lead + "^\n"
    }
}
