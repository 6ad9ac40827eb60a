// pgvector's index DDL: CREATE INDEX … USING ivfflat, DROP INDEX, REINDEX.

extension Parser {
    /// `CREATE INDEX [IF NOT EXISTS] [name] ON table USING method (column [opclass]) [WITH (key = value, …)]`
    mutating func parseCreateIndex() throws(SQLSyntaxError) -> CreateIndex {
        let start = try expect(.create)
        try expectWord("INDEX")
        let ifNotExists = try parseIfNotExists()
        var name: String?
        if !current.isKeyword(.on) { name = try parseIdentifier("an index name").name }
        try expect(.on)
        let (table, position) = try parseIdentifier("a table name")
        var method = "ivfflat"
        if accept(.using) { method = try parseLabel("an index method").lowercased() }
        try expect(.leftParen)
        let (column, _) = try parseIdentifier("a column name")
        var opclass: String?
        if !current.isSymbol(.rightParen) { opclass = try parseLabel("an operator class").lowercased() }
        try expect(.rightParen)
        var options: [String: Expr] = [:]
        if accept(.with) { options = try parseOptionList() }
        return CreateIndex(name: name, ifNotExists: ifNotExists, table: table, method: method, column: column,
                           opclass: opclass, options: options, position: name == nil ? position : start)
    }

    /// `DROP INDEX [IF EXISTS] name`
    mutating func parseDropIndex() throws(SQLSyntaxError) -> Statement {
        try expect(.drop)
        try expectWord("INDEX")
        var ifExists = false
        if accept(.if) {
            try expect(.exists)
            ifExists = true
        }
        let (name, position) = try parseIdentifier("an index name")
        return .dropIndex(name: name, ifExists: ifExists, position: position)
    }

    /// `REINDEX [INDEX] name`
    mutating func parseReindex() throws(SQLSyntaxError) -> Statement {
        try expectWord("REINDEX")
        if current.isWord("INDEX") { advance() }
        let (name, position) = try parseIdentifier("an index name")
        return .reindex(name: name, position: position)
    }

    mutating func expectWord(_ word: String) throws(SQLSyntaxError) {
        guard current.isWord(word) else { throw expected(word) }
        advance()
    }
}

extension Token {
    /// Whether this is the unquoted word `word` (compared case-insensitively), keyword or not.
    func isWord(_ word: String) -> Bool {
        if case .word(let text, _) = kind { return text.uppercased() == word }
        return false
    }
}
