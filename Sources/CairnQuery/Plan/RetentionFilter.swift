import CairnFormat
import CairnSQL
import CairnTables

/// A table's retention policy as SQL over its columns, at one moment `now` (see ``RetentionPolicy``):
/// which rows are still visible, which have expired. Queries AND the visible predicate into their
/// WHERE, so expired rows vanish at once and old partitions are pruned; compaction purges the expired.
enum RetentionFilter {
    /// Rows still kept at `now`; nil when the table keeps everything.
    static func visible(_ schema: TableSchema, now: Int64) throws(CairnError) -> Expr? {
        guard let policy = schema.retention, let c = schema.retentionColumnIndex else { return nil }
        let column = schema.columns[c]
        let p = SQLPosition(line: 1, column: 1, offset: 0)
        let ref = Expr.column(qualifier: nil, name: column.name, p)
        if policy.rules.isEmpty {
            guard let interval = policy.interval else { return nil }
            let fresh = Expr.binary(.greaterOrEqual, ref, cutoff(interval, now), p)
            return column.notNull ? fresh : .binary(.or, fresh, .isNull(ref, negated: false, p), p)
        }
        guard let expired = try expired(schema, now: now) else { return nil }
        var visible = Expr.unary(.not, expired, p)
        // Rows past the longest interval are expired under any rule: a plain bound prunes their partitions.
        if column.notNull, let whole = policy.wholeExpiryCutoff(now: now) {
            visible = .binary(.and, .binary(.greaterOrEqual, ref, timestamp(whole), p), visible, p)
        }
        return visible
    }

    /// Rows expired at `now`: `COALESCE(CASE WHEN p1 THEN ts < c1 … ELSE ts < c END, false)`.
    static func expired(_ schema: TableSchema, now: Int64) throws(CairnError) -> Expr? {
        guard let policy = schema.retention, let c = schema.retentionColumnIndex else { return nil }
        let p = SQLPosition(line: 1, column: 1, offset: 0)
        let ref = Expr.column(qualifier: nil, name: schema.columns[c].name, p)
        var branches: [CaseBranch] = []
        for rule in policy.rules {
            let predicate: Expr
            do {
                predicate = try SQLParser.parseExpression(rule.predicate)
            } catch {
                throw CairnError(.corrupt, "retention rule of table \"\(schema.name)\" cannot be parsed: \(error.message)")
            }
            branches.append(CaseBranch(condition: predicate, result: .binary(.less, ref, cutoff(rule.interval, now), p)))
        }
        let otherwise = policy.interval.map { Expr.binary(.less, ref, cutoff($0, now), p) } ?? .literal(.bool(false), p)
        let choice = branches.isEmpty ? otherwise : Expr.caseWhen(operand: nil, branches: branches, elseResult: otherwise, p)
        return .function(name: "coalesce", args: [choice, .literal(.bool(false), p)], distinct: false, star: false, withinGroup: nil, filter: nil, p)
    }

    /// `expr` bound over the whole table as a storage-layer row predicate.
    static func rowPredicate(_ expr: Expr, schema: TableSchema, context: QueryContext) throws(CairnError) -> RowPredicate {
        var binder = Binder(scope: Scope(table: schema), context: context)
        let bound = try binder.coerce(try binder.bind(expr), to: .boolean, expr.position)
        var used = Set<Int>()
        bound.collectColumns(into: &used)
        let columns = used.sorted()
        var map: [Int: Int] = [:]
        for (i, c) in columns.enumerated() { map[c] = i }
        let remapped = bound.remapColumns(map)
        let evaluator = Evaluator(context: context)
        return RowPredicate(columns: columns, mayMatch: Executor.pruner(ColumnConstraint.extract(bound)),
                            neverFails: remapped.neverFails) { cols, count throws(CairnError) in
            try evaluator.select(remapped, Batch(columns: cols, count: count))
        }
    }

    /// The storage layer's hook: the expired rows of a table at `now`, as a row predicate.
    static func expiryBinder(_ schema: TableSchema, _ now: Int64) throws(CairnError) -> RowPredicate? {
        guard let expired = try expired(schema, now: now) else { return nil }
        return try rowPredicate(expired, schema: schema, context: context(now: now))
    }

    /// The context retention rules are bound in: they are stored and re-bound at every use, so they
    /// take no parameters and run no subqueries.
    static func context(now: Int64) -> QueryContext {
        QueryContext(parameters: [], now: now, runSubquery: { _, _, _ throws(CairnError) in
            throw CairnError(.unsupported, "subqueries are not allowed in retention rules")
        })
    }

    private static func cutoff(_ interval: RetentionInterval, _ now: Int64) -> Expr {
        // An interval reaching before year 1 keeps everything: compare against the earliest timestamp.
        timestamp(interval.cutoff(now: now) ?? Calendar.micros(days: Calendar.days(year: 1, month: 1, day: 1)) ?? 0)
    }

    private static func timestamp(_ micros: Int64) -> Expr {
        .literal(.typed(TypeName(name: "TIMESTAMP", position: SQLPosition(line: 1, column: 1, offset: 0)),
                        Calendar.formatTimestamp(micros)), SQLPosition(line: 1, column: 1, offset: 0))
    }
}
