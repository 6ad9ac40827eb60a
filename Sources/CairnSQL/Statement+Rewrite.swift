// Rewrites that reach into every expression of a statement, subqueries included: correlated
// subqueries are run with the outer query's values in place of its columns.

extension Expr {
    /// This expression with every node that `transform` maps replaced (top-down: a replaced node's
    /// children are not visited), descending into subqueries and their clauses.
    public func rewritten(_ transform: (Expr) -> Expr?) -> Expr {
        if let replaced = transform(self) { return replaced }
        func r(_ e: Expr) -> Expr { e.rewritten(transform) }
        func order(_ o: OrderItem) -> OrderItem { o.mapping(r) }
        switch self {
        case .literal, .column, .parameter, .columns:
            return self
        case .subquery(let s, let p): return .subquery(s.rewritten(transform), p)
        case .exists(let s, let p): return .exists(s.rewritten(transform), p)
        case .inSubquery(let x, let s, let negated, let p): return .inSubquery(r(x), s.rewritten(transform), negated: negated, p)
        case .unary(let op, let x, let p): return .unary(op, r(x), p)
        case .binary(let op, let a, let b, let p): return .binary(op, r(a), r(b), p)
        case .function(let name, let args, let distinct, let star, let within, let filter, let p):
            return .function(name: name, args: args.map(r), distinct: distinct, star: star, withinGroup: within.map(order),
                             filter: filter.map(r), p)
        case .cast(let x, let type, let tryCast, let p): return .cast(r(x), type, tryCast: tryCast, p)
        case .inList(let x, let items, let negated, let p): return .inList(r(x), items.map(r), negated: negated, p)
        case .between(let x, let low, let high, let negated, let p):
            return .between(r(x), low: r(low), high: r(high), negated: negated, p)
        case .like(let x, let pattern, let negated, let caseInsensitive, let escape, let p):
            return .like(r(x), pattern: r(pattern), negated: negated, caseInsensitive: caseInsensitive, escape: escape.map(r), p)
        case .isNull(let x, let negated, let p): return .isNull(r(x), negated: negated, p)
        case .caseWhen(let operand, let branches, let elseResult, let p):
            return .caseWhen(operand: operand.map(r), branches: branches.map { CaseBranch(condition: r($0.condition), result: r($0.result)) },
                             elseResult: elseResult.map(r), p)
        case .extract(let field, let x, let p): return .extract(field: field, r(x), p)
        case .array(let elements, let p): return .array(elements.map(r), p)
        case .window(var w, let p):
            w.function = r(w.function)
            w.partitionBy = w.partitionBy.map(r)
            w.orderBy = w.orderBy.map(order)
            return .window(w, p)
        }
    }
}

extension SelectStatement {
    /// ``Expr/rewritten(_:)`` applied to every expression of the statement: its items, FROM
    /// (subqueries, join conditions, table function arguments), clauses and set operations.
    public func rewritten(_ transform: (Expr) -> Expr?) -> SelectStatement {
        mappingClauses(expr: { $0.rewritten(transform) }, source: { $0.rewritten(transform) }, part: { $0.rewritten(transform) })
    }

    /// The statement with `expr` applied to each of its own expressions (items, clauses, ORDER BY,
    /// LIMIT), `source` to its FROM and `part` to each set-operation query: the walk both rewrites share.
    private func mappingClauses(expr: (Expr) -> Expr, source: (TableRef) -> TableRef,
                                part: (SelectStatement) -> SelectStatement) -> SelectStatement {
        var s = self
        s.distinctOn = distinctOn.map(expr)
        s.items = items.map { item in
            switch item {
            case .expr(let e, let alias): return .expr(expr(e), alias: alias)
            case .star(let q, var modifiers, let p):
                modifiers.replace = modifiers.replace.map { ($0.name, expr($0.expr)) }
                return .star(qualifier: q, modifiers: modifiers, position: p)
            }
        }
        s.from = from.map(source)
        s.whereClause = whereClause.map(expr)
        s.groupBy = groupBy.map(expr)
        s.groupingSets = groupingSets.map { $0.map(expr) }
        s.having = having.map(expr)
        s.qualify = qualify.map(expr)
        s.orderBy = orderBy.map { $0.mapping(expr) }
        s.limit = limit.map(expr)
        s.offset = offset.map(expr)
        s.setOperations = setOperations.map { SetOperation(op: $0.op, query: part($0.query)) }
        return s
    }

    /// The statement with each qualified column reference `q.name` whose qualifier no FROM clause
    /// between here and the reference introduces (it names an enclosing query's source) replaced by
    /// what `outer` returns for it, at any depth. A subquery that introduces the same name hides the
    /// enclosing one from its own references, as SQL scoping has it.
    /// Unqualified references are offered too (with a nil qualifier), for names the caller knows
    /// the subquery's sources lack.
    public func replacingOuterColumns(_ outer: (_ qualifier: String?, _ name: String, SQLPosition) -> Expr?) -> SelectStatement {
        replacingOuterColumns(hidden: [], outer)
    }

    private func replacingOuterColumns(hidden: Set<String>, _ outer: (String?, String, SQLPosition) -> Expr?) -> SelectStatement {
        let inScope = hidden.union(ownNames)
        func expr(_ e: Expr) -> Expr {
            e.rewritten { node in
                switch node {
                case .column(let q, let name, let p) where q.map { !inScope.contains($0.lowercased()) } ?? true:
                    return outer(q, name, p) ?? node
                case .subquery(let s, let p): return .subquery(s.replacingOuterColumns(hidden: inScope, outer), p)
                case .exists(let s, let p): return .exists(s.replacingOuterColumns(hidden: inScope, outer), p)
                case .inSubquery(let x, let s, let negated, let p):
                    return .inSubquery(expr(x), s.replacingOuterColumns(hidden: inScope, outer), negated: negated, p)
                default: return nil
                }
            }
        }
        // FROM subqueries see the enclosing queries; set-operation parts are queries beside this one, not inside it.
        return mappingClauses(expr: expr,
                              source: { $0.mapping(expr: expr, query: { $0.replacingOuterColumns(hidden: inScope, outer) }) },
                              part: { $0.replacingOuterColumns(hidden: hidden, outer) })
    }

    /// The names this statement's own FROM introduces, lower-cased: each source's alias, or its
    /// table (or function) name when it has none.
    private var ownNames: Set<String> {
        var names = Set<String>()
        func add(_ ref: TableRef) {
            switch ref {
            case .table(let name, let alias, _): names.insert((alias ?? name).lowercased())
            case .subquery(_, let alias, _): if let alias { names.insert(alias.lowercased()) }
            case .join(let a, let b, _, _, _, _): add(a); add(b)
            case .function(let name, _, let alias, _, _): names.insert((alias ?? name).lowercased())
            }
        }
        if let from { add(from) }
        return names
    }
}

extension TableRef {
    func rewritten(_ transform: (Expr) -> Expr?) -> TableRef {
        mapping(expr: { $0.rewritten(transform) }, query: { $0.rewritten(transform) })
    }

    /// This source with `expr` applied to its join conditions and function arguments and `query`
    /// to its subqueries.
    func mapping(expr: (Expr) -> Expr, query: (SelectStatement) -> SelectStatement) -> TableRef {
        switch self {
        case .table: self
        case .subquery(let s, let alias, let p): .subquery(query(s), alias: alias, position: p)
        case .join(let a, let b, let kind, let on, let using, let p):
            .join(a.mapping(expr: expr, query: query), b.mapping(expr: expr, query: query), kind: kind, on: on.map(expr), using: using, position: p)
        case .function(let name, let args, let alias, let columns, let p):
            .function(name: name, args: args.map(expr), alias: alias, columnAliases: columns, position: p)
        }
    }
}

extension OrderItem {
    /// The same ordering of `f` applied to its expression.
    public func mapping(_ f: (Expr) -> Expr) -> OrderItem {
        OrderItem(expr: f(expr), descending: descending, nullsFirst: nullsFirst)
    }
}
