import CairnFormat
import CairnSQL

/// A type-checked expression whose column references are positions in the input batch.
///
/// Invariant: `type` is the SQL type of the result; the evaluator produces a vector whose physical
/// representation is `type.physical`.
package indirect enum BoundExpr: Hashable, Sendable {
    /// Input column `index` of the batch.
    case column(Int, ColumnType)
    /// A constant. `Value.null` has the type the context gave it.
    case constant(Value, ColumnType)
    case arithmetic(ArithmeticOp, BoundExpr, BoundExpr, ColumnType)
    case compare(CompareOp, BoundExpr, BoundExpr)
    case and([BoundExpr])
    case or([BoundExpr])
    case not(BoundExpr)
    case negate(BoundExpr)
    case isNull(BoundExpr, negated: Bool)
    /// `e IN (constants)`; NULL constants are dropped at bind time and remembered in `hasNull`.
    case inList(BoundExpr, [Value], hasNull: Bool, negated: Bool)
    /// `escape` is the ESCAPE character, if any (DuckDB has no default escape).
    case like(BoundExpr, pattern: String, caseInsensitive: Bool, negated: Bool, escape: String? = nil)
    /// Searched CASE: the first true condition's result; else `elseResult`.
    case caseWhen([(BoundExpr, BoundExpr)], elseResult: BoundExpr, ColumnType)
    case coalesce([BoundExpr], ColumnType)
    case cast(BoundExpr, to: ColumnType, tryCast: Bool)
    case function(ScalarFunction, [BoundExpr], ColumnType)

    package var type: ColumnType {
        switch self {
        case .column(_, let t), .constant(_, let t), .arithmetic(_, _, _, let t), .caseWhen(_, _, let t),
             .coalesce(_, let t), .function(_, _, let t):
            t
        case .compare, .and, .or, .not, .isNull, .inList, .like: .boolean
        case .negate(let e): e.type
        case .cast(_, let t, _): t
        }
    }

    package var isConstant: Bool { if case .constant = self { true } else { false } }

    /// Whether evaluating the expression cannot fail whatever the rows hold (no arithmetic, cast or
    /// function, which might), so a filter may run over deleted rows before they are dropped.
    package var neverFails: Bool {
        switch self {
        case .column, .constant: true
        case .compare(_, let a, let b): a.neverFails && b.neverFails
        case .and(let es), .or(let es): es.allSatisfy { $0.neverFails }
        case .not(let e), .isNull(let e, _), .inList(let e, _, _, _), .like(let e, _, _, _, _): e.neverFails
        default: false
        }
    }

    /// Whether the expression reads an input column.
    package var readsInput: Bool {
        var columns = Set<Int>()
        collectColumns(into: &columns)
        return !columns.isEmpty
    }

    /// Whether the expression reads an input column or a volatile function (`random()`): when it
    /// does not, it can be folded to a constant.
    package var referencesColumns: Bool {
        switch self {
        case .column: true
        case .constant: false
        case .arithmetic(_, let a, let b, _), .compare(_, let a, let b): a.referencesColumns || b.referencesColumns
        case .function(.library(let f), let es, _): f.isVolatile || es.contains { $0.referencesColumns }
        case .and(let es), .or(let es), .coalesce(let es, _), .function(_, let es, _): es.contains { $0.referencesColumns }
        case .not(let e), .negate(let e), .isNull(let e, _), .inList(let e, _, _, _), .like(let e, _, _, _, _),
             .cast(let e, _, _):
            e.referencesColumns
        case .caseWhen(let bs, let e, _): e.referencesColumns || bs.contains { $0.0.referencesColumns || $0.1.referencesColumns }
        }
    }

    /// Input columns this expression reads.
    package func collectColumns(into set: inout Set<Int>) {
        switch self {
        case .column(let i, _): set.insert(i)
        case .constant: break
        case .arithmetic(_, let a, let b, _), .compare(_, let a, let b):
            a.collectColumns(into: &set); b.collectColumns(into: &set)
        case .and(let es), .or(let es), .coalesce(let es, _), .function(_, let es, _):
            for e in es { e.collectColumns(into: &set) }
        case .not(let e), .negate(let e), .isNull(let e, _), .inList(let e, _, _, _), .like(let e, _, _, _, _),
             .cast(let e, _, _):
            e.collectColumns(into: &set)
        case .caseWhen(let bs, let e, _):
            e.collectColumns(into: &set)
            for (c, r) in bs { c.collectColumns(into: &set); r.collectColumns(into: &set) }
        }
    }

    /// The same expression with column indices renumbered through `map`.
    package func remapColumns(_ map: [Int: Int]) -> BoundExpr {
        switch self {
        case .column(let i, let t): .column(map[i] ?? i, t)
        case .constant: self
        case .arithmetic(let op, let a, let b, let t): .arithmetic(op, a.remapColumns(map), b.remapColumns(map), t)
        case .compare(let op, let a, let b): .compare(op, a.remapColumns(map), b.remapColumns(map))
        case .and(let es): .and(es.map { $0.remapColumns(map) })
        case .or(let es): .or(es.map { $0.remapColumns(map) })
        case .not(let e): .not(e.remapColumns(map))
        case .negate(let e): .negate(e.remapColumns(map))
        case .isNull(let e, let n): .isNull(e.remapColumns(map), negated: n)
        case .inList(let e, let vs, let hn, let n): .inList(e.remapColumns(map), vs, hasNull: hn, negated: n)
        case .like(let e, let p, let ci, let n, let esc): .like(e.remapColumns(map), pattern: p, caseInsensitive: ci, negated: n, escape: esc)
        case .caseWhen(let bs, let e, let t):
            .caseWhen(bs.map { ($0.0.remapColumns(map), $0.1.remapColumns(map)) }, elseResult: e.remapColumns(map), t)
        case .coalesce(let es, let t): .coalesce(es.map { $0.remapColumns(map) }, t)
        case .cast(let e, let t, let tc): .cast(e.remapColumns(map), to: t, tryCast: tc)
        case .function(let f, let es, let t): .function(f, es.map { $0.remapColumns(map) }, t)
        }
    }

    /// Structural equality, used to match SELECT expressions with GROUP BY and ORDER BY expressions.
    /// Constants compare as values (a 1536-float query vector costs one pass, never a text rendering).
    package static func == (a: BoundExpr, b: BoundExpr) -> Bool {
        switch (a, b) {
        case let (.column(i, t), .column(j, u)): return i == j && t == u
        case let (.constant(v, t), .constant(w, u)): return t == u && v == w
        case let (.arithmetic(o, x, y, t), .arithmetic(p, z, w, u)): return o == p && t == u && x == z && y == w
        case let (.compare(o, x, y), .compare(p, z, w)): return o == p && x == z && y == w
        case let (.and(xs), .and(ys)), let (.or(xs), .or(ys)): return xs == ys
        case let (.not(x), .not(y)), let (.negate(x), .negate(y)): return x == y
        case let (.isNull(x, n), .isNull(y, m)): return n == m && x == y
        case let (.inList(x, vs, h, n), .inList(y, ws, i, m)): return h == i && n == m && vs == ws && x == y
        case let (.like(x, p, c, n, e), .like(y, q, d, m, f)): return p == q && c == d && n == m && e == f && x == y
        case let (.caseWhen(bs, x, t), .caseWhen(cs, y, u)):
            return t == u && x == y && bs.count == cs.count && zip(bs, cs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.coalesce(xs, t), .coalesce(ys, u)): return t == u && xs == ys
        case let (.cast(x, t, c), .cast(y, u, d)): return t == u && c == d && x == y
        case let (.function(f, xs, t), .function(g, ys, u)): return f == g && t == u && xs == ys
        default: return false
        }
    }

    /// Hashes the shape and the leaves; consistent with ``==``.
    package func hash(into h: inout Hasher) {
        switch self {
        case .column(let i, let t): h.combine(0); h.combine(i); h.combine(t)
        case .constant(let v, let t): h.combine(1); h.combine(v); h.combine(t)
        case .arithmetic(let o, let x, let y, _): h.combine(2); h.combine(o); h.combine(x); h.combine(y)
        case .compare(let o, let x, let y): h.combine(3); h.combine(o); h.combine(x); h.combine(y)
        case .and(let xs): h.combine(4); h.combine(xs)
        case .or(let xs): h.combine(5); h.combine(xs)
        case .not(let x): h.combine(6); h.combine(x)
        case .negate(let x): h.combine(7); h.combine(x)
        case .isNull(let x, let n): h.combine(8); h.combine(x); h.combine(n)
        case .inList(let x, let vs, _, let n): h.combine(9); h.combine(x); h.combine(vs); h.combine(n)
        case .like(let x, let p, _, let n, _): h.combine(10); h.combine(x); h.combine(p); h.combine(n)
        case .caseWhen(let bs, let x, _): h.combine(11); h.combine(bs.count); h.combine(x)
        case .coalesce(let xs, _): h.combine(12); h.combine(xs)
        case .cast(let x, let t, _): h.combine(13); h.combine(x); h.combine(t)
        case .function(let f, let xs, _): h.combine(14); h.combine(f); h.combine(xs)
        }
    }
}


package enum ArithmeticOp: String, Hashable, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    /// Truncating division of BIGINTs (`//`).
    case integerDivide = "//"
}

package enum CompareOp: String, Hashable, Sendable {
    case eq = "=", ne = "<>", lt = "<", le = "<=", gt = ">", ge = ">="

    package var flipped: CompareOp {
        switch self {
        case .eq, .ne: self
        case .lt: .gt
        case .le: .ge
        case .gt: .lt
        case .ge: .le
        }
    }
}

/// Scalar functions the evaluator implements. Arguments are bound and type-checked by the binder.
package enum ScalarFunction: Hashable, Sendable {
    /// `length` counts characters, `byteLength` (`strlen`, `octet_length`) UTF-8 bytes, as in DuckDB.
    case lower, upper, length, byteLength, substr, concat, trim, replace, startsWith, contains
    case splitPart, left, right, strpos, lpad, rpad
    /// Regular expressions with a constant pattern; extract and replace take the group or replacement.
    case regexpMatches(RegexPattern), regexpExtract(RegexPattern), regexpReplace(RegexPattern)
    /// `strftime(t, format)` with a constant format.
    case strftime(TimeFormat)
    /// `strptime(text, format)` with a constant format; text that does not match is an error.
    case strptime(TimeFormat)
    /// `timezone(zone, t)`, `t AT TIME ZONE zone`: a TIMESTAMP read as local time in `zone` becomes
    /// the TIMESTAMPTZ instant (`toInstant`), a TIMESTAMPTZ becomes the local TIMESTAMP there.
    case atTimeZone(ZoneRule, toInstant: Bool)
    /// `make_date(y, m, d)`, `make_timestamp(y, m, d, h, min, s)`, `make_time(h, min, s)`.
    case makeDate, makeTimestamp, makeTime
    /// `ltrim`/`rtrim`/`trim(s, characters)`: which ends to strip of the given characters.
    case trimCharacters(leading: Bool, trailing: Bool)
    /// `printf(format, …)` (C-style specifiers) and `format(format, …)` (`{}` placeholders).
    case printf, format
    /// `json_array_length(json)`: elements of a JSON array, 0 for anything else.
    case jsonArrayLength
    /// `md5(text)`: the digest as 32 hex digits.
    case md5
    /// `json_type(json)`: DuckDB's name of the document's top-level type (OBJECT, ARRAY, VARCHAR, …).
    case jsonType
    /// `json_object(key, value, …)`: values whose flag is set are JSON and embedded as they are.
    case jsonObject(embedded: [Bool])
    /// `date_diff(unit, a, b)`: unit boundaries from timestamp `a` to `b` (DuckDB's rule; weeks are whole 7 days).
    case dateDiffUnits(TimeUnit)
    case dateSubUnits(TimeUnit)
    /// `epoch_ms(t)`, `epoch_us(t)`; `epoch_ms(n)` is `fromEpochMillis`.
    case epochMillis, epochMicros, fromEpochMillis
    case dayName, monthName
    /// `extract(epoch FROM interval)`: seconds, a month counting 30 days (as DuckDB counts).
    case intervalEpoch
    case abs, round, floor, ceil, sqrt, ln, log10, power
    /// A value cast to `DECIMAL(precision, scale)`, kept as a DOUBLE and rounded half away from zero
    /// at `scale` digits as DuckDB rounds it: text, integers and decimal literals (`exact`) as the
    /// decimals they spell, other doubles from `x · 10^scale`. One that needs more digits is an
    /// error, or NULL under TRY_CAST (`orNull`).
    case decimalRound(precision: Int, scale: Int, exact: Bool, orNull: Bool)
    /// `date_trunc(unit, ts)`; unit is resolved at bind time.
    case dateTrunc(TimeUnit)
    /// `time_bucket(width, ts [, origin])`: width and origin resolved at bind time.
    case timeBucket(months: Int32, micros: Int64, originMicros: Int64)
    case extract(DatePart)
    /// Adds a constant interval (negated for subtraction) to a timestamp.
    case addInterval(months: Int32, days: Int32, micros: Int64)
    /// TIME ± INTERVAL: adds `micros` (in 0..<one day) and wraps past midnight.
    case shiftTime(micros: Int64)
    /// `date + integer` / `date - integer` (days).
    case dateAddDays
    case timestampDiff
    case dateDiff
    /// `->` (json) and `->>` (text) with a resolved path.
    case jsonExtract(JSONPath, asText: Bool)
    case greatest, least
    case nullIf
    case toTimestamp
    /// pgvector distances and helpers.
    case vectorDistance(VectorDistance)
    case vectorDims, l2Norm
    /// A subquery over the enclosing query's columns; the arguments are their values (and the IN operand).
    case correlated(CorrelatedSubquery)
    /// Functions computed value by value (Functions/ScalarLibrary.swift).
    case library(LibraryFunction)
}

extension ScalarFunction {
    var isVectorFunction: Bool {
        switch self {
        case .vectorDistance, .vectorDims, .l2Norm: true
        default: false
        }
    }
}

package enum TimeUnit: String, Hashable, Sendable {
    case microsecond, millisecond, second, minute, hour, day, week, month, quarter, year, decade, century, millennium
}

package enum DatePart: String, Hashable, Sendable {
    case year, month, day, hour, minute, second, millisecond, microsecond, dow, isodow, doy, week, quarter, epoch
    case decade, century, millennium, isoyear
    /// ISO year × 100 + ISO week (DuckDB's `yearweek`).
    case yearweek
}
