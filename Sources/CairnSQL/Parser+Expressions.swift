// Expressions: precedence climbing over PostgreSQL's operator precedence, loosest first:
//   OR < AND < NOT < IS [NOT] NULL/DISTINCT FROM < comparison < [NOT] BETWEEN/IN/LIKE/ILIKE
//      < other operators (|| -> ->> <-> <#> <=> ~ ~* !~ !~*) < + - < * / % < unary + - < :: < primary
// Binary operators are left-associative. A node's position is that of its first token.

/// Binding strength of an operator; higher binds tighter.
enum Precedence: Int, Comparable {
    case lowest, or, and, not, isNull, comparison, pattern, other, additive, multiplicative, unary, cast

    static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
}

/// Interval units accepted after `INTERVAL 7` / `INTERVAL '7'`.
private let intervalUnits: Set<String> = [
    "year", "years", "quarter", "quarters", "month", "months", "week", "weeks", "day", "days",
    "hour", "hours", "minute", "minutes", "second", "seconds",
    "millisecond", "milliseconds", "microsecond", "microseconds",
]

extension Parser {
    /// Parses an expression whose operators all bind tighter than `minimum`.
    mutating func parseExpression(above minimum: Precedence = .lowest) throws(SQLSyntaxError) -> Expr {
        try enterNesting()
        defer { leaveNesting() }
        var left = try parsePrefix()
        while let precedence = infixPrecedence(), precedence > minimum {
            left = try parseInfix(left, precedence)
        }
        return left
    }

    mutating func parseExpressionList() throws(SQLSyntaxError) -> [Expr] {
        var list = [try parseExpression()]
        while accept(.comma) { list.append(try parseExpression()) }
        return list
    }

    // MARK: - Operators

    private func infixPrecedence() -> Precedence? {
        let token = current
        switch token.kind {
        case .word("at", nil) where peek().isKeyword(.time) && peek(2).isKeyword(.zone):
            return .unary
        case .word("glob", nil):
            return .pattern
        case .word(_, let keyword?):
            switch keyword {
            case .or: return .or
            case .and: return .and
            case .is: return .isNull
            case .in, .like, .ilike, .between: return .pattern
            case .not:
                switch peek().keyword {
                case .in, .like, .ilike, .between: return .pattern
                default: return peek().isWord("GLOB") ? .pattern : nil
                }
            default: return nil
            }
        case .symbol(let symbol):
            switch symbol {
            case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return .comparison
            case .like, .ilike, .notLike, .notILike: return .pattern
            case .concat, .arrow, .doubleArrow, .l2Distance, .negativeInnerProduct, .cosineDistance,
                 .regexMatch, .regexMatchInsensitive, .notRegexMatch, .notRegexMatchInsensitive: return .other
            case .plus, .minus: return .additive
            case .star, .slash, .doubleSlash, .percent: return .multiplicative
            case .doubleColon, .leftBracket: return .cast
            default: return nil
            }
        default:
            return nil
        }
    }

    private mutating func parseInfix(_ left: Expr, _ precedence: Precedence) throws(SQLSyntaxError) -> Expr {
        let position = left.position
        let token = current
        switch token.kind {
        case .word("at", nil):
            // `t AT TIME ZONE zone` is DuckDB's and PostgreSQL's `timezone(zone, t)`.
            advance()
            advance()
            advance()
            let zone = try parseExpression(above: precedence)
            return .function(name: "timezone", args: [zone, left], distinct: false, star: false, withinGroup: nil, filter: nil, position)
        case .symbol(.doubleColon):
            advance()
            return .cast(left, try parseTypeName(), tryCast: false, position)
        case .symbol(.leftBracket):
            // `list[i]`: DuckDB's element access, kept as `list_extract(list, i)` for the binder.
            advance()
            let index = try parseExpression()
            try expect(.rightBracket)
            return .function(name: "list_extract", args: [left, index], distinct: false, star: false, withinGroup: nil, filter: nil, position)
        case .symbol(let symbol) where [.regexMatch, .regexMatchInsensitive, .notRegexMatch, .notRegexMatchInsensitive].contains(symbol):
            // `s ~ p` is `regexp_matches(s, p)` (a match anywhere, as in PostgreSQL and DuckDB).
            advance()
            var args = [left, try parseExpression(above: precedence)]
            if symbol == .regexMatchInsensitive || symbol == .notRegexMatchInsensitive { args.append(.literal(.string("i"), token.position)) }
            let match = Expr.function(name: "regexp_matches", args: args, distinct: false, star: false, withinGroup: nil, filter: nil, position)
            return symbol == .regexMatch || symbol == .regexMatchInsensitive ? match : .unary(.not, match, position)
        case .symbol(let symbol) where [.like, .ilike, .notLike, .notILike].contains(symbol):
            advance()
            let pattern = try parseExpression(above: .pattern)
            let escape = accept(.escape) ? try parseExpression(above: .pattern) : nil
            return .like(left, pattern: pattern, negated: symbol == .notLike || symbol == .notILike,
                         caseInsensitive: symbol == .ilike || symbol == .notILike, escape: escape, position)
        case .symbol(let symbol):
            // Operator symbols are spelled like their `BinaryOperator` (`!=` lexes as `<>`).
            guard let op = BinaryOperator(rawValue: symbol.rawValue) else { throw unexpected() }
            advance()
            if let quantifier = ["ANY", "SOME", "ALL"].first(where: current.isWord), peek().isSymbol(.leftParen),
               peek(2).isKeyword(.select) || peek(2).isKeyword(.with) {
                // `x = ANY (SELECT …)` is `x IN (…)`, `x <> ALL (SELECT …)` is `x NOT IN (…)`.
                let any = quantifier != "ALL"
                guard (op == .equal && any) || (op == .notEqual && !any) else {
                    throw SQLSyntaxError("only = ANY (SELECT …) and <> ALL (SELECT …) are supported; write IN or NOT IN, or compare with min()/max() of the subquery",
                                         at: current.position)
                }
                advance()
                advance()
                let query = try parseSelect()
                try expect(.rightParen)
                return .inSubquery(left, query, negated: !any, position)
            }
            let right = try parseExpression(above: precedence)
            return .binary(op, left, right, position)
        case .word(_, .and?):
            advance()
            return .binary(.and, left, try parseExpression(above: .and), position)
        case .word(_, .or?):
            advance()
            return .binary(.or, left, try parseExpression(above: .or), position)
        case .word(_, .is?):
            advance()
            let negated = accept(.not)
            if accept(.distinct) {
                try expect(.from)
                return Self.isDistinct(left, try parseExpression(above: .isNull), negated: negated, position)
            }
            if current.isKeyword(.true) || current.isKeyword(.false) {
                // `x IS TRUE` is `x IS NOT DISTINCT FROM true`: never NULL.
                let value = current.isKeyword(.true)
                advance()
                return Self.isDistinct(left, .literal(.bool(value), position), negated: !negated, position)
            }
            try expect(.null)
            return .isNull(left, negated: negated, position)
        case .word(_, .not?):
            advance()
            return try parsePattern(left, negated: true)
        default:
            return try parsePattern(left, negated: false)
        }
    }

    /// `[NOT] IN …`, `[NOT] LIKE/ILIKE …`, `[NOT] BETWEEN …`, `[NOT] GLOB …`, with the current token the keyword.
    private mutating func parsePattern(_ left: Expr, negated: Bool) throws(SQLSyntaxError) -> Expr {
        let position = left.position
        let keyword = current.keyword
        if current.isWord("GLOB") {
            // `s GLOB p` is `glob(s, p)`: the binder turns the constant pattern into a regular expression.
            advance()
            let glob = Expr.function(name: "glob", args: [left, try parseExpression(above: .pattern)], distinct: false, star: false,
                                     withinGroup: nil, filter: nil, position)
            return negated ? .unary(.not, glob, position) : glob
        }
        advance()
        switch keyword {
        case .in:
            try expect(.leftParen)
            if atQuery {
                let query = try parseSelect()
                try expect(.rightParen)
                return .inSubquery(left, query, negated: negated, position)
            }
            let list = try parseExpressionList()
            try expect(.rightParen)
            return .inList(left, list, negated: negated, position)
        case .between:
            let low = try parseExpression(above: .pattern)
            try expect(.and)
            let high = try parseExpression(above: .pattern)
            return .between(left, low: low, high: high, negated: negated, position)
        default:
            let pattern = try parseExpression(above: .pattern)
            let escape = accept(.escape) ? try parseExpression(above: .pattern) : nil
            return .like(left, pattern: pattern, negated: negated, caseInsensitive: keyword == .ilike,
                         escape: escape, position)
        }
    }

    // MARK: - Prefix operators

    private mutating func parsePrefix() throws(SQLSyntaxError) -> Expr {
        let token = current
        switch token.kind {
        case .word(_, .not?):
            advance()
            return .unary(.not, try parseExpression(above: .not), token.position)
        case .symbol(.minus), .symbol(.plus):
            let negate = token.isSymbol(.minus)
            // `-5` is a negative literal (so -9223372036854775808 fits), unless a `::` binds the
            // number first: `-5::text` is `-(5::text)`, as in PostgreSQL.
            if negate, peek().isNumber, !peek(2).isSymbol(.doubleColon) {
                advance()
                let number = current
                advance()
                return .literal(negativeLiteral(number), token.position)
            }
            advance()
            let operand = try parseExpression(above: .unary)
            return .unary(negate ? .negate : .plus, operand, token.position)
        default:
            return try parsePrimary()
        }
    }

    private func negativeLiteral(_ number: Token) -> Literal {
        switch number.kind {
        case .integer(let value): return .integer(-value)
        case .decimal(let value):
            // 9223372036854775808 overflowed as a positive integer but fits once negated.
            if let exact = Int64("-" + text(of: number)) { return .integer(exact) }
            return .decimal(-value)
        default: return .null
        }
    }

    // MARK: - Primary expressions

    private mutating func parsePrimary() throws(SQLSyntaxError) -> Expr {
        let token = current
        switch token.kind {
        case .integer(let value):
            advance()
            return .literal(.integer(value), token.position)
        case .decimal(let value):
            advance()
            return .literal(.decimal(value), token.position)
        case .string(let value):
            advance()
            return .literal(.string(value), token.position)
        case .parameter(let number):
            advance()
            return .parameter(number, token.position)
        case .questionMark:
            advance()
            positionalParameters += 1
            return .parameter(positionalParameters, token.position)
        case .symbol(.leftParen):
            return try parseParenthesized()
        case .symbol(.leftBracket):
            return try parseArrayLiteral()
        case .quotedIdentifier(let name):
            if peek().isSymbol(.leftParen) { return try parseFunctionCall(name: name) }
            advance()
            return try parseColumnReference(first: name, position: token.position)
        case .word(let text, let keyword):
            return try parseWordPrimary(text, keyword)
        default:
            throw unexpected()
        }
    }

    private mutating func parseWordPrimary(_ text: String, _ keyword: Keyword?) throws(SQLSyntaxError) -> Expr {
        let token = current
        let next = peek()
        switch keyword {
        case .null?:
            advance()
            return .literal(.null, token.position)
        case .true?, .false?:
            advance()
            return .literal(.bool(keyword == .true), token.position)
        case .case?:
            return try parseCase()
        case .cast?, .tryCast?:
            return try parseCast()
        case .extract? where next.isSymbol(.leftParen):
            return try parseExtract()
        case .interval? where next.isString || next.isNumber || (next.isSymbol(.minus) && peek(2).isNumber):
            return try parseInterval()
        case .timestamp?, .timestamptz?, .date?, .time?, .json?:
            // A typed literal only when a string follows; otherwise a column such as `date`.
            guard next.isString else { break }
            advance()
            guard case .string(let value) = current.kind else { throw unexpected() }
            advance()
            let type = TypeName(name: text.uppercased(), position: token.position)
            return .literal(.typed(type, value), token.position)
        case .currentTimestamp?, .currentDate?, .currentTime?, .localtimestamp?:
            advance()
            if current.isSymbol(.leftParen) && peek().isSymbol(.rightParen) {
                advance()
                advance()
            }
            return .function(name: text, args: [], distinct: false, star: false, withinGroup: nil, filter: nil, token.position)
        case .exists? where next.isSymbol(.leftParen) && (peek(2).isKeyword(.select) || peek(2).isKeyword(.with)):
            advance()
            advance()
            let query = try parseSelect()
            try expect(.rightParen)
            return .exists(query, token.position)
        case .array? where next.isSymbol(.leftBracket):
            advance()
            return try parseArrayLiteral(position: token.position)
        default:
            break
        }
        let reserved = keyword?.isReserved == true
        if next.isSymbol(.leftParen) && (!reserved || keyword?.isFunctionName == true) {
            return try parseFunctionCall(name: text)
        }
        if reserved { throw unexpected() }
        advance()
        return try parseColumnReference(first: text, position: token.position)
    }

    /// `name` or `qualifier.name`, with `first` already consumed.
    private mutating func parseColumnReference(first: String, position: SQLPosition) throws(SQLSyntaxError) -> Expr {
        guard accept(.dot) else { return .column(qualifier: nil, name: first, position) }
        let name = try parseLabel("a column name")
        return .column(qualifier: first, name: name, position)
    }

    /// `( expr )` or a scalar subquery `( SELECT … )`.
    private mutating func parseParenthesized() throws(SQLSyntaxError) -> Expr {
        let position = try expect(.leftParen)
        if atQuery {
            let query = try parseSelect()
            try expect(.rightParen)
            return .subquery(query, position)
        }
        let inner = try parseExpression()
        try expect(.rightParen)
        return inner
    }

    /// DuckDB's `COLUMNS('regex')` or `COLUMNS(* [EXCLUDE (a, …)])`, after its `(`.
    private mutating func parseColumnsSelector(_ position: SQLPosition) throws(SQLSyntaxError) -> Expr {
        if current.isSymbol(.star) {
            advance()
            var exclude: [String] = []
            if current.isWord("EXCLUDE") {
                advance()
                exclude = current.isSymbol(.leftParen) ? try parseIdentifierList() : [try parseIdentifier("a column name").name]
            }
            try expect(.rightParen)
            return .columns(pattern: nil, exclude: exclude, position)
        }
        guard case .string(let pattern) = current.kind else {
            throw SQLSyntaxError("COLUMNS takes a regular expression in quotes or *, e.g. COLUMNS('.*_ms')", at: current.position)
        }
        advance()
        try expect(.rightParen)
        return .columns(pattern: pattern, exclude: [], position)
    }

    /// `[a, b, …]`, also reached from `ARRAY[…]` with the position of `ARRAY`.
    private mutating func parseArrayLiteral(position: SQLPosition? = nil) throws(SQLSyntaxError) -> Expr {
        let start = try expect(.leftBracket)
        if accept(.rightBracket) { return .array([], position ?? start) }
        let elements = try parseExpressionList()
        try expect(.rightBracket)
        return .array(elements, position ?? start)
    }

    /// `a IS [NOT] DISTINCT FROM b`: equality that treats NULL as a value, written as the CASE it means.
    private static func isDistinct(_ a: Expr, _ b: Expr, negated: Bool, _ p: SQLPosition) -> Expr {
        func isNull(_ e: Expr, _ negated: Bool) -> Expr { .isNull(e, negated: negated, p) }
        return .caseWhen(operand: nil, branches: [
            CaseBranch(condition: isNull(a, false), result: isNull(b, !negated)),
            CaseBranch(condition: isNull(b, false), result: .literal(.bool(!negated), p)),
        ], elseResult: .binary(negated ? .equal : .notEqual, a, b, p), p)
    }

    private mutating func parseFunctionCall(name: String) throws(SQLSyntaxError) -> Expr {
        let position = current.position
        advance()
        try expect(.leftParen)
        if name == "columns" { return try parseColumnsSelector(position) }
        if name == "position" && !current.isSymbol(.rightParen) {
            // `position(needle IN haystack)`, the SQL-standard form of strpos(haystack, needle).
            let needle = try parseExpression(above: .pattern)
            if accept(.in) {
                let haystack = try parseExpression()
                try expect(.rightParen)
                return .function(name: "strpos", args: [haystack, needle], distinct: false, star: false, withinGroup: nil, filter: nil, position)
            }
            throw expected("\"IN\"")
        }
        var args: [Expr] = []
        var distinct = false
        var star = false
        if current.isSymbol(.star) && peek().isSymbol(.rightParen) {
            advance()
            star = true
        } else if !current.isSymbol(.rightParen) {
            distinct = accept(.distinct)
            if !distinct { _ = accept(.all) }
            args = try parseExpressionList()
            // The SQL-standard `SUBSTRING(s FROM start [FOR length])` and `SUBSTRING(s FOR length)`.
            if (name == "substring" || name == "substr"), args.count == 1, current.isKeyword(.from) || current.isKeyword(.for) {
                args.append(accept(.from) ? try parseExpression() : .literal(.integer(1), position))
                if accept(.for) { args.append(try parseExpression()) }
            }
        }
        // `string_agg(x, ', ' ORDER BY y)`: kept like `WITHIN GROUP (ORDER BY y)`, which means the same for it.
        var withinGroup: OrderItem?
        if accept(.order) {
            try expect(.by)
            withinGroup = try parseOrderItem()
            if current.isSymbol(.comma) { throw SQLSyntaxError("an aggregate call takes one ORDER BY key", at: current.position) }
        }
        try expect(.rightParen)
        if withinGroup == nil, current.isKeyword(.within) && peek().isKeyword(.group) {
            advance()
            advance()
            try expect(.leftParen)
            try expect(.order)
            try expect(.by)
            withinGroup = try parseOrderItem()
            try expect(.rightParen)
        }
        var filter: Expr?
        if current.isKeyword(.filter) && peek().isSymbol(.leftParen) {
            advance()
            advance()
            _ = accept(.where)   // DuckDB also takes FILTER (condition)
            filter = try parseExpression()
            try expect(.rightParen)
        }
        let call = Expr.function(name: name, args: args, distinct: distinct, star: star, withinGroup: withinGroup, filter: filter, position)
        guard current.isKeyword(.over) else { return call }
        advance()
        guard current.isSymbol(.leftParen) else {
            var window = WindowCall(function: call, partitionBy: [], orderBy: [], frame: nil)
            window.base = try parseIdentifier("a window name or (").name
            return .window(window, position)
        }
        return .window(try parseWindow(call), position)
    }

    /// `( [PARTITION BY e, …] [ORDER BY …] [ROWS|RANGE frame] )` after OVER.
    mutating func parseWindow(_ function: Expr) throws(SQLSyntaxError) -> WindowCall {
        try expect(.leftParen)
        var window = WindowCall(function: function, partitionBy: [], orderBy: [], frame: nil)
        // `(w ORDER BY …)`: a named window, refined.
        if case .word(let name, let keyword) = current.kind, keyword == nil || keyword?.isReserved == false,
           !["partition", "order", "rows", "range"].contains(name) {
            window.base = name
            advance()
        }
        if accept(.partition) {
            try expect(.by)
            window.partitionBy = try parseExpressionList()
        }
        if accept(.order) {
            try expect(.by)
            window.orderBy = [try parseOrderItem()]
            while accept(.comma) { window.orderBy.append(try parseOrderItem()) }
        }
        if current.isKeyword(.rows) || current.isWord("RANGE") {
            let rows = current.isKeyword(.rows)
            advance()
            if accept(.between) {
                let start = try parseFrameBound()
                try expect(.and)
                window.frame = WindowFrame(rows: rows, start: start, end: try parseFrameBound())
            } else {
                window.frame = WindowFrame(rows: rows, start: try parseFrameBound(), end: .currentRow)
            }
        }
        try expect(.rightParen)
        return window
    }

    /// `UNBOUNDED PRECEDING|FOLLOWING`, `n PRECEDING|FOLLOWING` (n a non-negative integer) or `CURRENT ROW`.
    private mutating func parseFrameBound() throws(SQLSyntaxError) -> WindowFrame.Bound {
        if current.isWord("UNBOUNDED") {
            advance()
            if current.isWord("PRECEDING") { advance(); return .unboundedPreceding }
            if current.isWord("FOLLOWING") { advance(); return .unboundedFollowing }
            throw expected("PRECEDING or FOLLOWING")
        }
        if current.isWord("CURRENT") {
            advance()
            try expect(.row)
            return .currentRow
        }
        if case .integer(let value) = current.kind, let n = Int(exactly: value) {
            advance()
            if current.isWord("PRECEDING") { advance(); return .preceding(n) }
            if current.isWord("FOLLOWING") { advance(); return .following(n) }
            throw expected("PRECEDING or FOLLOWING")
        }
        // A RANGE distance: an interval or a number.
        let offset = try parseExpression(above: .comparison)
        if current.isWord("PRECEDING") { advance(); return .precedingValue(offset) }
        if current.isWord("FOLLOWING") { advance(); return .followingValue(offset) }
        throw expected("PRECEDING or FOLLOWING")
    }

    private mutating func parseCase() throws(SQLSyntaxError) -> Expr {
        let position = try expect(.case)
        let operand = current.isKeyword(.when) ? nil : try parseExpression()
        var branches: [CaseBranch] = []
        while accept(.when) {
            let condition = try parseExpression()
            try expect(.then)
            branches.append(CaseBranch(condition: condition, result: try parseExpression()))
        }
        if branches.isEmpty { throw expected("\"WHEN\"") }
        let elseResult = accept(.else) ? try parseExpression() : nil
        try expect(.end)
        return .caseWhen(operand: operand, branches: branches, elseResult: elseResult, position)
    }

    /// `CAST(e AS T)` / `TRY_CAST(e AS T)`.
    private mutating func parseCast() throws(SQLSyntaxError) -> Expr {
        let position = current.position
        let tryCast = current.isKeyword(.tryCast)
        advance()
        try expect(.leftParen)
        let operand = try parseExpression()
        try expect(.as)
        let type = try parseTypeName()
        try expect(.rightParen)
        return .cast(operand, type, tryCast: tryCast, position)
    }

    /// `EXTRACT(field FROM e)`; the field may also be a string (`EXTRACT('hour' FROM ts)`).
    private mutating func parseExtract() throws(SQLSyntaxError) -> Expr {
        let position = current.position
        advance()
        try expect(.leftParen)
        let field: String
        switch current.kind {
        case .word(let text, _): field = text
        case .string(let text): field = text.lowercased()
        default: throw expected("a date part such as HOUR")
        }
        advance()
        try expect(.from)
        let source = try parseExpression()
        try expect(.rightParen)
        return .extract(field: field, source, position)
    }

    /// `INTERVAL '7 days'` (typed literal), `INTERVAL '7' DAY`, `INTERVAL 7 DAY`, `INTERVAL -1 HOURS`.
    private mutating func parseInterval() throws(SQLSyntaxError) -> Expr {
        let position = current.position
        advance()
        if case .string(let text) = current.kind {
            advance()
            if let unit = acceptIntervalUnit() {
                return .literal(.interval(quantity: text, unit: unit), position)
            }
            return .literal(.typed(TypeName(name: "INTERVAL", position: position), text), position)
        }
        var quantity = ""
        if accept(.minus) { quantity = "-" }
        quantity += text(of: current)
        advance()
        guard let unit = acceptIntervalUnit() else { throw expected("an interval unit such as DAY") }
        return .literal(.interval(quantity: quantity, unit: unit), position)
    }

    private mutating func acceptIntervalUnit() -> String? {
        guard case .word(let text, _) = current.kind, intervalUnits.contains(text) else { return nil }
        advance()
        return text
    }
}
