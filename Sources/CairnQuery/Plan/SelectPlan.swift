import CairnFormat
import CairnSQL
import CairnTables

/// Where a SELECT's rows come from.
package enum PlanSource: Sendable {
    /// `SELECT` without FROM: one empty row.
    case none
    /// A table snapshot; `columns` are the table column indices read, in batch order.
    case table(TableSnapshot, columns: [Int], pruning: [ColumnConstraint])
    /// A subquery in FROM, already materialized.
    case materialized(Batch)
}

/// An executable SELECT. Expressions before aggregation read the scan batch; after aggregation they
/// read the aggregate batch `[group keys…, aggregates…]`.
package struct SelectPlan: Sendable {
    package var source: PlanSource
    package var filter: BoundExpr?
    package var groupKeys: [BoundExpr]
    package var aggregates: [AggregateSpec]
    package var isAggregating: Bool
    package var having: BoundExpr?
    /// Output expressions followed by hidden ORDER BY expressions.
    package var projections: [BoundExpr]
    package var visibleCount: Int
    package var names: [String]
    package var order: [SortKey]
    package var distinct: Bool
    /// `DISTINCT ON`: projection columns; after sorting, only the first row of each of their value combinations is kept.
    package var distinctOn: [Int] = []
    package var limit: Int?
    package var offset: Int
    /// Set when the query is a nearest-neighbour search over a table scan.
    package var vectorSearch: VectorSearch? = nil
    /// The conjuncts of `filter` over a table scan, each with the zone-map form it has, if any: a
    /// scan unit whose zone maps prove a conjunct true for every row need not evaluate it.
    package var filterConjuncts: [FilterConjunct] = []
    /// Window functions, computed over all rows that reach projection (the filtered scan, or the
    /// groups after HAVING); projections read them as the columns after those rows' columns.
    package var windows: [WindowSpec] = []
    /// `QUALIFY`: keeps the rows it accepts once the windows are computed (over the same columns).
    package var qualify: BoundExpr?
    /// Where the WHERE clause and each SELECT item start in the SQL, given to errors raised while
    /// evaluating them (a cast failing on a row's value).
    package var wherePosition: SQLPosition?
    package var itemPositions: [SQLPosition] = []

    package var types: [ColumnType] { projections.prefix(visibleCount).map(\.type) }

    /// Input columns read after the filter: group keys and aggregate arguments, or projections.
    package var columnsAfterFilter: Set<Int> {
        var used = Set<Int>()
        if isAggregating {
            for k in groupKeys { k.collectColumns(into: &used) }
            for a in aggregates {
                a.argument?.collectColumns(into: &used)
                a.by?.collectColumns(into: &used)
                a.filter?.collectColumns(into: &used)
            }
        } else {
            for p in projections { p.collectColumns(into: &used) }
            for w in windows { for e in w.expressions { e.collectColumns(into: &used) } }
            qualify?.collectColumns(into: &used)
            used = used.filter { $0 < Binder.windowBase }
        }
        return used
    }
}

/// One AND-ed part of a scan's filter (over batch columns), and its zone-map form if it has one.
package struct FilterConjunct: Sendable {
    package var expr: BoundExpr
    package var constraint: ColumnConstraint?

    /// The conjuncts of `filter`.
    package static func split(_ filter: BoundExpr) -> [FilterConjunct] {
        let parts: [BoundExpr]
        if case .and(let p) = filter { parts = p } else { parts = [filter] }
        return parts.map { part in
            let constraints = ColumnConstraint.extract(part)
            // Only a conjunct that is exactly one constraint may be dropped when the constraint holds.
            let exact: Bool
            switch part {
            case .and, .like: exact = false
            default: exact = constraints.count == 1
            }
            return FilterConjunct(expr: part, constraint: exact ? constraints.first : nil)
        }
    }

    /// What is left of the filter made of `conjuncts` for rows summarized by `zoneMap(column)`:
    /// nil when every conjunct is proven true.
    package static func residual(_ conjuncts: [FilterConjunct], zoneMap: (Int) -> ZoneMap?) -> [BoundExpr] {
        conjuncts.compactMap { c in
            guard let k = c.constraint, let zm = zoneMap(k.column), k.holdsForAll(zm) else { return c.expr }
            return nil
        }
    }
}

/// One ORDER BY key: a projection column, its direction and NULL placement.
package struct SortKey: Sendable {
    package var column: Int
    package var descending: Bool
    package var nullsFirst: Bool
}

/// A conjunct of WHERE that zone maps can check: `column op constant`, `column IN (…)`, `column IS [NOT] NULL`.
package enum ColumnConstraint: Sendable {
    case compare(column: Int, CompareOp, Value)
    case inList(column: Int, [Value])
    case isNull(column: Int, negated: Bool)
    case range(column: Int, low: Value, high: Value)

    package var column: Int {
        switch self {
        case .compare(let c, _, _), .inList(let c, _), .isNull(let c, _), .range(let c, _, _): c
        }
    }

    /// Whether rows summarized by `zm` might satisfy the constraint.
    package func mayMatch(_ zm: ZoneMap) -> Bool {
        if case .isNull(_, let negated) = self {
            return negated ? !zm.allNull : zm.nullCount > 0
        }
        if zm.allNull { return false }
        guard zm.hasBounds else { return true }
        switch self {
        case .compare(_, let op, let v):
            guard let lo = Self.order(zm.min, v), let hi = Self.order(zm.max, v) else { return true }
            switch op {
            case .eq: return lo <= 0 && hi >= 0
            case .ne: return !(lo == 0 && hi == 0)
            case .lt: return lo < 0
            case .le: return lo <= 0
            case .gt: return hi > 0
            case .ge: return hi >= 0
            }
        case .inList(_, let values):
            return values.contains { v in
                guard let lo = Self.order(zm.min, v), let hi = Self.order(zm.max, v) else { return true }
                return lo <= 0 && hi >= 0
            }
        case .range(_, let low, let high):
            guard let a = Self.order(zm.max, low), let b = Self.order(zm.min, high) else { return true }
            return a >= 0 && b < 0
        case .isNull:
            return true
        }
    }

    /// Whether every row summarized by `zm` satisfies the constraint (a NULL satisfies none but
    /// `IS NULL`). False whenever the zone map cannot tell.
    package func holdsForAll(_ zm: ZoneMap) -> Bool {
        if case .isNull(_, let negated) = self { return negated ? zm.nullCount == 0 : zm.allNull }
        guard zm.nullCount == 0, zm.rowCount > 0, zm.hasBounds else { return false }
        switch self {
        case .compare(_, let op, let v):
            guard let lo = Self.order(zm.min, v), let hi = Self.order(zm.max, v) else { return false }
            switch op {
            case .eq: return lo == 0 && hi == 0
            case .ne: return lo > 0 || hi < 0
            case .lt: return hi < 0
            case .le: return hi <= 0
            case .gt: return lo > 0
            case .ge: return lo >= 0
            }
        case .inList(_, let values):
            // Only a block holding a single value, which the list contains.
            return values.contains { v in Self.order(zm.min, v) == 0 && Self.order(zm.max, v) == 0 }
        case .range(_, let low, let high):
            guard let a = Self.order(zm.min, low), let b = Self.order(zm.max, high) else { return false }
            return a >= 0 && b < 0
        case .isNull:
            return false
        }
    }

    /// Compares a zone-map bound with a constant in the zone map's domain; nil when incomparable.
    private static func order(_ bound: Value, _ v: Value) -> Int? {
        switch (bound, v) {
        case (.int(let a), _):
            if let b = Comparison.scalarInt(v) { return a < b ? -1 : (a == b ? 0 : 1) }
            if case .double(let d) = v { let x = Double(a); return x < d ? -1 : (x == d ? 0 : 1) }
            return nil
        case (.double(let a), _):
            guard let d = v.doubleValue else { return nil }
            return a < d ? -1 : (a == d ? 0 : 1)
        case (.string(let a), .string(let b)), (.string(let a), .json(let b)):
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (a == b ? 0 : 1)
        default:
            return nil
        }
    }

    /// Extracts the checkable conjuncts of a predicate over table columns.
    package static func extract(_ e: BoundExpr) -> [ColumnConstraint] {
        switch e {
        case .and(let parts): return parts.flatMap(extract)
        case .compare(let op, .column(let c, _), .constant(let v, _)) where !v.isNull: return [.compare(column: c, op, v)]
        case .compare(let op, .constant(let v, _), .column(let c, _)) where !v.isNull: return [.compare(column: c, op.flipped, v)]
        case .inList(.column(let c, _), let values, _, false) where !values.isEmpty: return [.inList(column: c, values)]
        case .isNull(.column(let c, _), let negated): return [.isNull(column: c, negated: negated)]
        case .like(.column(let c, _), let pattern, false, false, nil):
            // 'abc%' narrows to the range ['abc', 'abd').
            guard let pct = pattern.firstIndex(of: "%"), pct != pattern.startIndex,
                  !pattern[..<pct].contains("_"), pattern[pct...].allSatisfy({ $0 == "%" }) else { return [] }
            var high = Array(pattern[..<pct].utf8)
            guard let last = high.last, last < 0x7F else { return [] }
            high[high.count - 1] = last + 1
            return [.range(column: c, low: .string(String(pattern[..<pct])), high: .string(String(decoding: high, as: UTF8.self)))]
        default: return []
        }
    }
}
