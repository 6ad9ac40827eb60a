// Decides whether REPL input is a finished statement, without tokenizing it: the text may be
// half-typed, so unterminated strings and comments are states here, not errors.

enum StatementCompleteness {
    private enum State {
        case normal, singleQuoted, doubleQuoted, lineComment
        /// Block comments nest.
        case blockComment(depth: Int)
    }

    /// True when the last significant character is a `;` outside strings, quoted identifiers and
    /// comments, and no string or block comment is left open.
    static func endsWithTerminator(_ bytes: [UInt8]) -> Bool {
        var state = State.normal
        var endsWithSemicolon = false
        var index = 0
        while index < bytes.count {
            let b = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            switch state {
            case .normal:
                if b == ascii("'") {
                    state = .singleQuoted
                    endsWithSemicolon = false
                } else if b == ascii("\"") {
                    state = .doubleQuoted
                    endsWithSemicolon = false
                } else if b == ascii("-") && next == ascii("-") {
                    state = .lineComment
                    index += 1
                } else if b == ascii("/") && next == ascii("*") {
                    state = .blockComment(depth: 1)
                    index += 1
                } else if b == ascii(";") {
                    endsWithSemicolon = true
                } else if !(b == 0x20 || (b >= 0x09 && b <= 0x0D)) {
                    endsWithSemicolon = false
                }
            case .singleQuoted, .doubleQuoted:
                // A doubled quote re-enters the quoted state on the next byte, so it needs no special case.
                if case .singleQuoted = state, b == ascii("'") { state = .normal }
                if case .doubleQuoted = state, b == ascii("\"") { state = .normal }
            case .lineComment:
                if b == ascii("\n") { state = .normal }
            case .blockComment(let depth):
                if b == ascii("/") && next == ascii("*") {
                    state = .blockComment(depth: depth + 1)
                    index += 1
                } else if b == ascii("*") && next == ascii("/") {
                    state = depth == 1 ? .normal : .blockComment(depth: depth - 1)
                    index += 1
                }
            }
            index += 1
        }
        switch state {
        case .normal, .lineComment: return endsWithSemicolon
        case .singleQuoted, .doubleQuoted, .blockComment: return false
        }
    }
}
