import CairnFormat
import CairnSQL

/// Turns AST expressions into typed ``BoundExpr``s against a ``Scope``: resolves names, checks types,
/// inserts implicit casts (string literals adapt to the type they are compared with, like PostgreSQL's
/// `unknown`), and folds constant sub-expressions.
package struct Binder {
    package var scope: Scope
    package var context: QueryContext
    /// Non-nil while binding SELECT/HAVING/ORDER BY of an aggregating query: aggregate calls are
    /// collected here and replaced by references `aggregateBase + index`.
    package var aggregates: [AggregateSpec]? = nil
    /// Placeholder column index of the first aggregate (see ``Planner`` for how they are lifted).
    package static let aggregateBase = 1 << 40
    /// Non-nil while binding expressions that may call window functions (SELECT items, QUALIFY,
    /// ORDER BY): their specs are collected here, each replaced by column `windowBase + index`.
    package var windows: [WindowSpec]? = nil

    package init(scope: Scope, context: QueryContext) {
        self.scope = scope
        self.context = context
    }

    package func error(_ message: String, _ p: SQLPosition) -> CairnError {
        CairnError(.binder, message, location: SourceLocation(line: p.line, column: p.column))
    }

    // MARK: - Expressions

    package mutating func bind(_ e: Expr) throws(CairnError) -> BoundExpr {
        let bound = try bindUnfolded(e)
        return try fold(bound, e.position)
    }

    /// Evaluates an expression that reads no column once, so it becomes a constant.
    package func fold(_ b: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.isConstant || b.referencesColumns { return b }
        if case .function(let f, _, _) = b, f == .toTimestamp { return b }
        do {
            let v = try Evaluator(context: context).evaluateConstant(b)
            return .constant(v, b.type)
        } catch {
            var e = error
            if e.location == nil { e.location = SourceLocation(line: p.line, column: p.column) }
            throw e
        }
    }

    private mutating func bindUnfolded(_ e: Expr) throws(CairnError) -> BoundExpr {
        switch e {
        case .literal(let lit, let p):
            return try bindLiteral(lit, p)
        case .window(let w, let p):
            return try bindWindow(w, p)
        case .column(let q, let name, let p):
            switch scope.resolve(qualifier: q, name: name) {
            case .success(let i): return .column(i, scope.columns[i].type)
            case .failure(.ambiguous): throw error("column reference \"\(name)\" is ambiguous", p)
            case .failure(.notFound):
                let known = Set(scope.columns.compactMap { $0.qualifier?.lowercased() })
                if let q, !known.contains(q.lowercased()) {
                    // A misspelt alias (an outer query's are resolved before this): suggesting a column
                    // of this FROM could run the query against the wrong rows.
                    let here = known.isEmpty ? "this query has no FROM" : "this query reads " + known.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
                    throw error("missing FROM-clause entry for table \"\(q)\" (\(here))", p)
                }
                let shown = q.map { "\($0).\(name)" } ?? name
                var msg = "unknown column \"\(shown)\""
                if let hint = closestColumn(to: name) { msg += " (did you mean \"\(hint)\"?)" }
                throw error(msg, p)
            }
        case .parameter(let n, let p):
            guard n >= 1, n <= context.parameters.count else {
                throw error("no value supplied for parameter $\(n) (\(context.parameters.count) given)", p)
            }
            let v = context.parameters[n - 1]
            return .constant(v, v.isNull ? context.nullParameterTypes[n] ?? .varchar : Self.typeOf(v))
        case .unary(let op, let inner, let p):
            let b = try bind(inner)
            switch op {
            case .plus: return b
            case .negate:
                guard b.type.isNumeric || b.type == .interval || b.isStringConstant else {
                    throw error("cannot negate a value of type \(b.type)", p)
                }
                if case .constant(.interval(let m, let d, let us), _) = b {
                    return .constant(.interval(months: -m, days: -d, micros: -us), .interval)
                }
                return .negate(b.isStringConstant ? try coerce(b, to: .double, p) : b)
            case .not:
                return .not(try coerce(b, to: .boolean, p))
            }
        case .binary(let op, let l, let r, let p):
            return try bindBinary(op, l, r, p)
        case .function(let name, let args, let distinct, let star, let within, let filter, let p):
            return try bindFunction(name: name, args: args, distinct: distinct, star: star, within: within, filter: filter, p)
        case .cast(let inner, let tn, let tryCast, let p) where ["DECIMAL", "NUMERIC"].contains(tn.name.uppercased()):
            // Cairn has no exact decimals: DECIMAL(p, s) is a DOUBLE rounded to s digits, as DuckDB
            // rounds a value cast to it (bare DECIMAL is DuckDB's DECIMAL(18,3)).
            let (precision, scale) = tn.parameters.count >= 2 ? (tn.parameters[0], tn.parameters[1])
                : (tn.parameters.first.map { ($0, 0) } ?? (18, 3))
            guard tn.parameters.count <= 2, (1...38).contains(precision), (0...precision).contains(scale) else {
                throw error("DECIMAL(\(precision),\(scale)) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision", tn.position)
            }
            var b = try bind(inner)
            if b.type == .json { b = try fold(.function(.jsonExtract(.root, asText: true), [b], .varchar), p) }
            // Text, integers and decimal literals round as the decimals they spell; other values as doubles.
            let exact = b.type.isString || b.type.isInteger || b.isConstant
            if !b.type.isString && !b.type.isInteger {
                b = try bind(.cast(inner, TypeName(name: "DOUBLE", position: tn.position), tryCast: tryCast, p))
            }
            return .function(.decimalRound(precision: precision, scale: scale, exact: exact, orNull: tryCast), [b], .double)
        case .cast(let inner, let tn, let tryCast, let p):
            var b = try bind(inner)
            let t = try resolveType(tn)
            if b.type == t { return b }
            if b.type == .json, t != .varchar, t != .vector {
                // A JSON scalar casts as its text: 3 and "3" to 3, true to true, null to NULL (as DuckDB does);
                // an object or array fails like any text that is not a number.
                b = try fold(.function(.jsonExtract(.root, asText: true), [b], .varchar), p)
            }
            guard Casts.isAllowed(from: b.type, to: t) else {
                throw error("cannot cast \(b.type) to \(t)", p)
            }
            // Constants cast at bind time with literal rules (a decimal literal rounds half away from zero).
            if case .constant(let v, let vt) = b {
                let converted: Value
                do {
                    converted = try Casts.castConstant(v, from: vt, to: t)
                } catch {
                    if tryCast { return .constant(.null, t) }
                    throw CairnError(.type, error.message, location: loc(p))
                }
                try checkVectorCast(converted, tn)
                return .constant(converted, t)
            }
            return .cast(b, to: t, tryCast: tryCast)
        case .inList(let inner, let items, let negated, let p):
            let b = try bind(inner)
            var values: [Value] = []
            var hasNull = false
            var nonConstant: [BoundExpr] = []
            for item in items {
                let bi = try bind(item)
                let (l, r) = try unify(b, bi, p)
                _ = l
                if case .constant(let v, _) = r {
                    if v.isNull { hasNull = true } else { values.append(v) }
                } else {
                    nonConstant.append(r)
                }
            }
            let target = values.isEmpty ? b : try unify(b, .constant(values[0], Self.typeOf(values[0])), p).0
            var result: BoundExpr = .inList(target, values, hasNull: hasNull, negated: false)
            if !nonConstant.isEmpty {
                var ors: [BoundExpr] = values.isEmpty && !hasNull ? [] : [result]
                for n in nonConstant {
                    let (l, r) = try unify(b, n, p)
                    ors.append(.compare(.eq, l, r))
                }
                result = ors.count == 1 ? ors[0] : .or(ors)
            }
            return negated ? .not(result) : result
        case .inSubquery(let inner, let sub, let negated, let p):
            return try bindSubquery(sub, .member(try bind(inner), negated: negated), p)
        case .between(let inner, let lo, let hi, let negated, let p):
            let b = try bind(inner)
            let (l1, r1) = try unify(b, try bind(lo), p)
            let (l2, r2) = try unify(b, try bind(hi), p)
            let both: BoundExpr = .and([.compare(.ge, l1, r1), .compare(.le, l2, r2)])
            return negated ? .not(both) : both
        case .like(let inner, let pattern, let negated, let ci, let escape, let p):
            let b = try bind(inner)
            guard b.type.isString || b.isStringConstant else {
                throw error("LIKE needs a VARCHAR operand, got \(b.type)", p)
            }
            guard case .constant(let pv, _) = try bind(pattern) else {
                throw error("LIKE pattern must be a constant", pattern.position)
            }
            var escapeChar: String?
            if let escape {
                guard case .constant(let ev, _) = try bind(escape) else {
                    throw error("LIKE ESCAPE must be a constant", escape.position)
                }
                guard case .string(let es) = ev, es.count <= 1 else {
                    throw error("LIKE ESCAPE must be a single character", escape.position)
                }
                escapeChar = es.isEmpty ? nil : es
            }
            guard case .string(let ps) = pv else {
                if pv.isNull { return .constant(.null, .boolean) }
                throw error("LIKE pattern must be a string", pattern.position)
            }
            return .like(b, pattern: ps, caseInsensitive: ci, negated: negated, escape: escapeChar)
        case .isNull(let inner, let negated, _):
            return .isNull(try bind(inner), negated: negated)
        case .caseWhen(let operand, let branches, let elseExpr, let p):
            let op = try operand.map { e throws(CairnError) in try bind(e) }
            var conds: [BoundExpr] = []
            var results: [BoundExpr] = []
            for br in branches {
                let c = try bind(br.condition)
                if let op {
                    let (l, r) = try unify(op, c, p)
                    conds.append(.compare(.eq, l, r))
                } else {
                    conds.append(try coerce(c, to: .boolean, br.condition.position))
                }
                results.append(try bind(br.result))
            }
            var elseBound = try elseExpr.map { e throws(CairnError) in try bind(e) } ?? .constant(.null, results.first?.type ?? .varchar)
            var t = elseBound.type
            var first = elseExpr == nil
            for r in results {
                if first { t = r.type; first = false; continue }
                t = try commonType(t, r, p)
            }
            if elseExpr != nil || results.isEmpty { t = try commonType(t, elseBound, p) }
            elseBound = try coerce(elseBound, to: t, p)
            var pairs: [(BoundExpr, BoundExpr)] = []
            for (c, r) in zip(conds, results) { pairs.append((c, try coerce(r, to: t, p))) }
            return .caseWhen(pairs, elseResult: elseBound, t)
        case .extract(let field, let inner, let p):
            let b = try bind(inner)
            return try bindDatePart(field, b, p)
        case .subquery(let sub, let p):
            return try bindSubquery(sub, .scalar, p)
        case .exists(let sub, let p):
            return try bindSubquery(sub, .exists, p)
        case .array(let elements, let p):
            return try bindArrayLiteral(elements, p)
        case .columns(_, _, let p):
            throw error("COLUMNS(…) may only stand in a SELECT list or a SELECT's WHERE clause", p)
        }
    }

    package func loc(_ p: SQLPosition) -> SourceLocation { SourceLocation(line: p.line, column: p.column) }

    private func closestColumn(to name: String) -> String? {
        let l = name.lowercased()
        return scope.columns.map(\.name).first { c in
            let lc = c.lowercased()
            return lc.hasPrefix(l) || l.hasPrefix(lc) || lc.contains(l)
        }
    }

    private func bindLiteral(_ lit: Literal, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        switch lit {
        case .null: return .constant(.null, .varchar)
        case .bool(let b): return .constant(.bool(b), .boolean)
        case .integer(let i):
            return .constant(.int(i), (Int64(Int32.min)...Int64(Int32.max)).contains(i) ? .integer : .bigint)
        case .decimal(let d): return .constant(.double(d), .double)
        case .string(let s): return .constant(.string(s), .varchar)
        case .typed(let tn, let text):
            let t = try resolveType(tn)
            if t == .interval {
                guard let iv = Intervals.parse(text) else { throw error("invalid INTERVAL literal '\(text)'", p) }
                return .constant(iv, .interval)
            }
            do {
                return .constant(try Casts.castConstant(.string(text), from: .varchar, to: t), t)
            } catch {
                throw self.error(error.message, p)
            }
        case .interval(let quantity, let unit):
            guard let iv = Intervals.parse("\(quantity) \(unit)") else {
                throw error("invalid INTERVAL '\(quantity)' \(unit)", p)
            }
            return .constant(iv, .interval)
        }
    }

    package func resolveType(_ tn: TypeName) throws(CairnError) -> ColumnType {
        guard let t = ColumnType(sqlName: tn.name) else {
            throw CairnError(.binder, "unknown type \"\(tn.name)\"", location: loc(tn.position))
        }
        return t
    }

    package static func typeOf(_ v: Value) -> ColumnType {
        switch v {
        case .null: .varchar
        case .bool: .boolean
        case .int: .bigint
        case .double: .double
        case .string: .varchar
        case .timestamp: .timestamp
        case .date: .date
        case .time: .time
        case .vector: .vector
        case .interval: .interval
        case .json: .json
        }
    }

    // MARK: - Types

    /// The type two operands of a comparison or CASE are brought to.
    package func commonType(_ a: ColumnType, _ b: BoundExpr, _ p: SQLPosition) throws(CairnError) -> ColumnType {
        let bt = b.type
        if a == bt { return a }
        if b.isStringConstant || b.isNullConstant { return a }
        if a.isNumeric && bt.isNumeric {
            return (a == .double || a == .real || bt == .double || bt == .real) ? .double : .bigint
        }
        if a.isTemporal && bt.isTemporal {
            return a == .timestamptz || bt == .timestamptz ? .timestamptz : .timestamp
        }
        if a.isString && bt.isString { return .varchar }
        if a == .varchar { return bt }
        throw error("cannot combine values of type \(a) and \(bt)", p)
    }

    /// Brings two operands to a common type for comparison.
    package func unify(_ l: BoundExpr, _ r: BoundExpr, _ p: SQLPosition) throws(CairnError) -> (BoundExpr, BoundExpr) {
        if l.type == r.type { return (l, r) }
        if l.isStringConstant && !r.isStringConstant { return (try coerce(l, to: r.type, p), r) }
        if r.isStringConstant || r.isNullConstant { return (l, try coerce(r, to: l.type, p)) }
        if l.isNullConstant { return (try coerce(l, to: r.type, p), r) }
        let t = try commonType(l.type, r, p)
        return (try coerce(l, to: t, p), try coerce(r, to: t, p))
    }

    /// Converts `b` to type `t`, at bind time when it is a constant.
    package func coerce(_ b: BoundExpr, to t: ColumnType, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type == t { return b }
        if case .constant(let v, let vt) = b {
            if v.isNull { return .constant(.null, t) }
            do {
                return .constant(try Casts.castConstant(v, from: vt, to: t), t)
            } catch {
                throw self.error(error.message, p)
            }
        }
        if t.isNumeric && b.type.isNumeric { return .cast(b, to: t, tryCast: false) }
        if t.isString && b.type.isString { return .cast(b, to: t, tryCast: false) }
        if t.isTemporal && b.type.isTemporal { return .cast(b, to: t, tryCast: false) }
        if t == .boolean {
            throw error("expected a boolean expression, got \(b.type)", p)
        }
        throw error("cannot convert \(b.type) to \(t) implicitly; use CAST", p)
    }

    // MARK: - Operators

    private mutating func bindBinary(_ op: BinaryOperator, _ le: Expr, _ re: Expr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        switch op {
        case .and, .or:
            let l = try coerce(try bind(le), to: .boolean, le.position)
            let r = try coerce(try bind(re), to: .boolean, re.position)
            var parts: [BoundExpr] = []
            for x in [l, r] {
                if op == .and, case .and(let inner) = x { parts += inner }
                else if op == .or, case .or(let inner) = x { parts += inner }
                else { parts.append(x) }
            }
            return op == .and ? .and(parts) : .or(parts)
        case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
            var (l, r) = try unify(try bind(le), try bind(re), p)
            // Intervals compare as microseconds with a month counted as 30 days, as in DuckDB.
            if l.type == .interval { l = Self.thirtyDayMonths(l); r = Self.thirtyDayMonths(r) }
            guard l.type != .vector else { throw error("VECTOR values cannot be compared with \(op.rawValue)", p) }
            let cop: CompareOp = switch op {
            case .equal: .eq
            case .notEqual: .ne
            case .less: .lt
            case .lessOrEqual: .le
            case .greater: .gt
            default: .ge
            }
            return .compare(cop, l, r)
        case .concat:
            let l = try bind(le), r = try bind(re)
            return .function(.concat, [try toText(l, p), try toText(r, p)], .varchar)
        case .jsonGet, .jsonGetText:
            let l = try bind(le)
            guard l.type.isString || l.isStringConstant else {
                throw error("operator \(op.rawValue) needs a JSON operand, got \(l.type)", p)
            }
            guard case .constant(let pathValue, _) = try bind(re) else {
                throw error("JSON path must be a constant", re.position)
            }
            guard let path = JSONPath(pathValue) else {
                throw error("invalid JSON path \(pathValue)", re.position)
            }
            let text = op == .jsonGetText
            return .function(.jsonExtract(path, asText: text), [l], text ? .varchar : .json)
        case .l2Distance: return try bindVectorDistance(.l2, [le, re], op.rawValue, p)
        case .negativeInnerProduct: return try bindVectorDistance(.negativeInnerProduct, [le, re], op.rawValue, p)
        case .cosineDistance: return try bindVectorDistance(.cosine, [le, re], op.rawValue, p)
        case .add, .subtract, .multiply, .divide, .integerDivide, .modulo:
            return try bindArithmetic(op, try bind(le), try bind(re), p)
        }
    }

    /// `n * interval`, `interval * n` and `interval / n` for an integer `n`: a constant when both
    /// are, else microseconds computed per row (months have no fixed length, so those must be constant).
    private func scaledInterval(_ op: BinaryOperator, _ l: BoundExpr, _ r: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr? {
        let (interval, factor) = l.type == .interval ? (l, r) : (r, l)
        guard interval.type == .interval, factor.type.isInteger,
              op == .multiply || (op == .divide && l.type == .interval) else { return nil }
        if case .constant(.interval(let m, let d, let us), _) = interval, case .constant(.int(let k), _) = factor {
            if op == .divide {
                guard k != 0 else { throw error("division by zero", p) }
                // A month is 30 days here, as DuckDB divides intervals.
                guard let total = Self.micros(months: m, days: d, micros: us) else { throw error("interval out of range", p) }
                return .constant(.interval(months: 0, days: 0, micros: total / k), .interval)
            }
            let (km, o1) = Int64(m).multipliedReportingOverflow(by: k), (kd, o2) = Int64(d).multipliedReportingOverflow(by: k)
            guard !o1, !o2, let km32 = Int32(exactly: km), let kd32 = Int32(exactly: kd),
                  case (let kus, false) = us.multipliedReportingOverflow(by: k) else { throw error("interval out of range", p) }
            return .constant(.interval(months: km32, days: kd32, micros: kus), .interval)
        }
        if factor.isNullConstant || interval.isNullConstant { return .constant(.null, .interval) }
        return .arithmetic(op == .multiply ? .multiply : .integerDivide, try intervalMicros(interval, p),
                           try coerce(factor, to: .bigint, p), .interval)
    }

    /// An interval as microseconds, for arithmetic on computed intervals; a constant must not hold months.
    private func intervalMicros(_ b: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard case .constant(.interval(let m, let d, let us), _) = b else { return b }
        guard m == 0 else {
            throw CairnError(.unsupported, "an interval of months cannot be scaled or computed per row (months have no fixed length); add a constant one to a timestamp instead",
                             location: loc(p))
        }
        guard let total = Self.micros(months: 0, days: d, micros: us) else { throw error("interval out of range", p) }
        return .constant(.int(total), .bigint)
    }

    /// An interval's length in microseconds, a month counting 30 days; nil past the BIGINT range.
    static func micros(months: Int32, days: Int32, micros: Int64) -> Int64? {
        let (dayMicros, o) = (Int64(months) * 30 + Int64(days)).multipliedReportingOverflow(by: Calendar.microsPerDay)
        guard !o, case (let total, false) = dayMicros.addingReportingOverflow(micros) else { return nil }
        return total
    }

    private static func thirtyDayMonths(_ b: BoundExpr) -> BoundExpr {
        guard case .constant(.interval(let m, let d, let us), let t) = b, m != 0 else { return b }
        // Past the microsecond range every such interval is longer than any computed one.
        let total = micros(months: m, days: d, micros: us) ?? (m > 0 ? Int64.max : Int64.min)
        return .constant(.interval(months: 0, days: 0, micros: total), t)
    }

    private func toText(_ b: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        if b.type == .varchar { return b }
        if case .constant(let v, let t) = b {
            return .constant(v.isNull ? .null : try castOrThrow(v, t, .varchar, p), .varchar)
        }
        return .cast(b, to: .varchar, tryCast: false)
    }

    private func castOrThrow(_ v: Value, _ from: ColumnType, _ to: ColumnType, _ p: SQLPosition) throws(CairnError) -> Value {
        do { return try Casts.castConstant(v, from: from, to: to) } catch { throw self.error(error.message, p) }
    }

    /// TIME arithmetic, as DuckDB has it: DATE + TIME is the TIMESTAMP of that day and time, and
    /// TIME ± INTERVAL stays a TIME, wrapping around midnight (only the interval's time part counts).
    private func bindTimeArithmetic(_ op: BinaryOperator, _ l0: BoundExpr, _ r0: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        var l = l0, r = r0
        if l.isStringConstant || l.isNullConstant { l = try coerce(l, to: r.type == .time ? .interval : .time, p) }
        if r.isStringConstant || r.isNullConstant { r = try coerce(r, to: l.type == .time ? .interval : .time, p) }
        if op == .add, l.type == .time, r.type == .date || r.type == .interval { swap(&l, &r) }
        let day = Calendar.microsPerDay
        switch (l.type, r.type, op) {
        case (.date, .time, .add):
            return .arithmetic(.add, .cast(l, to: .timestamp, tryCast: false), r, .timestamp)
        case (.interval, .time, .add), (.time, .interval, .subtract):
            let (time, interval) = l.type == .time ? (l, r) : (r, l)
            guard case .constant(let iv, _) = interval else {
                if interval.isNullConstant { return .constant(.null, .time) }
                throw error("TIME \(op.rawValue) INTERVAL needs a constant interval", p)
            }
            guard case .interval(_, _, let us) = iv else { return .constant(.null, .time) }
            let signed = op == .add ? us % day : -(us % day)
            return .function(.shiftTime(micros: (signed + day) % day), [time], .time)
        default:
            throw error("no operator \(op.rawValue) for \(l.type) and \(r.type)", p)
        }
    }

    func bindArithmetic(_ op: BinaryOperator, _ l0: BoundExpr, _ r0: BoundExpr, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        var l = l0, r = r0
        if l.type == .time || r.type == .time { return try bindTimeArithmetic(op, l, r, p) }
        // Temporal arithmetic.
        if l.type.isTemporal || r.type.isTemporal || l.type == .interval || r.type == .interval {
            if l.isStringConstant, r.type.isTemporal, op == .subtract { l = try coerce(l, to: r.type, p) }
            if r.isStringConstant, l.type.isTemporal {
                r = try coerce(r, to: op == .subtract ? l.type : .interval, p)
            }
            if l.type == .interval, r.type.isTemporal, op == .add { swap(&l, &r) }
            if let scaled = try scaledInterval(op, l, r, p) { return scaled }
            if r.type == .interval, l.type.isTemporal, op == .add || op == .subtract {
                guard case .constant(let iv, _) = r, case .interval(let m, let d, let us) = iv else {
                    if r.isNullConstant { return .constant(.null, .timestamp) }
                    // A computed interval (a difference of timestamps) is microseconds.
                    let ts = l.type == .date ? BoundExpr.cast(l, to: .timestamp, tryCast: false) : l
                    return .arithmetic(op == .add ? .add : .subtract, ts, r, ts.type)
                }
                let sign: Int32 = op == .add ? 1 : -1
                let ts = l.type == .date ? BoundExpr.cast(l, to: .timestamp, tryCast: false) : l
                let resultType: ColumnType = l.type == .date ? .timestamp : l.type
                return .function(.addInterval(months: sign * m, days: sign * d, micros: Int64(sign) * us), [ts], resultType)
            }
            if l.type == .interval, r.type == .interval, op == .add || op == .subtract {
                return .arithmetic(op == .add ? .add : .subtract, try intervalMicros(l, p), try intervalMicros(r, p), .interval)
            }
            if l.type == .date, r.type.isInteger, op == .add || op == .subtract {
                let days = op == .add ? r : .negate(r)
                return .function(.dateAddDays, [l, days], .date)
            }
            if l.type.isInteger, r.type == .date, op == .add { return .function(.dateAddDays, [r, l], .date) }
            if op == .subtract, l.type.isTemporal, r.type.isTemporal {
                if l.type == .date, r.type == .date { return .function(.dateDiff, [l, r], .bigint) }
                let lt = l.type == .date ? BoundExpr.cast(l, to: .timestamp, tryCast: false) : l
                let rt = r.type == .date ? BoundExpr.cast(r, to: .timestamp, tryCast: false) : r
                return .function(.timestampDiff, [lt, rt], .interval)
            }
            throw error("no operator \(op.rawValue) for \(l.type) and \(r.type)", p)
        }
        if l.isStringConstant { l = try coerce(l, to: r.type.isNumeric ? r.type : .double, p) }
        if r.isStringConstant { r = try coerce(r, to: l.type.isNumeric ? l.type : .double, p) }
        if l.isNullConstant { l = .constant(.null, r.type.isNumeric ? r.type : .bigint) }
        if r.isNullConstant { r = .constant(.null, l.type.isNumeric ? l.type : .bigint) }
        guard l.type.isNumeric, r.type.isNumeric else {
            throw error("no operator \(op.rawValue) for \(l.type) and \(r.type)", p)
        }
        let isFloat = l.type == .double || l.type == .real || r.type == .double || r.type == .real
        let aop: ArithmeticOp = switch op {
        case .add: .add
        case .subtract: .subtract
        case .multiply: .multiply
        case .divide: .divide
        case .integerDivide: isFloat ? .divide : .integerDivide
        default: .modulo
        }
        let t: ColumnType = (isFloat || aop == .divide) ? .double : .bigint
        return .arithmetic(aop, try coerce(l, to: t == .double ? .double : .bigint, p),
                           try coerce(r, to: t == .double ? .double : .bigint, p), t)
    }
}

extension BoundExpr {
    /// A string constant (literal or parameter) that may still adapt to another type.
    package var isStringConstant: Bool {
        if case .constant(.string, .varchar) = self { return true }
        return false
    }
    package var isNullConstant: Bool {
        if case .constant(.null, _) = self { return true }
        return false
    }
}
