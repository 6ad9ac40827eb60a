import CairnFormat
import CairnSQL
import CairnTables
import CairnVector

/// Binds a SELECT statement into a ``SelectPlan``: resolves FROM, expands `*`, splits work into
/// scan/filter/aggregate/project/sort, and pushes WHERE conjuncts down to zone-map pruning.
package struct Planner {
    package let snapshot: Snapshot
    package let context: QueryContext
    /// How many queries this one is nested in (FROM subqueries, inlined WITH queries, set operation
    /// parts): each level costs stack, and WITH queries that read each other nest without the
    /// parser's nesting limit seeing it.
    let depth: Int
    static let maximumDepth = 64

    package init(snapshot: Snapshot, context: QueryContext) {
        self.init(snapshot: snapshot, context: context, depth: 0)
    }

    init(snapshot: Snapshot, context: QueryContext, depth: Int) {
        self.snapshot = snapshot
        self.context = context
        self.depth = depth
    }

    /// A planner for a query nested in this one.
    func nested(at p: SQLPosition) throws(CairnError) -> Planner {
        guard depth < Self.maximumDepth else {
            throw CairnError(.unsupported, "queries nest too deeply (more than \(Self.maximumDepth) levels of subqueries, WITH queries and set operations)",
                             location: SourceLocation(line: p.line, column: p.column))
        }
        return Planner(snapshot: snapshot, context: context, depth: depth + 1)
    }

    package func plan(_ s: SelectStatement) throws(CairnError) -> SelectPlan {
        if !s.groupingSets.isEmpty {
            if let item = s.items.first(where: { if case .expr(let e, _) = $0 { e.containsColumnsSelector } else { false } }),
               case .expr(let e, _) = item {
                throw CairnError(.unsupported, "COLUMNS(…) cannot be combined with ROLLUP, CUBE or GROUPING SETS",
                                 location: SourceLocation(line: e.position.line, column: e.position.column))
            }
            return try plan(try GroupingSets.expand(s))
        }
        var plan: SelectPlan
        if s.setOperations.isEmpty {
            plan = try self.plan(s, over: nil)
        } else {
            // The combined rows are read like a FROM subquery by the compound's ORDER BY and LIMIT.
            let combined = try combine(s)
            var outer = SelectStatement(items: [.star(qualifier: nil, position: s.position)], orderBy: s.orderBy,
                                        limit: s.limit, offset: s.offset, position: s.position)
            outer.orderByAll = s.orderByAll
            plan = try self.plan(outer, over: combined)
        }
        guard s.columnAliases.count <= plan.names.count else {
            throw CairnError(.binder, "the column list names \(s.columnAliases.count) columns but the query has \(plan.names.count)",
                             location: SourceLocation(line: s.position.line, column: s.position.column))
        }
        for (i, name) in s.columnAliases.enumerated() { plan.names[i] = name }
        return plan
    }

    /// Plans `s` over its FROM, or over rows already computed (`over`) when given.
    private func plan(_ s: SelectStatement, over preset: (scope: Scope, rows: Batch)?) throws(CairnError) -> SelectPlan {
        // FROM
        var scope = Scope.empty
        var source = PlanSource.none
        var table: TableSnapshot?
        switch s.from {
        case _ where preset != nil:
            if let preset {
                scope = preset.scope
                source = .materialized(preset.rows)
            }
        case nil:
            break
        case .table(let name, let alias, _)? where snapshot.table(name) == nil && name.lowercased() == IndexStats.tableName:
            let stats = try IndexStats.batch(snapshot, context)
            scope = Scope(columns: IndexStats.columns.map { .init(qualifier: alias ?? IndexStats.tableName, name: $0.0, type: $0.1) })
            source = .materialized(stats)
        case .table(let name, let alias, let p)?:
            guard let t = snapshot.table(name) else {
                throw CairnError(.binder, "table \"\(name)\" does not exist", location: SourceLocation(line: p.line, column: p.column))
            }
            table = t
            scope = Scope(table: t.schema, qualifier: alias)
        case let from?:   // a subquery or a join: computed first
            let computed = try rows(of: from)
            scope = computed.scope
            source = .materialized(computed.rows)
        }

        var binder = Binder(scope: scope, context: context)

        // SELECT list, with * expanded.
        var items: [(Expr, String)] = []
        // A SELECT item may use an earlier item's alias that is no input column (DuckDB's lateral aliases).
        var earlier: [String: Expr] = [:]
        /// `e` with each name that is no input column but one of `aliases` replaced by its item.
        func substituting(_ aliases: [String: Expr], in e: Expr) -> Expr {
            guard !aliases.isEmpty else { return e }
            return e.replacingColumns { name in
                guard case .failure = scope.resolve(qualifier: nil, name: name) else { return nil }
                return aliases[name.lowercased()]
            }
        }
        for item in s.items {
            switch item {
            case .star(let q, let modifiers, let p):
                let location = SourceLocation(line: p.line, column: p.column)
                let cols = scope.columns.enumerated().filter { q == nil ? !$0.element.hidden : $0.element.qualifier?.lowercased() == q?.lowercased() }
                if cols.isEmpty {
                    throw CairnError(.binder, s.from == nil ? "SELECT * needs a FROM clause" : "no columns match \(q ?? "")*", location: location)
                }
                for name in modifiers.exclude + modifiers.replace.map(\.name)
                where !cols.contains(where: { $0.element.name.lowercased() == name.lowercased() }) {
                    throw CairnError(.binder, "column \"\(name)\" in EXCLUDE or REPLACE is not among the columns of \(q ?? "")*", location: location)
                }
                for (_, c) in cols where !modifiers.exclude.contains(where: { $0.lowercased() == c.name.lowercased() }) {
                    let replacement = modifiers.replace.first { $0.name.lowercased() == c.name.lowercased() }?.expr
                    items.append((replacement ?? .column(qualifier: c.qualifier, name: c.name, p), c.name))
                }
            case .expr(let e0, let alias):
                let e = substituting(earlier, in: e0)
                // A COLUMNS(…) selector makes one item per column it picks, each named (the alias then names them all).
                let expansions = e0.containsColumnsSelector ? try Self.expandColumns(e, alias: alias, scope: scope)
                    : [(e, alias ?? ExprNaming.name(e0))]
                for (expanded, name) in expansions {
                    items.append((expanded, name))
                    if alias != nil, earlier[name.lowercased()] == nil { earlier[name.lowercased()] = expanded }
                }
            }
        }
        guard !items.isEmpty else {
            throw CairnError(.binder, "SELECT list is empty after resolving * expressions", location: SourceLocation(line: s.position.line, column: s.position.column))
        }
        // A name that is no column of the input but a SELECT item's alias stands for that item, in
        // WHERE, GROUP BY, HAVING and ORDER BY expressions alike (as in DuckDB).
        let aliased = earlier
        func resolvingAliases(_ e: Expr) -> Expr { substituting(aliased, in: e) }

        // WHERE
        var filter: BoundExpr?
        if var w = s.whereClause.map(resolvingAliases) {
            if w.containsColumnsSelector { w = try Self.expandColumnsCondition(w, scope: scope) }
            let b = try binder.bind(w)
            filter = try binder.coerce(b, to: .boolean, w.position)
        }
        // Rows the table's retention has expired are invisible at once.
        if let table, let visible = try RetentionFilter.visible(table.schema, now: context.now) {
            // Bound over the table's own name (rules may say `events.kind`), whatever alias the query uses;
            // the column positions are the same.
            var rules = Binder(scope: Scope(table: table.schema), context: context)
            let b = try rules.coerce(try rules.bind(visible), to: .boolean, s.position)
            filter = filter.map { .and([b, $0]) } ?? b
        }

        // GROUP BY: ordinals and aliases refer to SELECT items; ALL means every item without an aggregate.
        var groupExprs: [Expr] = []
        let groupBy = s.groupByAll
            ? items.map(\.0).filter { !$0.containsCall(where: { Binder.aggregateKind($0) != nil }) && !$0.containsWindow }
            : s.groupBy
        for g in groupBy {
            if case .literal(.integer(let k), let p) = g {
                guard k >= 1, k <= items.count else {
                    throw CairnError(.binder, "GROUP BY position \(k) is not in select list", location: SourceLocation(line: p.line, column: p.column))
                }
                groupExprs.append(items[Int(k) - 1].0)
            } else if case .column(nil, let name, _) = g, case .failure = scope.resolve(qualifier: nil, name: name),
                      let item = items.first(where: { $0.1.lowercased() == name.lowercased() }) {
                groupExprs.append(item.0)
            } else {
                groupExprs.append(resolvingAliases(g))
            }
        }
        var keys: [BoundExpr] = []
        for g in groupExprs {
            let k = try binder.bind(g)
            if !keys.contains(k) { keys.append(k) }
        }

        // Bind outputs with aggregate and window collection on (windows are not allowed in HAVING).
        binder.aggregates = []
        binder.windows = []
        var outputs: [BoundExpr] = []
        for (e, _) in items { outputs.append(try binder.bind(e)) }
        var havingBound: BoundExpr?
        if let h = s.having.map(resolvingAliases) {
            let windows = binder.windows
            binder.windows = nil
            havingBound = try binder.coerce(try binder.bind(h), to: .boolean, h.position)
            binder.windows = windows
        }
        var qualifyBound: BoundExpr?
        if let q = s.qualify.map(resolvingAliases) {
            qualifyBound = try binder.coerce(try binder.bind(q), to: .boolean, q.position)
        }

        // ORDER BY: ordinal, output alias, or expression; ALL means every item, left to right.
        var order: [SortKey] = []
        var projections = outputs
        var orderExprs: [(Int?, Expr?, OrderItem)] = []
        let orderBy = s.orderByAll.map { d in
            items.indices.map { OrderItem(expr: .literal(.integer(Int64($0 + 1)), s.position), descending: d.descending, nullsFirst: d.nullsFirst) }
        } ?? s.orderBy
        // A SELECT item's position (ordinal or output name) or an expression to bind, for ORDER BY and DISTINCT ON.
        func outputReference(_ e: Expr, _ clause: String) throws(CairnError) -> (Int?, Expr?) {
            if case .literal(.integer(let k), let p) = e {
                guard k >= 1, k <= items.count else {
                    throw CairnError(.binder, "\(clause) position \(k) is not in select list", location: SourceLocation(line: p.line, column: p.column))
                }
                return (Int(k) - 1, nil)
            }
            if case .column(nil, let name, _) = e, let idx = items.firstIndex(where: { $0.1.lowercased() == name.lowercased() }) {
                return (idx, nil)
            }
            return (nil, resolvingAliases(e))
        }
        for o in orderBy {
            let (idx, e) = try outputReference(o.expr, "ORDER BY")
            orderExprs.append((idx, e, o))
        }
        var boundOrder: [(Int?, BoundExpr?, OrderItem)] = []
        for (idx, e, o) in orderExprs {
            boundOrder.append((idx, try e.map { (x: Expr) throws(CairnError) in try binder.bind(x) }, o))
        }
        var boundDistinctOn: [(Int?, BoundExpr?, SQLPosition)] = []
        for e in s.distinctOn {
            let (idx, x) = try outputReference(e, "DISTINCT ON")
            boundDistinctOn.append((idx, try x.map { (x: Expr) throws(CairnError) in try binder.bind(x) }, e.position))
        }

        let specs = binder.aggregates ?? []
        var windows = binder.windows ?? []
        if s.qualify != nil && windows.isEmpty {
            throw CairnError(.binder, "QUALIFY needs a window function in the query",
                             location: SourceLocation(line: s.position.line, column: s.position.column))
        }
        let aggregating = !keys.isEmpty || !specs.isEmpty || havingBound != nil
        if aggregating {
            outputs = try zip(outputs, items).map { (pair) throws(CairnError) in try lift(pair.0, keys: keys, scope: scope, pair.1.0.position) }
            havingBound = try havingBound.map { (h: BoundExpr) throws(CairnError) in try lift(h, keys: keys, scope: scope, s.having?.position ?? s.position) }
            qualifyBound = try qualifyBound.map { (q: BoundExpr) throws(CairnError) in try lift(q, keys: keys, scope: scope, s.qualify?.position ?? s.position) }
            windows = try windows.map { (w) throws(CairnError) in
                try w.mapExpressions { (e) throws(CairnError) in try lift(e, keys: keys, scope: scope, s.position) }
            }
            projections = outputs
        } else if specs.isEmpty == false {
            projections = outputs
        }
        // The projection column of a bound ORDER BY or DISTINCT ON reference; expressions not in the
        // SELECT list become hidden projections.
        func projectionColumn(_ idx: Int?, _ e: BoundExpr?, _ p: SQLPosition, hiddenAllowed: Bool) throws(CairnError) -> Int? {
            if let idx { return idx }
            guard var b = e else { return nil }
            if aggregating { b = try lift(b, keys: keys, scope: scope, p) }
            if let existing = projections.firstIndex(of: b), existing < items.count || hiddenAllowed { return existing }
            guard hiddenAllowed else {
                throw CairnError(.binder, "for SELECT DISTINCT, ORDER BY expressions must appear in the select list",
                                 location: SourceLocation(line: p.line, column: p.column))
            }
            projections.append(b)
            return projections.count - 1
        }
        for (idx, e, o) in boundOrder {
            guard let column = try projectionColumn(idx, e, o.expr.position, hiddenAllowed: !s.distinct) else { continue }
            order.append(SortKey(column: column, descending: o.descending, nullsFirst: o.nullsFirst ?? false))
        }
        var distinctOn: [Int] = []
        for (idx, e, p) in boundDistinctOn {
            if let column = try projectionColumn(idx, e, p, hiddenAllowed: true) { distinctOn.append(column) }
        }

        let limit = try s.limit.map { (e: Expr) throws(CairnError) in try constantInt(e, &binder, "LIMIT") }
        let offset = try s.offset.map { (e: Expr) throws(CairnError) in try constantInt(e, &binder, "OFFSET") } ?? 0

        var plan = SelectPlan(source: source, filter: filter, groupKeys: keys, aggregates: specs, isAggregating: aggregating,
                              having: havingBound, projections: projections, visibleCount: items.count,
                              names: items.map(\.1), order: order, distinct: s.distinct, distinctOn: distinctOn,
                              limit: limit, offset: offset)
        plan.windows = windows
        plan.qualify = qualifyBound
        plan.wherePosition = s.whereClause?.position
        plan.itemPositions = items.map(\.0.position)
        if let table {
            plan = prune(plan, table)
            try plan.vectorSearch?.chooseIndex(table, probes: context.ivfProbes)
        }
        if !windows.isEmpty {
            // Window values become the columns after those of the rows they are computed over.
            let width: Int
            switch plan.source {
            case _ where aggregating: width = keys.count + specs.count
            case .table(_, let columns, _): width = columns.count
            case .materialized, .none: width = scope.columns.count
            }
            var map: [Int: Int] = [:]
            for i in windows.indices { map[Binder.windowBase + i] = width + i }
            plan.projections = plan.projections.map { $0.remapColumns(map) }
            plan.qualify = plan.qualify?.remapColumns(map)
        }
        return plan
    }

    private func constantInt(_ e: Expr, _ binder: inout Binder, _ what: String) throws(CairnError) -> Int {
        let b = try binder.bind(e)
        guard case .constant(let v, _) = b, case .int(let i) = v, i >= 0 else {
            throw CairnError(.binder, "\(what) must be a non-negative integer constant",
                             location: SourceLocation(line: e.position.line, column: e.position.column))
        }
        return Int(i)
    }

    /// Rewrites a post-aggregation expression over `[keys…, aggregates…]`.
    private func lift(_ b: BoundExpr, keys: [BoundExpr], scope: Scope, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if let k = keys.firstIndex(of: b) { return .column(k, b.type) }
        switch b {
        case .column(let i, _) where i >= Binder.windowBase:
            return b   // a window value, placed after the groups' columns once all are bound
        case .column(let i, let t):
            if i >= Binder.aggregateBase { return .column(keys.count + i - Binder.aggregateBase, t) }
            throw CairnError(.binder, "column \"\(scope.columns[i].name)\" must appear in the GROUP BY clause or be used in an aggregate function",
                             location: SourceLocation(line: p.line, column: p.column))
        case .constant: return b
        case .arithmetic(let op, let l, let r, let t):
            return .arithmetic(op, try lift(l, keys: keys, scope: scope, p), try lift(r, keys: keys, scope: scope, p), t)
        case .compare(let op, let l, let r):
            return .compare(op, try lift(l, keys: keys, scope: scope, p), try lift(r, keys: keys, scope: scope, p))
        case .and(let es): return .and(try es.map { (x) throws(CairnError) in try lift(x, keys: keys, scope: scope, p) })
        case .or(let es): return .or(try es.map { (x) throws(CairnError) in try lift(x, keys: keys, scope: scope, p) })
        case .not(let e): return .not(try lift(e, keys: keys, scope: scope, p))
        case .negate(let e): return .negate(try lift(e, keys: keys, scope: scope, p))
        case .isNull(let e, let n): return .isNull(try lift(e, keys: keys, scope: scope, p), negated: n)
        case .inList(let e, let vs, let hn, let n): return .inList(try lift(e, keys: keys, scope: scope, p), vs, hasNull: hn, negated: n)
        case .like(let e, let pat, let ci, let n, let esc):
            return .like(try lift(e, keys: keys, scope: scope, p), pattern: pat, caseInsensitive: ci, negated: n, escape: esc)
        case .caseWhen(let bs, let e, let t):
            var out: [(BoundExpr, BoundExpr)] = []
            for (c, r) in bs { out.append((try lift(c, keys: keys, scope: scope, p), try lift(r, keys: keys, scope: scope, p))) }
            return .caseWhen(out, elseResult: try lift(e, keys: keys, scope: scope, p), t)
        case .coalesce(let es, let t): return .coalesce(try es.map { (x) throws(CairnError) in try lift(x, keys: keys, scope: scope, p) }, t)
        case .cast(let e, let t, let tc): return .cast(try lift(e, keys: keys, scope: scope, p), to: t, tryCast: tc)
        case .function(let f, let es, let t): return .function(f, try es.map { (x) throws(CairnError) in try lift(x, keys: keys, scope: scope, p) }, t)
        }
    }

    /// Reads only referenced columns and renumbers pre-aggregation expressions to batch positions.
    private func prune(_ plan: SelectPlan, _ table: TableSnapshot) -> SelectPlan {
        var used = plan.columnsAfterFilter
        plan.filter?.collectColumns(into: &used)
        let columns = used.sorted()
        var map: [Int: Int] = [:]
        for (i, c) in columns.enumerated() { map[c] = i }
        var p = plan
        let constraints = plan.filter.map(ColumnConstraint.extract) ?? []
        p.source = .table(table, columns: columns, pruning: constraints)
        p.filter = plan.filter?.remapColumns(map)
        p.filterConjuncts = p.filter.map(FilterConjunct.split) ?? []
        if plan.isAggregating {
            p.groupKeys = plan.groupKeys.map { $0.remapColumns(map) }
            p.aggregates = plan.aggregates.map { spec in
                var s = spec
                s.argument = spec.argument?.remapColumns(map)
                s.by = spec.by?.remapColumns(map)
                s.filter = spec.filter?.remapColumns(map)
                return s
            }
        } else {
            p.projections = plan.projections.map { $0.remapColumns(map) }
            p.windows = plan.windows.map { w in w.mapExpressions { $0.remapColumns(map) } }
            p.qualify = plan.qualify?.remapColumns(map)
            if plan.windows.isEmpty { p.vectorSearch = VectorSearch.detect(p, scanColumns: columns) }
        }
        return p
    }
}

/// Column names for unaliased SELECT items, following DuckDB (`count_star()`, `lower(name)`, `a + 1`).
enum ExprNaming {
    static func name(_ e: Expr) -> String {
        switch e {
        case .column(_, let n, _): return n
        case .literal(let l, _):
            switch l {
            case .null: return "NULL"
            case .bool(let b): return b ? "true" : "false"
            case .integer(let i): return String(i)
            case .decimal(let d): return String(d)
            case .string(let s): return "'\(s)'"
            case .typed(let t, let s): return "CAST('\(s)' AS \(t.name))"
            case .interval(let q, let u): return "to_\(u.hasSuffix("s") ? u : u + "s")(\(q))"
            }
        case .parameter(let n, _): return "$\(n)"
        case .function(let n, let args, let distinct, let star, let within, let filter, _):
            let call: String
            if star || (n == "count" && args.isEmpty) {
                call = "count_star()"
            } else if let within {
                // DuckDB names `percentile_cont(0.5) WITHIN GROUP (ORDER BY x)` as `quantile_cont(0.5 ORDER BY x)`.
                let base = n.hasPrefix("percentile_") ? "quantile_" + n.dropFirst("percentile_".count) : n
                call = base + "(" + args.map(name).joined(separator: ", ") + " ORDER BY " + name(within.expr)
                    + (within.descending ? " DESC" : "") + ")"
            } else {
                call = n + "(" + (distinct ? "DISTINCT " : "") + args.map(name).joined(separator: ", ") + ")"
            }
            return call + (filter.map { " FILTER (WHERE \(name($0)))" } ?? "")
        case .binary(let op, let l, let r, _): return "(\(name(l)) \(op.rawValue) \(name(r)))"
        case .unary(let op, let x, _): return op == .not ? "(NOT \(name(x)))" : "\(op.rawValue)\(name(x))"
        case .cast(let x, let t, _, _): return "CAST(\(name(x)) AS \(t.name))"
        case .extract(let f, let x, _): return "extract('\(f)' FROM \(name(x)))"
        case .exists: return "EXISTS(SUBQUERY)"
        case .caseWhen(nil, let branches, .binary(let op, let a, let b, _)?, _)
            where branches.count == 2 && (op == .notEqual || op == .equal) && branches[0].condition == .isNull(a, negated: false, a.position):
            // The parser's form of `a IS [NOT] DISTINCT FROM b`.
            return "(\(name(a)) IS \(op == .equal ? "NOT " : "")DISTINCT FROM \(name(b)))"
        case .caseWhen: return "CASE"
        case .isNull(let x, let n, _): return "(\(name(x)) IS \(n ? "NOT " : "")NULL)"
        case .window(let w, _):
            var spec: [String] = []
            if !w.partitionBy.isEmpty { spec.append("PARTITION BY " + w.partitionBy.map(name).joined(separator: ", ")) }
            if !w.orderBy.isEmpty {
                spec.append("ORDER BY " + w.orderBy.map { name($0.expr) + ($0.descending ? " DESC" : "") }.joined(separator: ", "))
            }
            return name(w.function) + " OVER (" + spec.joined(separator: " ") + ")"
        default: return "?column?"
        }
    }
}
