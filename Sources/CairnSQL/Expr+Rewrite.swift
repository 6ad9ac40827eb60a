extension Expr {
    /// The expression with each unqualified column reference that `replacement` maps replaced by
    /// what it returns. Subqueries are left alone: their names belong to their own FROM.
    public func replacingColumns(_ replacement: (_ name: String) -> Expr?) -> Expr {
        func r(_ e: Expr) -> Expr { e.replacingColumns(replacement) }
        switch self {
        case .column(nil, let name, _):
            return replacement(name) ?? self
        case .literal, .column, .parameter, .subquery, .exists:
            return self
        case .unary(let op, let x, let p):
            return .unary(op, r(x), p)
        case .binary(let op, let a, let b, let p):
            return .binary(op, r(a), r(b), p)
        case .function(let name, let args, let distinct, let star, let within, let filter, let p):
            let order = within.map { OrderItem(expr: r($0.expr), descending: $0.descending, nullsFirst: $0.nullsFirst) }
            return .function(name: name, args: args.map(r), distinct: distinct, star: star, withinGroup: order,
                             filter: filter.map(r), p)
        case .cast(let x, let type, let tryCast, let p):
            return .cast(r(x), type, tryCast: tryCast, p)
        case .inList(let x, let items, let negated, let p):
            return .inList(r(x), items.map(r), negated: negated, p)
        case .inSubquery(let x, let query, let negated, let p):
            return .inSubquery(r(x), query, negated: negated, p)
        case .between(let x, let low, let high, let negated, let p):
            return .between(r(x), low: r(low), high: r(high), negated: negated, p)
        case .like(let x, let pattern, let negated, let caseInsensitive, let escape, let p):
            return .like(r(x), pattern: r(pattern), negated: negated, caseInsensitive: caseInsensitive, escape: escape.map(r), p)
        case .isNull(let x, let negated, let p):
            return .isNull(r(x), negated: negated, p)
        case .caseWhen(let operand, let branches, let elseResult, let p):
            return .caseWhen(operand: operand.map(r),
                             branches: branches.map { CaseBranch(condition: r($0.condition), result: r($0.result)) },
                             elseResult: elseResult.map(r), p)
        case .extract(let field, let x, let p):
            return .extract(field: field, r(x), p)
        case .array(let elements, let p):
            return .array(elements.map(r), p)
        case .window(let w, let p):
            return .window(WindowCall(function: r(w.function), partitionBy: w.partitionBy.map(r),
                                      orderBy: w.orderBy.map { OrderItem(expr: r($0.expr), descending: $0.descending, nullsFirst: $0.nullsFirst) },
                                      frame: w.frame), p)
        }
    }

    /// Whether the expression calls an aggregate, as `isAggregate` judges function names, outside subqueries.
    /// A window function's own call is not one (it is computed per row, after any aggregation); calls
    /// inside its arguments and window are.
    public func containsCall(where isAggregate: (_ name: String) -> Bool) -> Bool {
        contains { node in
            guard case .function(let name, _, _, let star, let within, _, _) = node else { return false }
            return star || within != nil || isAggregate(name)
        }
    }

    /// Whether the expression calls a window function (`f(…) OVER (…)`), outside subqueries.
    public var containsWindow: Bool { contains { if case .window = $0 { true } else { false } } }

    /// Whether `match` holds for this node or one below it, outside subqueries. A window call is
    /// one node: its function's arguments, its partition and order are below it, not the call.
    private func contains(where match: (Expr) -> Bool) -> Bool {
        if match(self) { return true }
        func c(_ e: Expr) -> Bool { e.contains(where: match) }
        switch self {
        case .literal, .column, .parameter, .subquery, .exists:
            return false
        case .unary(_, let x, _), .cast(let x, _, _, _), .isNull(let x, _, _), .extract(_, let x, _), .inSubquery(let x, _, _, _):
            return c(x)
        case .binary(_, let a, let b, _):
            return c(a) || c(b)
        case .function(_, let args, _, _, let within, let filter, _):
            return args.contains(where: c) || (within.map { c($0.expr) } ?? false) || (filter.map(c) ?? false)
        case .inList(let x, let items, _, _):
            return c(x) || items.contains(where: c)
        case .between(let x, let low, let high, _, _):
            return c(x) || c(low) || c(high)
        case .like(let x, let pattern, _, _, let escape, _):
            return c(x) || c(pattern) || (escape.map(c) ?? false)
        case .caseWhen(let operand, let branches, let elseResult, _):
            return (operand.map(c) ?? false) || branches.contains { c($0.condition) || c($0.result) } || (elseResult.map(c) ?? false)
        case .array(let elements, _):
            return elements.contains(where: c)
        case .window(let w, _):
            guard case .function(_, let args, _, _, _, let filter, _) = w.function else { return false }
            return args.contains(where: c) || (filter.map(c) ?? false) || w.partitionBy.contains(where: c) || w.orderBy.contains { c($0.expr) }
        }
    }
}
