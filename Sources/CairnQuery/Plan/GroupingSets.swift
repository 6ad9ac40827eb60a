import CairnFormat
import CairnSQL

/// `GROUP BY ROLLUP / CUBE / GROUPING SETS` as the UNION ALL of one grouped query per set, as the
/// SQL standard defines them: in the query for a set, each key outside it is NULL wherever the
/// SELECT list, HAVING or QUALIFY use it outside an aggregate, and `grouping(k, …)` is the bit mask
/// of the arguments outside it (1 for a key that is not grouped). ORDER BY, LIMIT and OFFSET apply
/// to the combined rows; an ORDER BY expression that is a SELECT item sorts by that item.
enum GroupingSets {
    static func expand(_ s: SelectStatement) throws(CairnError) -> SelectStatement {
        // Those apply to all the sets' rows together, which this expansion computes apart.
        let windowed = s.items.contains { if case .expr(let e, _) = $0 { e.containsWindow } else { false } }
        if windowed || s.qualify != nil || s.distinct || !s.distinctOn.isEmpty {
            throw CairnError(.unsupported, "window functions, QUALIFY and DISTINCT cannot be combined with ROLLUP, CUBE or GROUPING SETS; "
                             + "group in a subquery and apply them outside it",
                             location: SourceLocation(line: s.position.line, column: s.position.column))
        }
        // Keys by text; a position (`ROLLUP (1, 2)`) stands for that SELECT item.
        let items: [(expr: Expr, alias: String?)] = s.items.compactMap { if case .expr(let e, let a) = $0 { (e, a) } else { nil } }
        func resolved(_ key: Expr) -> Expr {
            if case .literal(.integer(let n), _) = key, n >= 1, n <= items.count { return items[Int(n) - 1].expr }
            return key
        }
        func text(_ e: Expr) -> String { ExprNaming.name(e).lowercased() }
        let allKeys = s.groupingSets.flatMap { $0 }.map(resolved)
        var branches: [SelectStatement] = []
        for set in s.groupingSets {
            let grouped = Set(set.map { text(resolved($0)) })
            let missing = Set(allKeys.map(text).filter { !grouped.contains($0) })
            // An item whose alias a missing key names (GROUP BY GROUPING SETS ((tenant_id), (cat))).
            let missingAliases = Set(allKeys.compactMap { k -> String? in
                guard case .column(nil, let name, _) = k, missing.contains(text(k)) else { return nil }
                return name.lowercased()
            })
            func nulled(_ e: Expr) -> Expr {
                e.rewritten { node in
                    if missing.contains(text(node)), !node.isAggregateCall { return .literal(.null, node.position) }
                    switch node {
                    case .subquery, .exists, .inSubquery, .window:
                        return node
                    case .function(let name, let args, _, _, _, _, let p):
                        if name == "grouping" || name == "grouping_id" {
                            let mask = args.reduce(Int64(0)) { $0 << 1 | (missing.contains(text(resolved($1))) ? 1 : 0) }
                            return .literal(.integer(mask), p)
                        }
                        return node.isAggregateCall ? node : nil
                    default:
                        return nil
                    }
                }
            }
            var branch = s
            branch.groupingSets = []
            branch.groupBy = set
            branch.items = s.items.map { item in
                guard case .expr(let e, let alias) = item else { return item }
                let name = alias ?? ExprNaming.name(e)
                if let alias, missingAliases.contains(alias.lowercased()) { return .expr(.literal(.null, e.position), alias: alias) }
                return .expr(nulled(e), alias: name)
            }
            // The empty set is one row over all rows, aggregates or not, even over none: HAVING
            // makes a query without aggregates aggregate.
            branch.having = s.having.map(nulled) ?? (set.isEmpty ? .literal(.bool(true), s.position) : nil)
            branch.qualify = s.qualify.map(nulled)
            branch.orderBy = []
            branch.orderByAll = nil
            branch.limit = nil
            branch.offset = nil
            branch.setOperations = []
            branches.append(branch)
        }
        var compound = branches[0]
        compound.setOperations = branches.dropFirst().map { SetOperation(op: SetOperator(kind: .union, all: true), query: $0) } + s.setOperations
        compound.orderByAll = s.orderByAll
        compound.limit = s.limit
        compound.offset = s.offset
        compound.orderBy = s.orderBy.map { o in
            guard let i = items.firstIndex(where: { text($0.expr) == text(o.expr) }) else { return o }
            return OrderItem(expr: .literal(.integer(Int64(i + 1)), o.expr.position), descending: o.descending, nullsFirst: o.nullsFirst)
        }
        return compound
    }
}

private extension Expr {
    var isAggregateCall: Bool {
        guard case .function(let name, _, _, let star, let within, _, _) = self else { return false }
        return star || within != nil || Binder.aggregateKind(name) != nil
    }
}
