/// Entry point of the SQL front end.
public enum SQLParser {
    /// Parses a script of `;`-separated statements. Empty statements are skipped and the final
    /// `;` is optional.
    /// - Throws: ``SQLSyntaxError`` pointing at the first offending token.
    public static func parse(_ text: String) throws(SQLSyntaxError) -> [Statement] {
        let bytes = Array(text.utf8)
        var lexer = Lexer(bytes: bytes)
        var parser = Parser(tokens: try lexer.tokenize(), source: bytes)
        return try parser.parseScript()
    }

    /// Parses one expression (a stored retention predicate), which must make up all of `text`.
    public static func parseExpression(_ text: String) throws(SQLSyntaxError) -> Expr {
        let bytes = Array(text.utf8)
        var lexer = Lexer(bytes: bytes)
        var parser = Parser(tokens: try lexer.tokenize(), source: bytes)
        let e = try parser.parseExpression()
        guard case .end = parser.current.kind else { throw parser.unexpected() }
        return e
    }

    /// True when `text` ends with a `;` that is not inside a string, quoted identifier or comment
    /// (trailing whitespace and `--` comments after it are allowed). The REPL keeps reading lines
    /// until this holds.
    public static func isComplete(_ text: String) -> Bool {
        StatementCompleteness.endsWithTerminator(Array(text.utf8))
    }
}

/// Recursive-descent parser over a token array. The token array always ends with `.end`, and
/// `current` never moves past it, so look-ahead needs no bounds checks.
///
/// Invariant: every path that can recurse (expressions, subqueries, unary chains) goes through
/// `enterNesting()`, which stops at `maximumNesting` levels or when the thread's stack runs low,
/// so no input can overflow the stack.
struct Parser {
    static let maximumNesting = 500

    let tokens: [Token]
    let source: [UInt8]
    private(set) var index = 0
    private var nesting = 0
    private let stack = StackGuard()
    /// `?` parameters are numbered left to right within each statement.
    var positionalParameters = 0
    /// The `WITH` queries in scope, innermost last, by lower-cased name: a FROM that names one reads
    /// it as a subquery (they are inlined, as DuckDB does by default).
    var commonTables: [[String: SelectStatement]] = []

    init(tokens: [Token], source: [UInt8]) {
        self.tokens = tokens
        self.source = source
    }

    // MARK: - Script and statements

    mutating func parseScript() throws(SQLSyntaxError) -> [Statement] {
        var statements: [Statement] = []
        while true {
            while accept(.semicolon) {}
            if case .end = current.kind { return statements }
            statements.append(try parseStatement())
            if !current.isSymbol(.semicolon), current.kind != .end { throw unexpected() }
        }
    }

    private mutating func parseStatement() throws(SQLSyntaxError) -> Statement {
        positionalParameters = 0
        switch current.keyword {
        case .select, .with: return .select(try parseSelect())
        case .create: return peek().isWord("INDEX") ? .createIndex(try parseCreateIndex()) : .createTable(try parseCreateTable())
        case .drop: return peek().isWord("INDEX") ? try parseDropIndex() : try parseDropTable()
        case .alter: return try parseAlterTable()
        case .insert: return .insert(try parseInsert())
        case .copy: return .copy(try parseCopy())
        case .explain: return try parseExplain()
        case .set: return try parseSet()
        case .checkpoint:
            advance()
            return .checkpoint
        case .check: return try parseMaintenance()
        default:
            if current.isSymbol(.leftParen), startsParenthesizedQuery { return .select(try parseSelect()) }
            if current.isWord("REINDEX") { return try parseReindex() }
            if current.isWord("DESCRIBE") || current.isWord("SHOW") { return try parseDescribe() }
            if current.isWord("DELETE") { return try parseDelete() }
            if current.isWord("VACUUM") || current.isWord("COMPACT") || current.isWord("BACKUP") { return try parseMaintenance() }
            throw unexpected()
        }
    }

    // MARK: - Token cursor

    var current: Token { tokens[index] }

    /// Whether a query starts here: `SELECT …` or `WITH … SELECT …`.
    var atQuery: Bool { current.isKeyword(.select) || current.isKeyword(.with) }

    /// Whether a query in parentheses starts here (`(SELECT …) UNION …`), through any number of `(`.
    var startsParenthesizedQuery: Bool {
        var k = 0
        while peek(k).isSymbol(.leftParen) { k += 1 }
        return k > 0 && (peek(k).isKeyword(.select) || peek(k).isKeyword(.with))
    }

    /// Goes back to token `position` after a speculative parse, forgetting the `?` parameters it numbered.
    mutating func rewind(to position: Int, parameters: Int) {
        index = position
        positionalParameters = parameters
    }

    /// The token `distance` places ahead (the `.end` token when past the end).
    func peek(_ distance: Int = 1) -> Token { tokens[min(index + distance, tokens.count - 1)] }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    mutating func accept(_ symbol: Symbol) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func accept(_ keyword: Keyword) -> Bool {
        guard current.isKeyword(keyword) else { return false }
        advance()
        return true
    }

    /// Consumes `symbol` and returns its position, or throws `expected "x" but found …`.
    @discardableResult
    mutating func expect(_ symbol: Symbol) throws(SQLSyntaxError) -> SQLPosition {
        let position = current.position
        guard accept(symbol) else { throw expected("\"\(symbol.rawValue)\"") }
        return position
    }

    @discardableResult
    mutating func expect(_ keyword: Keyword) throws(SQLSyntaxError) -> SQLPosition {
        let position = current.position
        guard accept(keyword) else { throw expected("\"\(keyword.rawValue.uppercased())\"") }
        return position
    }

    // MARK: - Names

    /// A column, table or alias name: a quoted identifier or an unquoted non-reserved word.
    mutating func parseIdentifier(_ what: String) throws(SQLSyntaxError) -> (name: String, position: SQLPosition) {
        let token = current
        switch token.kind {
        case .quotedIdentifier(let name):
            advance()
            return (name, token.position)
        case .word(let text, let keyword) where keyword?.isReserved != true:
            advance()
            return (text, token.position)
        default:
            throw expected(what)
        }
    }

    /// A name after `AS` or `.`, where even reserved words are unambiguous (`SELECT 1 AS order`).
    mutating func parseLabel(_ what: String) throws(SQLSyntaxError) -> String {
        switch current.kind {
        case .quotedIdentifier(let name), .word(let name, _):
            advance()
            return name
        default:
            throw expected(what)
        }
    }

    mutating func parseIdentifierList() throws(SQLSyntaxError) -> [String] {
        try expect(.leftParen)
        var names = [try parseIdentifier("a column name").name]
        while accept(.comma) { names.append(try parseIdentifier("a column name").name) }
        try expect(.rightParen)
        return names
    }

    // MARK: - Nesting

    mutating func enterNesting() throws(SQLSyntaxError) {
        guard nesting < Self.maximumNesting, stack.hasRoom else {
            throw SQLSyntaxError("statement is nested too deeply", at: current.position)
        }
        nesting += 1
    }

    mutating func leaveNesting() { nesting -= 1 }

    // MARK: - Errors

    /// `syntax error at or near "x"`, PostgreSQL's wording for an unexpected token.
    func unexpected(_ token: Token? = nil) -> SQLSyntaxError {
        let token = token ?? current
        if case .end = token.kind { return SQLSyntaxError("syntax error at end of input", at: token.position) }
        return SQLSyntaxError("syntax error at or near \(describe(token))", at: token.position)
    }

    /// `expected <what> but found "x"` at the current token.
    func expected(_ what: String) -> SQLSyntaxError {
        SQLSyntaxError("expected \(what) but found \(describe(current))", at: current.position)
    }

    /// The token as written, quoted, or `end of input`; long tokens are shortened.
    func describe(_ token: Token) -> String {
        if case .end = token.kind { return "end of input" }
        let limit = 40
        guard token.end - token.start > limit else {
            return "\"\(String(decoding: source[token.start..<token.end], as: UTF8.self))\""
        }
        var cut = token.start + limit
        while cut > token.start && source[cut] & 0xC0 == 0x80 { cut -= 1 }  // stay on a character boundary
        return "\"\(String(decoding: source[token.start..<cut], as: UTF8.self))…\""
    }

    /// The source text of a token, e.g. a number as written.
    func text(of token: Token) -> String { String(decoding: source[token.start..<token.end], as: UTF8.self) }
}
