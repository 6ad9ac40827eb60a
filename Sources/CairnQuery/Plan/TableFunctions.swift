import CairnFormat
import CairnSQL

/// Functions used as FROM sources: `generate_series(start, stop[, step])` (stop included) and
/// `range(start, stop[, step])` (stop excluded), over integers or over timestamps with an interval
/// step, as in DuckDB. `range(n)` and `generate_series(n)` count from 0. Their arguments are
/// evaluated once, before the query runs.
enum TableFunctions {
    /// More rows than this is a mistake (a step of a second over years), not a series to build.
    static let maximumRows = 50_000_000

    static func rows(_ name: String, _ args: [Expr], context: QueryContext, at p: SQLPosition) throws(CairnError) -> (ColumnVector, ColumnType) {
        let location = SourceLocation(line: p.line, column: p.column)
        guard name == "generate_series" || name == "range" else {
            throw CairnError(.binder, "unknown table function \(name)() (generate_series and range are)", location: location)
        }
        guard (1...3).contains(args.count) else {
            throw CairnError(.binder, "\(name) takes start, stop and an optional step, got \(args.count) arguments", location: location)
        }
        var binder = Binder(scope: Scope(columns: []), context: context)
        let evaluator = Evaluator(context: context)
        var values: [(Value, ColumnType)] = []
        for (i, a) in args.enumerated() {
            var b = try binder.bind(a)
            // Text bounds are timestamps, a text step an interval, as written in DuckDB ('2025-09-01', '1 day').
            if b.isStringConstant { b = try binder.coerce(b, to: i == 2 ? .interval : .timestamp, a.position) }
            // A constant is taken as it is: an interval of months has no per-row (microsecond) form.
            if case .constant(let v, let t) = b { values.append((v, t)); continue }
            values.append((try evaluator.evaluateConstant(b), b.type))
        }
        if values.contains(where: { $0.0.isNull }) { return (.nulls(.int64, count: 0), values[0].1.isTemporal ? .timestamp : .bigint) }
        let inclusive = name == "generate_series"
        if values.allSatisfy({ $0.1.isInteger }) {
            let ints: [Int64] = values.map { v -> Int64 in
                if case .int(let i) = v.0 { return i }
                return 0
            }
            let start: Int64 = ints.count == 1 ? 0 : ints[0]
            let stop: Int64 = ints.count == 1 ? ints[0] : ints[1]
            let step: Int64 = ints.count == 3 ? ints[2] : 1
            guard step != 0 else { throw CairnError(.invalidInput, "\(name) step must not be zero", location: location) }
            var out: [Int64] = []
            var v = start
            while step > 0 ? (inclusive ? v <= stop : v < stop) : (inclusive ? v >= stop : v > stop) {
                guard out.count < maximumRows else { throw tooMany(name, location) }
                out.append(v)
                let (next, overflow) = v.addingReportingOverflow(step)
                if overflow { break }
                v = next
            }
            return (ColumnVector(storage: .int64(out)), .bigint)
        }
        guard values.count == 3, values[0].1.isTemporal, values[1].1.isTemporal,
              case .interval(let m, let d, let us) = values[2].0 else {
            throw CairnError(.binder, "\(name) takes integers, or two timestamps and an interval step", location: location)
        }
        func micros(_ v: Value) -> Int64? {
            if case .timestamp(let t) = v { return t }
            if case .date(let day) = v { return Calendar.micros(days: Int64(day)) }
            return nil
        }
        guard let start = micros(values[0].0), let stop = micros(values[1].0) else {
            throw CairnError(.invalidInput, "\(name) bounds are out of the timestamp range", location: location)
        }
        guard m != 0 || d != 0 || us != 0 else {
            throw CairnError(.invalidInput, "\(name) step must not be zero", location: location)
        }
        guard (m >= 0 && d >= 0 && us >= 0) || (m <= 0 && d <= 0 && us <= 0) else {
            throw CairnError(.invalidInput, "\(name) step must not mix positive and negative parts", location: location)
        }
        let forward = m > 0 || (m == 0 && (d > 0 || (d == 0 && us > 0)))
        var out: [Int64] = []
        var next: Int64? = start
        // Each value is the previous one plus the step, as in DuckDB (so Jan 31 + 1 month + 1 month is Mar 28).
        while let v = next, forward ? (inclusive ? v <= stop : v < stop) : (inclusive ? v >= stop : v > stop) {
            guard out.count < maximumRows else { throw tooMany(name, location) }
            out.append(v)
            next = Calendar.add(micros: v, months: m, days: d, micros: us)
        }
        return (ColumnVector(storage: .int64(out)), .timestamp)
    }

    private static func tooMany(_ name: String, _ location: SourceLocation) -> CairnError {
        CairnError(.unsupported, "\(name) would make more than \(maximumRows) rows; use a larger step", location: location)
    }
}
