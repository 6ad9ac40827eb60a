// INSERT, COPY, EXPLAIN and SET.

/// COPY options that take a bare word value in the unparenthesized form (`FORMAT json`);
/// any other bare option is a flag unless a literal follows (`HEADER`, `DELIMITER ','`).
private let copyOptionsWithWordValues: Set<String> = ["format", "compression", "encoding"]

extension Parser {
    /// `INSERT INTO t [(cols)] VALUES (…), (…)` or `INSERT INTO t [(cols)] SELECT …`
    mutating func parseInsert() throws(SQLSyntaxError) -> Insert {
        try expect(.insert)
        try expect(.into)
        let (table, position) = try parseIdentifier("a table name")
        let columns = current.isSymbol(.leftParen) ? try parseIdentifierList() : nil
        if atQuery {
            return Insert(table: table, columns: columns, source: .select(try parseSelect()), position: position)
        }
        guard current.isKeyword(.values) else { throw expected("VALUES or SELECT") }
        return Insert(table: table, columns: columns, source: .values(try parseValueRows()), position: position)
    }

    /// `VALUES (a, b), (c, d), …`: the rows, all of the same length.
    mutating func parseValueRows() throws(SQLSyntaxError) -> [[Expr]] {
        try expect(.values)
        var rows: [[Expr]] = []
        repeat {
            let rowPosition = try expect(.leftParen)
            let row = try parseExpressionList()
            try expect(.rightParen)
            if let first = rows.first, first.count != row.count {
                throw SQLSyntaxError("VALUES lists must all be the same length", at: rowPosition)
            }
            rows.append(row)
        } while accept(.comma)
        return rows
    }

    /// `COPY t [(cols)] FROM 'path' [[WITH] (option [value], …) | option [value] …]`
    mutating func parseCopy() throws(SQLSyntaxError) -> Copy {
        try expect(.copy)
        let (table, position) = try parseIdentifier("a table name")
        let columns = current.isSymbol(.leftParen) ? try parseIdentifierList() : nil
        if current.isKeyword(.to) {
            throw SQLSyntaxError("COPY … TO is not supported; only COPY … FROM", at: current.position)
        }
        try expect(.from)
        guard case .string(let path) = current.kind else { throw expected("a quoted file path") }
        advance()
        let options: [String: Expr]
        if accept(.with) || current.isSymbol(.leftParen) {
            options = current.isSymbol(.leftParen) ? try parseOptionList() : try parseBareCopyOptions()
        } else {
            options = try parseBareCopyOptions()
        }
        return Copy(table: table, columns: columns, path: path, options: options, position: position)
    }

    /// `FORMAT json HEADER DELIMITER ','` — options without parentheses or commas; legacy `CSV`
    /// means `FORMAT csv`.
    private mutating func parseBareCopyOptions() throws(SQLSyntaxError) -> [String: Expr] {
        var options: [String: Expr] = [:]
        while case .word = current.kind {
            let (key, position) = try parseOptionKey()
            let value: Expr
            switch current.kind {
            case .string, .integer, .decimal, .word(_, .true?), .word(_, .false?):
                value = try parseOptionValue()
            case .word where copyOptionsWithWordValues.contains(key):
                value = try parseOptionValue()
            default:
                if key == "csv" {
                    try add(option: "format", .literal(.string("csv"), position), at: position, to: &options)
                    continue
                }
                value = .literal(.bool(true), position)
            }
            try add(option: key, value, at: position, to: &options)
        }
        return options
    }

    /// `EXPLAIN [ANALYZE] SELECT …`
    mutating func parseExplain() throws(SQLSyntaxError) -> Statement {
        try expect(.explain)
        let analyze = accept(.analyze)
        guard atQuery else { throw expected("\"SELECT\"") }
        return .explain(try parseSelect(), analyze: analyze)
    }

    /// `DESCRIBE t`, `DESCRIBE SELECT …`, `SHOW t`, `SHOW TABLES` (DuckDB's spellings).
    mutating func parseDescribe() throws(SQLSyntaxError) -> Statement {
        let show = current.isWord("SHOW")
        advance()
        if show, current.isWord("TABLES") {
            advance()
            return .showTables
        }
        if !show, atQuery || startsParenthesizedQuery { return .describe(.query(try parseSelect())) }
        let (name, position) = try parseIdentifier(show ? "\"TABLES\" or a table name" : "a table name or a query")
        return .describe(.table(name, position: position))
    }

    /// `SET name = value` / `SET name TO value`; dotted names such as `ivfflat.probes`.
    mutating func parseSet() throws(SQLSyntaxError) -> Statement {
        try expect(.set)
        let (name, position) = try parseOptionKey()
        guard accept(.equal) || accept(.to) else { throw expected("\"=\" or \"TO\"") }
        return .set(name: name, value: try parseOptionValue(), position: position)
    }
}
