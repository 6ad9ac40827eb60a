// Tokens produced by `Lexer` and consumed by `Parser`.

/// Punctuation and operators. Multi-character operators are lexed longest-match first.
enum Symbol: String, Sendable {
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
    case comma = ",", dot = ".", semicolon = ";"
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
    /// DuckDB's integer division.
    case doubleSlash = "//"
    /// `<>` and `!=` both lex to `notEqual`.
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case concat = "||", doubleColon = "::", arrow = "->", doubleArrow = "->>"
    case l2Distance = "<->", negativeInnerProduct = "<#>", cosineDistance = "<=>"
    /// PostgreSQL's regular-expression matches: `~`, `~*` (case-insensitive) and their negations.
    case regexMatch = "~", regexMatchInsensitive = "~*", notRegexMatch = "!~", notRegexMatchInsensitive = "!~*"
    /// PostgreSQL's spellings of LIKE (`~~`), ILIKE (`~~*`) and their negations.
    case like = "~~", ilike = "~~*", notLike = "!~~", notILike = "!~~*"
}

enum TokenKind: Sendable, Equatable {
    /// An unquoted identifier or keyword, lower-cased; `keyword` is set when the text is one.
    case word(String, keyword: Keyword?)
    /// A `"quoted"` identifier, case preserved, `""` unescaped.
    case quotedIdentifier(String)
    /// A `'string'` literal, `''` unescaped.
    case string(String)
    case integer(Int64)
    /// A number with a fraction or exponent, or an integer too large for Int64.
    case decimal(Double)
    /// `$n`
    case parameter(Int)
    /// `?`
    case questionMark
    case symbol(Symbol)
    /// Always the last token, so the parser can look ahead without bounds checks.
    case end
}

struct Token: Sendable {
    var kind: TokenKind
    /// Byte range in the source text (for quoting the token in error messages).
    var start: Int
    var end: Int
    var position: SQLPosition

    var keyword: Keyword? {
        if case .word(_, let keyword) = kind { return keyword }
        return nil
    }

    func isSymbol(_ symbol: Symbol) -> Bool {
        if case .symbol(let s) = kind { return s == symbol }
        return false
    }

    func isKeyword(_ keyword: Keyword) -> Bool { self.keyword == keyword }

    var isNumber: Bool {
        switch kind {
        case .integer, .decimal: true
        default: false
        }
    }

    var isString: Bool {
        if case .string = kind { return true }
        return false
    }
}
