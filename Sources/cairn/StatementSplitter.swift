/// One unit of shell input: a SQL statement (without its terminating `;`) or a dot command line.
enum ShellCommand: Equatable {
    case sql(String)
    case dot(String)
}

/// Cuts shell input, fed line by line, into statements and dot commands.
///
/// A statement ends at a `;` outside string literals (`'…'`), quoted identifiers (`"…"`) and
/// comments (`-- …`, `/* … */`, which nest as in PostgreSQL). A line starting with `.` is a dot command, but only between
/// statements. Statements that hold nothing but comments are dropped.
struct StatementSplitter {
    /// Text of the statement being collected, up to the last fed line.
    private(set) var pending = ""

    /// True when no unfinished statement is being collected (the shell shows its main prompt).
    var isIdle: Bool { StatementSplitter.isBlank(pending) }

    /// Adds one line (without its newline) and returns the commands it completed.
    mutating func feed(line: String) -> [ShellCommand] {
        if isIdle, line.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix(".") {
            pending = ""
            return [.dot(line.trimmingWhitespace())]
        }
        pending += pending.isEmpty ? line : "\n" + line
        var commands: [ShellCommand] = []
        while let end = StatementSplitter.firstTerminator(in: pending) {
            let statement = String(pending[..<end])
            pending = String(pending[pending.index(after: end)...])
            if !StatementSplitter.isBlank(statement) {
                commands.append(.sql(statement.trimmingWhitespace()))
            }
        }
        if isIdle { pending = "" }
        return commands
    }

    /// Ends the input: the unterminated statement left over, if it holds more than comments.
    mutating func finish() -> ShellCommand? {
        defer { pending = "" }
        return isIdle ? nil : .sql(pending.trimmingWhitespace())
    }

    /// Drops the unfinished statement (Ctrl-C at a continuation prompt).
    mutating func reset() { pending = "" }

    // MARK: Scanning

    private enum State { case code, string, identifier, lineComment, blockComment(depth: Int) }

    /// Scans `text` and calls `visit` with each code character outside literals and comments.
    /// Returns the index at which `visit` returned true, if any.
    private static func scan(_ text: String, until visit: (Character) -> Bool) -> String.Index? {
        var state = State.code
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            let following: Character? = next < text.endIndex ? text[next] : nil
            switch state {
            case .code:
                if character == "-" && following == "-" { state = .lineComment; index = next }
                else if character == "/" && following == "*" { state = .blockComment(depth: 1); index = next }
                else {
                    // Quotes are visited too: an unterminated literal is not blank.
                    if visit(character) { return index }
                    if character == "'" { state = .string } else if character == "\"" { state = .identifier }
                }
            case .string:
                // A doubled quote is an escaped quote and stays inside the literal.
                if character == "'" {
                    if following == "'" { index = next } else { state = .code }
                }
            case .identifier:
                if character == "\"" {
                    if following == "\"" { index = next } else { state = .code }
                }
            case .lineComment:
                if character == "\n" { state = .code }
            case .blockComment(let depth):
                if character == "*" && following == "/" {
                    state = depth == 1 ? .code : .blockComment(depth: depth - 1)
                    index = next
                } else if character == "/" && following == "*" {
                    state = .blockComment(depth: depth + 1)
                    index = next
                }
            }
            index = text.index(after: index)
        }
        return nil
    }

    static func firstTerminator(in text: String) -> String.Index? {
        scan(text) { $0 == ";" }
    }

    /// True when `text` is only whitespace and comments.
    static func isBlank(_ text: String) -> Bool {
        scan(text) { !$0.isWhitespace } == nil
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let start = firstIndex(where: { !$0.isWhitespace }) ?? endIndex
        let end = lastIndex(where: { !$0.isWhitespace }).map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }
}
