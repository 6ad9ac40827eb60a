import CairnFormat
import CairnSQL

/// What a window function computes for each row of its partition.
package enum WindowFunction: Hashable, Sendable {
    case rowNumber, rank, denseRank, percentRank, cumeDist, ntile
    /// `lag`/`lead(value [, offset [, default]])`.
    case lag, lead
    case firstValue, lastValue
    /// `nth_value(value, n)`: the frame's n-th row (1-based), NULL when it has fewer.
    case nthValue(Int)
    /// `count(*)`, `count`, `sum`, `avg`, `min`, `max` over the frame.
    case aggregate(AggregateKind)

    /// The SQL name, for EXPLAIN.
    package var name: String {
        switch self {
        case .rowNumber: "row_number"
        case .rank: "rank"
        case .denseRank: "dense_rank"
        case .percentRank: "percent_rank"
        case .cumeDist: "cume_dist"
        case .ntile: "ntile"
        case .lag: "lag"
        case .lead: "lead"
        case .firstValue: "first_value"
        case .nthValue: "nth_value"
        case .lastValue: "last_value"
        case .aggregate(let kind): kind.rawValue
        }
    }
}

/// One window function of a query, bound against the rows it runs over (the scan's rows, or the
/// groups of an aggregating query). Its value is column `Binder.windowBase + index` until the
/// planner places it after the columns of those rows.
package struct WindowSpec: Hashable, Sendable {
    package var function: WindowFunction
    /// The value (or ntile's bucket count), then lag/lead's offset and default.
    package var arguments: [BoundExpr]
    package var partitionBy: [BoundExpr]
    package var orderBy: [BoundExpr]
    package var descending: [Bool]
    package var nullsFirst: [Bool]
    /// The frame, the default one filled in when the query gave none.
    package var frame: WindowFrame
    /// A RANGE frame's distances from the current row's ORDER BY value, at its start and end (a
    /// number, or an interval for a temporal key); nil for the other kinds of bound.
    package var startOffset: Value? = nil
    package var endOffset: Value? = nil
    package var type: ColumnType

    /// Every expression the window reads, for column pruning and renumbering.
    package var expressions: [BoundExpr] { arguments + partitionBy + orderBy }

    package func mapExpressions<E: Error>(_ f: (BoundExpr) throws(E) -> BoundExpr) throws(E) -> WindowSpec {
        var s = self
        s.arguments = try arguments.map { (e) throws(E) in try f(e) }
        s.partitionBy = try partitionBy.map { (e) throws(E) in try f(e) }
        s.orderBy = try orderBy.map { (e) throws(E) in try f(e) }
        return s
    }
}

extension Binder {
    /// A RANGE frame distance: a non-negative constant, numeric for a numeric ORDER BY key and an
    /// interval (or interval text) for a DATE or TIMESTAMP one; the window must order by one key.
    private mutating func rangeOffset(_ e: Expr, order: [BoundExpr], _ p: SQLPosition) throws(CairnError) -> Value {
        guard order.count == 1 else { throw error("a RANGE frame with an offset needs exactly one ORDER BY key", p) }
        var b = try bind(e)
        if order[0].type.isTemporal {
            if b.isStringConstant || b.type == .interval { b = try coerce(b, to: .interval, e.position) }
            guard case .constant(.interval(let m, let d, let us), _) = b else {
                throw error("a RANGE offset over \(order[0].type) must be a constant INTERVAL", e.position)
            }
            guard m >= 0, d >= 0, us >= 0 else { throw error("a RANGE offset must not be negative", e.position) }
            return b.constantValue
        }
        guard order[0].type.isNumeric, case .constant(let v, let t) = b, t.isNumeric, !v.isNull else {
            throw error("a RANGE offset must be a constant number over a numeric ORDER BY key, or an INTERVAL over a temporal one", e.position)
        }
        guard (v.doubleValue ?? -1) >= 0 else { throw error("a RANGE offset must not be negative", e.position) }
        return v
    }

    /// Placeholder column of the first window function (above every aggregate placeholder).
    package static let windowBase = 1 << 50

    /// Binds `f(…) OVER (…)` into ``windows`` and returns its placeholder column.
    mutating func bindWindow(_ w: WindowCall, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard var collected = windows else {
            throw error("window functions are not allowed in WHERE, GROUP BY, HAVING or inside another window function", p)
        }
        guard case .function(let name, let args, let distinct, let star, let within, let filter, let fp) = w.function else {
            throw error("OVER must follow a function call", p)
        }
        guard !distinct, within == nil else {
            throw error("DISTINCT and WITHIN GROUP are not supported in window functions", fp)
        }
        if let base = w.base { throw error("window \"\(base)\" is not defined here (WINDOW definitions serve the SELECT list and QUALIFY)", p) }
        // The window's own expressions may use aggregates (sum(count(*)) OVER ()), not windows.
        windows = nil
        defer { windows = collected }
        var bound: [BoundExpr] = []
        for a in args { bound.append(try bind(a)) }
        var partition: [BoundExpr] = []
        for e in w.partitionBy { partition.append(try bind(e)) }
        var order: [BoundExpr] = []
        for o in w.orderBy { order.append(try bind(o.expr)) }

        func arity(_ range: ClosedRange<Int>) throws(CairnError) {
            guard range.contains(args.count), !(star && range.lowerBound > 0) else {
                let count = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
                throw error("\(name) takes \(count) argument\(range.upperBound == 1 ? "" : "s") as a window function, got \(args.count)", fp)
            }
        }
        var function: WindowFunction
        var type: ColumnType
        switch name {
        case "row_number", "rank", "dense_rank":
            try arity(0...0)
            function = name == "row_number" ? .rowNumber : name == "rank" ? .rank : .denseRank
            type = .bigint
        case "percent_rank", "cume_dist":
            try arity(0...0)
            function = name == "percent_rank" ? .percentRank : .cumeDist
            type = .double
        case "ntile":
            try arity(1...1)
            guard bound[0].type.isInteger || bound[0].isNullConstant else { throw error("ntile needs an integer bucket count", fp) }
            function = .ntile
            type = .bigint
        case "lag", "lead":
            try arity(1...3)
            function = name == "lag" ? .lag : .lead
            type = bound[0].type
            if bound.count > 1 {
                guard case .constant(.int(let n), _) = bound[1], n >= 0 else {
                    throw error("\(name) offset must be a non-negative integer constant", w.function.position)
                }
                bound[1] = .constant(.int(n), .bigint)
            }
            if bound.count > 2 {
                if bound[0].isNullConstant { type = bound[2].type }
                bound[2] = try coerce(bound[2], to: type, fp)
            }
        case "nth_value":
            try arity(2...2)
            guard case .constant(.int(let n), _) = bound[1], n >= 1 else {
                throw error("nth_value needs a positive integer constant position", w.function.position)
            }
            function = .nthValue(Int(clamping: n))
            bound = [bound[0]]
            type = bound[0].type
        case "first_value", "last_value":
            try arity(1...1)
            function = name == "first_value" ? .firstValue : .lastValue
            type = bound[0].type
        case "count", "sum", "avg", "mean", "min", "max":
            if star || (name == "count" && args.isEmpty) {
                function = .aggregate(.countStar)
                bound = []
                type = .bigint
                break
            }
            try arity(1...1)
            let x = bound[0].isStringConstant ? BoundExpr.constant(bound[0].constantValue, .varchar) : bound[0]
            bound[0] = x
            switch name {
            case "count": function = .aggregate(.count); type = .bigint
            case "sum":
                guard x.type.isNumeric || x.isNullConstant else { throw error("sum needs a numeric argument, got \(x.type)", fp) }
                function = .aggregate(.sum); type = x.type.isInteger ? .bigint : .double
            case "avg", "mean":
                guard x.type.isNumeric || x.isNullConstant else { throw error("avg needs a numeric argument, got \(x.type)", fp) }
                function = .aggregate(.avg); type = .double
            default:
                function = .aggregate(name == "min" ? .min : .max); type = x.type
            }
        default:
            throw error("\(name) is not a window function (supported: row_number, rank, dense_rank, percent_rank, cume_dist, "
                        + "ntile, lag, lead, first_value, last_value, nth_value, count, sum, avg, min, max)", fp)
        }
        if let filter {
            // As for a plain aggregate: rows the condition rejects are fed as NULL, which every one skips.
            guard case .aggregate(let kind) = function else {
                throw error("FILTER applies to count, sum, avg, min and max used as window functions, not to \(name)", fp)
            }
            let accepts = try coerce(try bind(filter), to: .boolean, filter.position)
            if kind == .countStar {
                function = .aggregate(.count)
                bound = [.caseWhen([(accepts, .constant(.int(1), .bigint))], elseResult: .constant(.null, .bigint), .bigint)]
            } else {
                bound[0] = .caseWhen([(accepts, bound[0])], elseResult: .constant(.null, bound[0].type), bound[0].type)
            }
        }
        let frame = w.frame ?? (w.orderBy.isEmpty
            ? WindowFrame(rows: true, start: .unboundedPreceding, end: .unboundedFollowing)
            : WindowFrame(rows: false, start: .unboundedPreceding, end: .currentRow))
        var offsets: [Value?] = []
        for bound in [frame.start, frame.end] {
            switch bound {
            case .preceding(let n), .following(let n):
                offsets.append(frame.rows ? nil : try rangeOffset(.literal(.integer(Int64(n)), p), order: order, p))
            case .precedingValue(let e), .followingValue(let e):
                guard !frame.rows else { throw error("ROWS frame offsets must be integer constants", e.position) }
                offsets.append(try rangeOffset(e, order: order, p))
            default:
                offsets.append(nil)
            }
        }
        if frame.start == .unboundedFollowing || frame.end == .unboundedPreceding {
            throw error("a window frame cannot start at UNBOUNDED FOLLOWING or end at UNBOUNDED PRECEDING", p)
        }
        // As in PostgreSQL and DuckDB, a frame may not end before its start by construction.
        switch (frame.start, frame.end) {
        case (.currentRow, .preceding), (.currentRow, .precedingValue):
            throw error("a window frame starting from the current row cannot have preceding rows", p)
        case (.following, .preceding), (.following, .currentRow), (.followingValue, .precedingValue), (.followingValue, .currentRow),
             (.following, .precedingValue), (.followingValue, .preceding):
            throw error("a window frame starting from following rows cannot end with preceding rows or the current row", p)
        default:
            break
        }
        var spec = WindowSpec(function: function, arguments: bound, partitionBy: partition, orderBy: order,
                              descending: w.orderBy.map(\.descending), nullsFirst: w.orderBy.map { $0.nullsFirst ?? false },
                              frame: frame, type: type)
        spec.startOffset = offsets[0]
        spec.endOffset = offsets[1]
        let index = collected.firstIndex(of: spec) ?? {
            collected.append(spec)
            return collected.count - 1
        }()
        return .column(Binder.windowBase + index, type)
    }
}
