// CREATE TABLE, DROP TABLE, ALTER TABLE … ADD COLUMN, and type names.
// DDL statements carry the position of the table name: it is what "already exists" /
// "does not exist" errors point at.

extension Parser {
    mutating func parseCreateTable() throws(SQLSyntaxError) -> CreateTable {
        try expect(.create)
        try expect(.table)
        let ifNotExists = try parseIfNotExists()
        let (name, position) = try parseIdentifier("a table name")
        try expect(.leftParen)
        var columns: [ColumnDefinition] = []
        var primaryKeys: [(name: String, position: SQLPosition)] = []
        repeat {
            if current.isKeyword(.primary) {
                advance()
                try expect(.key)
                try expect(.leftParen)
                repeat { primaryKeys.append(try parseIdentifier("a column name")) } while accept(.comma)
                try expect(.rightParen)
            } else {
                columns.append(try parseColumnDefinition())
            }
        } while accept(.comma)
        try expect(.rightParen)
        // A table-level `PRIMARY KEY (a, b)` marks its columns, which must be defined above.
        for key in primaryKeys {
            guard let index = columns.firstIndex(where: { $0.name == key.name }) else {
                throw SQLSyntaxError("column \"\(key.name)\" named in key does not exist", at: key.position)
            }
            columns[index].primaryKey = true
        }
        var table = CreateTable(name: name, ifNotExists: ifNotExists, columns: columns, position: position)
        // The table clauses, each at most once, in any order.
        var seen = Set<String>()
        func once(_ clause: String, _ token: Token) throws(SQLSyntaxError) {
            guard seen.insert(clause).inserted else { throw SQLSyntaxError("\(clause) specified more than once", at: token.position) }
        }
        while true {
            let token = current
            if accept(.partition) {
                try once("PARTITION BY", token)
                try expect(.by)
                let function = current
                guard case .word(let functionName, _) = function.kind,
                      functionName.lowercased() == "day" || functionName.lowercased() == "month"
                else { throw expected("day(column) or month(column)") }
                advance()
                try expect(.leftParen)
                table.partitionFunction = functionName.lowercased()
                table.partitionColumn = try parseIdentifier("a column name").name
                try expect(.rightParen)
            } else if accept(.order) {
                try once("ORDER BY", token)
                try expect(.by)
                table.sortKey = current.isSymbol(.leftParen) ? try parseIdentifierList() : [try parseIdentifier("a column name").name]
            } else if current.isWord("RETENTION") {
                try once("RETENTION", token)
                table.retention = try parseRetention()
            } else if accept(.with) {
                try once("WITH", token)
                table.options = try parseOptionList()
            } else {
                return table
            }
        }
    }

    /// `RETENTION INTERVAL '90 days' [WHERE p] [, INTERVAL '7 years' WHERE p …]`; at most one rule without WHERE.
    mutating func parseRetention() throws(SQLSyntaxError) -> RetentionClause {
        let position = current.position
        try expectWord("RETENTION")
        var clause = RetentionClause(interval: nil, rules: [], position: position)
        repeat {
            let start = current
            let interval = try parseExpression()
            if accept(.where) {
                let first = current
                let predicate = try parseExpression()
                let last = tokens[max(0, index - 1)]
                let text = String(decoding: source[first.start..<last.end], as: UTF8.self)
                clause.rules.append(.init(interval: interval, predicate: predicate, predicateText: text))
            } else {
                guard clause.interval == nil else {
                    throw SQLSyntaxError("RETENTION has more than one rule without WHERE", at: start.position)
                }
                clause.interval = interval
            }
        } while accept(.comma)
        return clause
    }

    /// `name TYPE [NOT NULL | NULL | PRIMARY KEY | DEFAULT expr]…`
    private mutating func parseColumnDefinition() throws(SQLSyntaxError) -> ColumnDefinition {
        let (name, position) = try parseIdentifier("a column name")
        var column = ColumnDefinition(name: name, type: try parseTypeName(), position: position)
        var nullability: Bool?
        while true {
            let token = current
            if accept(.not) {
                try expect(.null)
                if nullability == false { throw conflictingNullability(token) }
                nullability = true
            } else if accept(.null) {
                if nullability == true { throw conflictingNullability(token) }
                nullability = false
            } else if accept(.primary) {
                try expect(.key)
                column.primaryKey = true
            } else if accept(.default) {
                column.defaultValue = try parseExpression()
            } else {
                break
            }
        }
        column.notNull = nullability ?? false
        return column
    }

    private func conflictingNullability(_ token: Token) -> SQLSyntaxError {
        SQLSyntaxError("conflicting NULL/NOT NULL declarations", at: token.position)
    }

    /// `[IF NOT EXISTS]`
    mutating func parseIfNotExists() throws(SQLSyntaxError) -> Bool {
        guard accept(.if) else { return false }
        try expect(.not)
        try expect(.exists)
        return true
    }

    mutating func parseDropTable() throws(SQLSyntaxError) -> Statement {
        try expect(.drop)
        try expect(.table)
        var ifExists = false
        if accept(.if) {
            try expect(.exists)
            ifExists = true
        }
        let (name, position) = try parseIdentifier("a table name")
        return .dropTable(name: name, ifExists: ifExists, position: position)
    }

    /// `ALTER TABLE t ADD [COLUMN] [IF NOT EXISTS] col TYPE …`, `ALTER TABLE t SET RETENTION …`,
    /// `ALTER TABLE t RESET RETENTION`.
    mutating func parseAlterTable() throws(SQLSyntaxError) -> Statement {
        try expect(.alter)
        try expect(.table)
        let (name, position) = try parseIdentifier("a table name")
        if accept(.set) {
            guard current.isWord("RETENTION") else { throw expected("RETENTION") }
            return .alterTableRetention(table: name, retention: try parseRetention(), position: position)
        }
        if current.isWord("RESET") {
            advance()
            try expectWord("RETENTION")
            return .alterTableRetention(table: name, retention: nil, position: position)
        }
        guard current.isKeyword(.add) else { throw expected("ADD, SET RETENTION or RESET RETENTION") }
        try expect(.add)
        _ = accept(.column)
        let ifNotExists = try parseIfNotExists()
        let column = try parseColumnDefinition()
        return .alterTableAddColumn(table: name, column: column, ifNotExists: ifNotExists, position: position)
    }

    /// A type as written, upper-cased: `INT`, `DOUBLE PRECISION`, `VARCHAR(255)`, `DECIMAL(10,2)`,
    /// `TIMESTAMP WITH TIME ZONE`, `CHARACTER VARYING(20)`.
    mutating func parseTypeName() throws(SQLSyntaxError) -> TypeName {
        let token = current
        guard case .word(let text, let keyword) = token.kind, keyword?.isReserved != true else {
            throw expected("a type name")
        }
        advance()
        var name = text.uppercased()
        if keyword == .double && accept(.precision) {
            name = "DOUBLE PRECISION"
        } else if keyword == .character && accept(.varying) {
            name = "CHARACTER VARYING"
        }
        var parameters: [Int] = []
        if accept(.leftParen) {
            repeat {
                guard case .integer(let value) = current.kind, let parameter = Int(exactly: value) else {
                    throw expected("an integer type parameter")
                }
                parameters.append(parameter)
                advance()
            } while accept(.comma)
            try expect(.rightParen)
        }
        if keyword == .timestamp || keyword == .time {
            let withZone = current.isKeyword(.with)
            if (withZone || current.isKeyword(.without)) && peek().isKeyword(.time) && peek(2).isKeyword(.zone) {
                advance()
                advance()
                advance()
                name += withZone ? " WITH TIME ZONE" : " WITHOUT TIME ZONE"
            }
        }
        return TypeName(name: name, parameters: parameters, position: token.position)
    }

    /// `( key [=] [value], … )`. Keys are lower-cased (dotted keys joined with `.`); a key without
    /// a value means `true`.
    mutating func parseOptionList() throws(SQLSyntaxError) -> [String: Expr] {
        try expect(.leftParen)
        var options: [String: Expr] = [:]
        repeat {
            let (key, position) = try parseOptionKey()
            _ = accept(.equal)
            let value: Expr
            if current.isSymbol(.comma) || current.isSymbol(.rightParen) {
                value = .literal(.bool(true), position)
            } else {
                value = try parseOptionValue()
            }
            try add(option: key, value, at: position, to: &options)
        } while accept(.comma)
        try expect(.rightParen)
        return options
    }

    func add(option key: String, _ value: Expr, at position: SQLPosition,
             to options: inout [String: Expr]) throws(SQLSyntaxError) {
        guard options.updateValue(value, forKey: key) == nil else {
            throw SQLSyntaxError("option \"\(key)\" specified more than once", at: position)
        }
    }

    mutating func parseOptionKey() throws(SQLSyntaxError) -> (String, SQLPosition) {
        let position = current.position
        var key = try parseLabel("an option name").lowercased()
        while accept(.dot) { key += "." + (try parseLabel("an option name").lowercased()) }
        return (key, position)
    }

    /// An option or setting value. A bare word is a string (`FORMAT csv` → `'csv'`), except
    /// TRUE/FALSE/NULL and words that start a longer expression (`INTERVAL '30 days'`, `now()`).
    mutating func parseOptionValue() throws(SQLSyntaxError) -> Expr {
        let token = current
        let next = peek()
        if case .quotedIdentifier(let name) = token.kind {
            advance()
            return .literal(.string(name), token.position)
        }
        if case .word(let text, let keyword) = token.kind,
           !next.isString, !next.isNumber, !next.isSymbol(.leftParen) {
            switch keyword {
            case .true?, .false?, .null?:
                break
            default:
                advance()
                return .literal(.string(text), token.position)
            }
        }
        return try parseExpression()
    }
}

// DELETE and the maintenance statements.
extension Parser {
    /// `DELETE FROM t [WHERE …]`
    mutating func parseDelete() throws(SQLSyntaxError) -> Statement {
        try expectWord("DELETE")
        try expect(.from)
        let (name, position) = try parseIdentifier("a table name")
        let condition = accept(.where) ? try parseExpression() : nil
        return .delete(table: name, whereClause: condition, position: position)
    }

    /// `VACUUM [t]`, `COMPACT [TABLE] t`, `BACKUP [DATABASE] TO 'dir'`, `CHECK [DATABASE]`
    mutating func parseMaintenance() throws(SQLSyntaxError) -> Statement {
        let position = current.position
        if current.isWord("VACUUM") {
            advance()
            if case .word(_, let keyword) = current.kind, keyword?.isReserved != true {
                return .vacuum(table: try parseIdentifier("a table name").name, position: position)
            }
            if case .quotedIdentifier = current.kind { return .vacuum(table: try parseIdentifier("a table name").name, position: position) }
            return .vacuum(table: nil, position: position)
        }
        if current.isWord("COMPACT") {
            advance()
            _ = accept(.table)
            let (name, p) = try parseIdentifier("a table name")
            return .compact(table: name, position: p)
        }
        if current.isWord("BACKUP") {
            advance()
            if current.isWord("DATABASE") { advance() }
            try expect(.to)
            guard case .string(let path) = current.kind else { throw expected("a quoted directory path") }
            let p = current.position
            advance()
            return .backup(path: path, position: p)
        }
        try expect(.check)
        if current.isWord("DATABASE") { advance() }
        return .check
    }
}
