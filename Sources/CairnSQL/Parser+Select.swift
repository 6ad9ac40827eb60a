// SELECT: WITH queries, items, a single FROM source (table or subquery), WHERE, GROUP BY, HAVING,
// QUALIFY, UNION/EXCEPT/INTERSECT, ORDER BY, LIMIT/OFFSET in either order.

extension Parser {
    mutating func parseSelect() throws(SQLSyntaxError) -> SelectStatement {
        try enterNesting()
        defer { leaveNesting() }
        if current.isKeyword(.with) {
            try parseCommonTables()
            defer { commonTables.removeLast() }
            return try parseSelect()
        }
        var select: SelectStatement
        if current.isSymbol(.leftParen), startsParenthesizedQuery {
            // `(SELECT … ORDER BY … LIMIT …) UNION …`: the parenthesized query is read whole, as a FROM subquery.
            let position = try expect(.leftParen)
            let first = try parseSelect()
            try expect(.rightParen)
            select = SelectStatement(items: [.star(qualifier: nil, position: position)], from: .subquery(first, alias: nil, position: position),
                                     position: position)
        } else {
            select = try parseSelectCore()
        }
        // Set operations: ORDER BY and LIMIT that follow apply to the combined rows.
        while let op = try parseSetOperator() {
            let part: SelectStatement
            if accept(.leftParen) {
                guard atQuery || startsParenthesizedQuery else { throw expected("\"SELECT\"") }
                part = try parseSelect()
                try expect(.rightParen)
            } else {
                part = try parseSelectCore()
            }
            select.setOperations.append(SetOperation(op: op, query: part))
        }
        if accept(.order) {
            try expect(.by)
            if accept(.all) {
                select.orderByAll = try parseSortDirection()
            } else {
                select.orderBy = [try parseOrderItem()]
                while accept(.comma) { select.orderBy.append(try parseOrderItem()) }
            }
        }
        try parseLimitAndOffset(into: &select)
        return select
    }

    /// `UNION|EXCEPT|INTERSECT [ALL|DISTINCT]`, or nil.
    private mutating func parseSetOperator() throws(SQLSyntaxError) -> SetOperator? {
        let kind: SetOperator.Kind
        switch current.keyword {
        case .union?: kind = .union
        case .except?: kind = .except
        case .intersect?: kind = .intersect
        default: return nil
        }
        advance()
        let all = accept(.all)
        if !all { _ = accept(.distinct) }
        guard current.isKeyword(.by) else { return SetOperator(kind: kind, all: all) }
        guard kind == .union else {
            throw SQLSyntaxError("BY NAME applies to UNION and UNION ALL only, not \(kind.rawValue)", at: current.position)
        }
        advance()
        try expectWord("NAME")
        return SetOperator(kind: kind, all: all, byName: true)
    }

    /// One SELECT without ORDER BY and LIMIT: those belong to a set operation when one follows.
    private mutating func parseSelectCore() throws(SQLSyntaxError) -> SelectStatement {
        let position = try expect(.select)
        var distinct = accept(.distinct)
        var distinctOn: [Expr] = []
        if distinct && accept(.on) {
            try expect(.leftParen)
            distinctOn = try parseExpressionList()
            try expect(.rightParen)
            distinct = false
        }
        if !distinct && distinctOn.isEmpty { _ = accept(.all) }
        var select = SelectStatement(distinct: distinct, items: try parseSelectItems(), position: position)
        select.distinctOn = distinctOn
        if accept(.from) { select.from = try parseTableRef() }
        if accept(.where) { select.whereClause = try parseExpression() }
        if accept(.group) {
            try expect(.by)
            if accept(.all) {
                select.groupByAll = true
            } else {
                try parseGroupingKeys(into: &select)
            }
        }
        if accept(.having) { select.having = try parseExpression() }
        var windows: [String: WindowCall] = [:]
        if accept(.window) {
            // `WINDOW w AS (…), v AS (w ORDER BY …)`: definitions may build on earlier ones.
            repeat {
                let (name, position) = try parseIdentifier("a window name")
                try expect(.as)
                var window = try parseWindow(.literal(.null, position))
                if let base = window.base {
                    guard let named = windows[base.lowercased()] else { throw SQLSyntaxError("window \"\(base)\" is not defined before it is used", at: position) }
                    window = Self.refine(named, with: window)
                }
                windows[name.lowercased()] = window
            } while accept(.comma)
        }
        if accept(.qualify) { select.qualify = try parseExpression() }
        try resolveNamedWindows(in: &select, windows)
        return select
    }

    /// Replaces each `OVER w` / `OVER (w …)` in the query's SELECT list, QUALIFY and ORDER BY with
    /// the window the WINDOW clause names.
    private func resolveNamedWindows(in select: inout SelectStatement, _ windows: [String: WindowCall]) throws(SQLSyntaxError) {
        var missing: (String, SQLPosition)?
        func resolve(_ e: Expr) -> Expr {
            e.rewritten { node in
                guard case .window(let w, let p) = node, let base = w.base else { return nil }
                guard let named = windows[base.lowercased()] else {
                    if missing == nil { missing = (base, p) }
                    return node
                }
                var refined = Self.refine(named, with: w)
                refined.function = resolve(w.function)
                return .window(refined, p)
            }
        }
        select.items = select.items.map { item in
            if case .expr(let e, let alias) = item { return .expr(resolve(e), alias: alias) }
            return item
        }
        select.qualify = select.qualify.map(resolve)
        select.orderBy = select.orderBy.map { $0.mapping(resolve) }
        if let (name, p) = missing { throw SQLSyntaxError("window \"\(name)\" is not defined (add WINDOW \(name) AS (…))", at: p) }
    }

    /// `named` with what `call` adds: its ORDER BY and frame when `named` has none (as SQL allows).
    static func refine(_ named: WindowCall, with call: WindowCall) -> WindowCall {
        var w = named
        w.function = call.function
        w.base = nil
        if w.orderBy.isEmpty { w.orderBy = call.orderBy }
        if w.frame == nil { w.frame = call.frame }
        return w
    }

    /// Plain keys, or keys with `ROLLUP (a, b)` (sets (a, b), (a), ()), `CUBE (a, b)` (every
    /// subset) and `GROUPING SETS ((a, b), a, ())` among them: the sets are then every combination
    /// of one set from each of those and the plain keys, as in PostgreSQL and DuckDB.
    private mutating func parseGroupingKeys(into select: inout SelectStatement) throws(SQLSyntaxError) {
        var components: [[[Expr]]] = []
        var plain: [Expr] = []
        repeat {
            if current.isWord("ROLLUP") || current.isWord("CUBE"), peek().isSymbol(.leftParen) {
                let cube = current.isWord("CUBE")
                advance()
                try expect(.leftParen)
                let keys = try parseExpressionList()
                try expect(.rightParen)
                if cube, keys.count > 12 { throw SQLSyntaxError("CUBE of \(keys.count) keys makes 2^\(keys.count) grouping sets; 4096 at most", at: select.position) }
                components.append(cube ? (0..<(1 << keys.count)).reversed().map { mask in
                    keys.indices.filter { mask & (1 << (keys.count - 1 - $0)) != 0 }.map { keys[$0] }
                } : (0...keys.count).reversed().map { Array(keys.prefix($0)) })
            } else if current.isWord("GROUPING"), peek().isWord("SETS") {
                advance()
                advance()
                try expect(.leftParen)
                var sets: [[Expr]] = []
                repeat {
                    if accept(.leftParen) {
                        sets.append(current.isSymbol(.rightParen) ? [] : try parseExpressionList())
                        try expect(.rightParen)
                    } else {
                        sets.append([try parseExpression()])
                    }
                } while accept(.comma)
                try expect(.rightParen)
                components.append(sets)
            } else if let keys = try parseKeyTuple() {
                plain += keys
                components += keys.map { [[$0]] }
            } else {
                let key = try parseExpression()
                plain.append(key)
                components.append([[key]])
            }
        } while accept(.comma)
        guard components.count > plain.count else {
            select.groupBy = plain
            return
        }
        let total = components.reduce(1) { $0.multipliedReportingOverflow(by: $1.count).overflow ? Int.max : $0 * $1.count }
        guard total <= 4096 else { throw SQLSyntaxError("GROUP BY makes more than 4096 grouping sets", at: select.position) }
        var sets: [[Expr]] = [[]]
        for component in components { sets = sets.flatMap { set in component.map { set + $0 } } }
        select.groupingSets = sets
    }

    /// `(a, b)` among GROUP BY keys, which groups by `a` and `b`; nil, with nothing consumed, when
    /// the parenthesis opens a single expression or a subquery.
    private mutating func parseKeyTuple() throws(SQLSyntaxError) -> [Expr]? {
        guard current.isSymbol(.leftParen), !peek().isSymbol(.rightParen), !startsParenthesizedQuery else { return nil }
        let start = index, parameters = positionalParameters
        advance()
        let keys = try parseExpressionList()
        if keys.count > 1, accept(.rightParen) { return keys }
        rewind(to: start, parameters: parameters)
        return nil
    }

    private mutating func parseSelectItems() throws(SQLSyntaxError) -> [SelectItem] {
        var items = [try parseSelectItem()]
        while accept(.comma) {
            // DuckDB accepts a trailing comma after the last item.
            if current.isKeyword(.from) || current.isSymbol(.semicolon) || current.kind == .end { break }
            items.append(try parseSelectItem())
        }
        return items
    }

    private mutating func parseSelectItem() throws(SQLSyntaxError) -> SelectItem {
        let token = current
        if accept(.star) { return .star(qualifier: nil, modifiers: try parseStarModifiers(), position: token.position) }
        if peek().isSymbol(.dot) && peek(2).isSymbol(.star) {
            switch token.kind {
            case .quotedIdentifier(let qualifier), .word(let qualifier, _):
                advance()
                advance()
                advance()
                return .star(qualifier: qualifier, modifiers: try parseStarModifiers(), position: token.position)
            default:
                break
            }
        }
        let expr = try parseExpression()
        return .expr(expr, alias: try parseOptionalAlias())
    }

    /// DuckDB's `EXCLUDE (a, b)` / `EXCLUDE a` and `REPLACE (expr AS a, …)` after a `*`.
    private mutating func parseStarModifiers() throws(SQLSyntaxError) -> StarModifiers {
        var m = StarModifiers()
        if current.isWord("EXCLUDE") {
            advance()
            if current.isSymbol(.leftParen) { m.exclude = try parseIdentifierList() } else { m.exclude = [try parseIdentifier("a column name").name] }
        }
        if current.isWord("REPLACE") {
            advance()
            let parenthesized = accept(.leftParen)
            repeat {
                let expr = try parseExpression()
                try expect(.as)
                m.replace.append((try parseIdentifier("a column name").name, expr))
            } while parenthesized && accept(.comma)
            if parenthesized { try expect(.rightParen) }
        }
        return m
    }

    /// `AS name` (any word), or a bare quoted identifier or non-reserved word.
    private mutating func parseOptionalAlias() throws(SQLSyntaxError) -> String? {
        if accept(.as) { return try parseLabel("an alias") }
        switch current.kind {
        case .quotedIdentifier(let name):
            advance()
            return name
        case .word(let name, let keyword) where keyword?.isReserved != true:
            advance()
            return name
        default:
            return nil
        }
    }

    /// `WITH name [(column, …)] AS [[NOT] MATERIALIZED] (query), …`: opens a scope of ``commonTables``
    /// that the caller closes after the query that follows. Each query sees the ones before it.
    private mutating func parseCommonTables() throws(SQLSyntaxError) {
        try expect(.with)
        if current.isWord("RECURSIVE") {
            throw SQLSyntaxError("WITH RECURSIVE is not supported", at: current.position)
        }
        commonTables.append([:])
        repeat {
            let (name, position) = try parseIdentifier("a WITH query name")
            let columns = current.isSymbol(.leftParen) ? try parseIdentifierList() : nil
            try expect(.as)
            if current.isKeyword(.not) { advance() }
            if current.isWord("MATERIALIZED") { advance() }
            try expect(.leftParen)
            guard atQuery else { throw expected("\"SELECT\"") }
            var query = try parseSelect()
            try expect(.rightParen)
            if let columns {
                guard columns.count <= query.items.count || query.items.contains(where: { if case .star = $0 { true } else { false } }) else {
                    throw SQLSyntaxError("WITH query \"\(name)\" names \(columns.count) columns but its query has \(query.items.count)", at: position)
                }
                query.columnAliases = columns
            }
            guard commonTables[commonTables.count - 1].updateValue(query, forKey: name.lowercased()) == nil else {
                throw SQLSyntaxError("WITH query name \"\(name)\" specified more than once", at: position)
            }
        } while accept(.comma)
    }

    /// A FROM source and the joins that follow it, left to right.
    private mutating func parseTableRef() throws(SQLSyntaxError) -> TableRef {
        var left = try parseTableSource()
        while true {
            let position = current.position
            let kind: JoinKind
            if accept(.comma) {
                left = .join(left, try parseTableSource(), kind: .cross, on: nil, using: [], position: position)
                continue
            } else if accept(.cross) {
                kind = .cross
            } else if current.isKeyword(.left) || current.isKeyword(.right) || current.isKeyword(.full) {
                kind = current.isKeyword(.left) ? .left : (current.isKeyword(.right) ? .right : .full)
                advance()
                _ = accept(.outer)
            } else if accept(.inner) || current.isKeyword(.join) {
                kind = .inner
            } else if current.isKeyword(.natural) {
                throw SQLSyntaxError("NATURAL joins are not supported; name the columns with USING (…)", at: current.position)
            } else {
                return left
            }
            try expect(.join)
            let right = try parseTableSource()
            guard kind != .cross else {
                left = .join(left, right, kind: .cross, on: nil, using: [], position: position)
                continue
            }
            if accept(.on) {
                left = .join(left, right, kind: kind, on: try parseExpression(), using: [], position: position)
            } else if accept(.using) {
                left = .join(left, right, kind: kind, on: nil, using: try parseIdentifierList(), position: position)
            } else {
                throw expected("ON or USING")
            }
        }
    }

    private mutating func parseTableSource() throws(SQLSyntaxError) -> TableRef {
        let position = current.position
        let table: TableRef
        if accept(.leftParen) {
            var query: SelectStatement
            if current.isKeyword(.values) {
                query = try parseValuesList()
            } else {
                guard atQuery || startsParenthesizedQuery else { throw expected("\"SELECT\" or VALUES") }
                query = try parseSelect()
            }
            try expect(.rightParen)
            let alias = try parseOptionalAlias()
            // `AS name(a, b)` names the subquery's columns.
            if alias != nil, current.isSymbol(.leftParen) { query.columnAliases = try parseIdentifierList() }
            table = .subquery(query, alias: alias, position: position)
        } else {
            let name = try parseIdentifier("a table name").name
            if accept(.leftParen) {
                let args = current.isSymbol(.rightParen) ? [] : try parseExpressionList()
                try expect(.rightParen)
                let alias = try parseOptionalAlias()
                let columns = alias != nil && current.isSymbol(.leftParen) ? try parseIdentifierList() : []
                return .function(name: name.lowercased(), args: args, alias: alias, columnAliases: columns, position: position)
            }
            let alias = try parseOptionalAlias()
            if let query = commonTables.reversed().lazy.compactMap({ $0[name.lowercased()] }).first {
                table = .subquery(query, alias: alias ?? name, position: position)
            } else {
                table = .table(name: name, alias: alias, position: position)
            }
        }
        return table
    }

    /// `VALUES (a, b), (c, d), …` in FROM, as the query `SELECT a AS col0, b AS col1 UNION ALL
    /// SELECT c, d …` (DuckDB's column names); every row has the same number of values.
    private mutating func parseValuesList() throws(SQLSyntaxError) -> SelectStatement {
        let position = current.position
        let rows = try parseValueRows()
        func select(_ row: [Expr], named: Bool) -> SelectStatement {
            SelectStatement(items: row.enumerated().map { .expr($0.element, alias: named ? "col\($0.offset)" : nil) }, position: position)
        }
        var query = select(rows[0], named: true)
        query.setOperations = rows.dropFirst().map { SetOperation(op: SetOperator(kind: .union, all: true), query: select($0, named: false)) }
        return query
    }

    /// `expr [ASC|DESC] [NULLS FIRST|LAST]`
    mutating func parseOrderItem() throws(SQLSyntaxError) -> OrderItem {
        let expr = try parseExpression()
        let direction = try parseSortDirection()
        return OrderItem(expr: expr, descending: direction.descending, nullsFirst: direction.nullsFirst)
    }

    /// `[ASC|DESC] [NULLS FIRST|LAST]`
    private mutating func parseSortDirection() throws(SQLSyntaxError) -> SortDirection {
        var direction = SortDirection()
        if accept(.desc) {
            direction.descending = true
        } else {
            _ = accept(.asc)
        }
        if accept(.nulls) {
            if accept(.first) {
                direction.nullsFirst = true
            } else if accept(.last) {
                direction.nullsFirst = false
            } else {
                throw expected("\"FIRST\" or \"LAST\"")
            }
        }
        return direction
    }

    /// `LIMIT n`, `LIMIT ALL`, `OFFSET m [ROW|ROWS]`, each at most once, in either order.
    private mutating func parseLimitAndOffset(into select: inout SelectStatement) throws(SQLSyntaxError) {
        var sawLimit = false
        var sawOffset = false
        while true {
            let token = current
            if !sawLimit && accept(.limit) {
                sawLimit = true
                if !accept(.all) { select.limit = try parseExpression() }
            } else if !sawOffset && accept(.offset) {
                sawOffset = true
                select.offset = try parseExpression()
                if !accept(.rows) { _ = accept(.row) }
            } else if !sawLimit && accept(.fetch) {
                // SQL-standard `FETCH FIRST|NEXT [n] ROW|ROWS ONLY`, the same as LIMIT n (n defaults to 1).
                sawLimit = true
                guard accept(.first) || current.isWord("NEXT") else { throw expected("FIRST or NEXT") }
                if current.isWord("NEXT") { advance() }
                select.limit = current.isKeyword(.row) || current.isKeyword(.rows)
                    ? .literal(.integer(1), token.position) : try parseExpression(above: .additive)
                guard accept(.rows) || accept(.row) else { throw expected("ROWS") }
                guard current.isWord("ONLY") else {
                    throw current.isKeyword(.with) ? SQLSyntaxError("FETCH … WITH TIES is not supported", at: current.position) : expected("ONLY")
                }
                advance()
            } else if token.isKeyword(.limit) || token.isKeyword(.offset) || token.isKeyword(.fetch) {
                throw SQLSyntaxError("multiple \(text(of: token).uppercased()) clauses not allowed", at: token.position)
            } else {
                return
            }
        }
    }
}
