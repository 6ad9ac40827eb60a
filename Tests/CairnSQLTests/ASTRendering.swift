import CairnSQL
import Testing

// Compact, position-free renderings of expressions so precedence tests read as S-expressions:
// `1 + 2 * 3` renders as `(+ 1 (* 2 3))`.

func render(_ expr: Expr) -> String {
    switch expr {
    case .literal(let literal, _): return render(literal)
    case .column(let qualifier, let name, _): return qualifier.map { "\($0).\(name)" } ?? name
    case .parameter(let number, _): return "$\(number)"
    case .unary(let op, let operand, _): return "(\(op.rawValue) \(render(operand)))"
    case .binary(let op, let left, let right, _): return "(\(op.rawValue) \(render(left)) \(render(right)))"
    case .function(let name, let args, let distinct, let star, let withinGroup, let filter, _):
        var inner = star ? "*" : args.map(render).joined(separator: ", ")
        if distinct { inner = "DISTINCT " + inner }
        if let withinGroup { inner += " WITHIN " + render(withinGroup) }
        return "\(name)(\(inner))" + (filter.map { " FILTER " + render($0) } ?? "")
    case .cast(let operand, let type, let tryCast, _):
        return "\(tryCast ? "TRY_CAST" : "CAST")(\(render(operand)) AS \(render(type)))"
    case .inList(let operand, let list, let negated, _):
        return "(\(negated ? "NOT IN" : "IN") \(render(operand)) [\(list.map(render).joined(separator: ", "))])"
    case .inSubquery(let operand, _, let negated, _):
        return "(\(negated ? "NOT IN" : "IN") \(render(operand)) SUBQUERY)"
    case .between(let operand, let low, let high, let negated, _):
        return "(\(negated ? "NOT BETWEEN" : "BETWEEN") \(render(operand)) \(render(low)) \(render(high)))"
    case .like(let operand, let pattern, let negated, let caseInsensitive, let escape, _):
        let op = (negated ? "NOT " : "") + (caseInsensitive ? "ILIKE" : "LIKE")
        return "(\(op) \(render(operand)) \(render(pattern))\(escape.map { " ESCAPE " + render($0) } ?? ""))"
    case .isNull(let operand, let negated, _):
        return "(\(negated ? "IS NOT NULL" : "IS NULL") \(render(operand)))"
    case .caseWhen(let operand, let branches, let elseResult, _):
        var parts = operand.map { [render($0)] } ?? []
        parts += branches.map { "\(render($0.condition)) → \(render($0.result))" }
        if let elseResult { parts.append("ELSE " + render(elseResult)) }
        return "CASE(\(parts.joined(separator: "; ")))"
    case .extract(let field, let source, _): return "EXTRACT(\(field) FROM \(render(source)))"
    case .subquery: return "SUBQUERY"
    case .exists: return "EXISTS(SUBQUERY)"
    case .array(let elements, _): return "[\(elements.map(render).joined(separator: ", "))]"
    case .columns(let pattern, let exclude, _):
        return "COLUMNS(\(pattern.map { "'\($0)'" } ?? "*")\(exclude.isEmpty ? "" : " EXCLUDE " + exclude.joined(separator: ", ")))"
    case .window(let w, _):
        var parts: [String] = []
        if !w.partitionBy.isEmpty { parts.append("PARTITION " + w.partitionBy.map(render).joined(separator: ", ")) }
        if !w.orderBy.isEmpty { parts.append("ORDER " + w.orderBy.map(render).joined(separator: ", ")) }
        if let f = w.frame { parts.append("\(f.rows ? "ROWS" : "RANGE") \(f.start) \(f.end)") }
        return render(w.function) + " OVER(" + parts.joined(separator: "; ") + ")"
    }
}

func render(_ literal: Literal) -> String {
    switch literal {
    case .null: "NULL"
    case .bool(let value): value ? "TRUE" : "FALSE"
    case .integer(let value): "\(value)"
    case .decimal(let value): "\(value)d"
    case .string(let value): "'\(value)'"
    case .typed(let type, let value): "\(render(type))'\(value)'"
    case .interval(let quantity, let unit): "INTERVAL(\(quantity) \(unit))"
    }
}

func render(_ type: TypeName) -> String {
    type.parameters.isEmpty ? type.name : "\(type.name)(\(type.parameters.map(String.init).joined(separator: ",")))"
}

func render(_ item: OrderItem) -> String {
    var text = render(item.expr) + (item.descending ? " DESC" : "")
    if let nullsFirst = item.nullsFirst { text += nullsFirst ? " NULLS FIRST" : " NULLS LAST" }
    return text
}

/// Parses exactly one statement.
func parseOne(_ sql: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Statement {
    let statements = try SQLParser.parse(sql)
    try #require(statements.count == 1, "expected one statement in \(sql)", sourceLocation: sourceLocation)
    return statements[0]
}

/// Parses `SELECT <text>` and returns the single select item's expression.
func parseExpression(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Expr {
    guard case .select(let select) = try parseOne("SELECT " + text, sourceLocation: sourceLocation),
          select.items.count == 1, case .expr(let expr, nil) = select.items[0] else {
        Issue.record("not a single unaliased select item: \(text)", sourceLocation: sourceLocation)
        throw SQLSyntaxError("unexpected shape", at: SQLPosition(line: 0, column: 0, offset: 0))
    }
    return expr
}

/// The error parsing `sql` throws, or nil when it parses.
func syntaxError(_ sql: String) -> SQLSyntaxError? {
    do {
        _ = try SQLParser.parse(sql)
        return nil
    } catch {
        return error
    }
}

func pos(_ line: Int, _ column: Int, _ offset: Int) -> SQLPosition {
    SQLPosition(line: line, column: column, offset: offset)
}
