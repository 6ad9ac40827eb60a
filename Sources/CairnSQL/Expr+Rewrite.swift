extension Expr {
    /// The expression with each unqualified column reference that `replacement` maps replaced by
    /// what it returns. Subqueries are left alone: their names belong to their own FROM.
    public func replacingColumns(_ replacement: (_ name: String) -> Expr?) -> Expr {
        rewritten { node in
            switch node {
            case .column(nil, let name, _): return replacement(name) ?? node
            case .subquery, .exists: return node
            case .inSubquery(let x, let query, let negated, let p): return .inSubquery(x.replacingColumns(replacement), query, negated: negated, p)
            default: return nil
            }
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

    /// Whether the expression holds a `COLUMNS(…)` selector, outside subqueries.
    public var containsColumnsSelector: Bool { contains { if case .columns = $0 { true } else { false } } }

    /// Whether `match` holds for this node or one below it, outside subqueries. A window call is
    /// one node: its function's arguments, its partition and order are below it, not the call.
    private func contains(where match: (Expr) -> Bool) -> Bool {
        if match(self) { return true }
        func c(_ e: Expr) -> Bool { e.contains(where: match) }
        switch self {
        case .literal, .column, .parameter, .subquery, .exists, .columns:
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
