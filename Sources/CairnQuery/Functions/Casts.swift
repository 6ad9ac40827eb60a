import CairnFormat

/// Conversions between SQL types, with DuckDB's rules and error messages.
package enum Casts {
    package static func isAllowed(from: ColumnType, to: ColumnType) -> Bool {
        if from == to || to == .varchar || from == .varchar { return true }
        switch (from, to) {
        case (let a, let b) where a.isNumeric && b.isNumeric: return true
        case (let a, let b) where a.isTemporal && b.isTemporal: return true
        case (.timestamp, .time): return true
        case (.boolean, let b) where b.isInteger: return true
        case (let a, .boolean) where a.isInteger: return true
        case (.json, _), (_, .json): return from.isString || to.isString
        case (let a, .double) where a.isTemporal: return false
        default: return false
        }
    }

    /// Converts one value; used for constants and for the slow per-row paths.
    package static func castConstant(_ v: Value, from: ColumnType, to: ColumnType) throws(CairnError) -> Value {
        if v.isNull { return .null }
        switch to {
        case .varchar:
            if from == .timestamptz, case .timestamp(let t) = v { return .string(Calendar.formatTimestamp(t) + "+00") }
            if case .json(let s) = v { return .string(s) }
            return .string(v.description)
        case .json:
            let s: String
            switch v {
            case .string(let x), .json(let x): s = x
            case .timestamp(let t) where from == .timestamptz: s = JSONText.quote(Calendar.formatTimestamp(t) + "+00")
            default: s = JSONText.value(v)   // dates and times become JSON strings, as in DuckDB
            }
            guard JSONScanner.isValid(Array(s.utf8)) else {
                throw CairnError(.type, "malformed JSON: \(truncate(s))")
            }
            return .json(s)
        case .boolean:
            switch v {
            case .bool: return v
            case .int(let i): return .bool(i != 0)
            case .string(let s):
                switch s.trimmingSpaces.lowercased() {
                case "true", "t", "1", "yes", "y", "on": return .bool(true)
                case "false", "f", "0", "no", "n", "off": return .bool(false)
                default: throw conversion(s, to)
                }
            default: throw unsupported(from, to)
            }
        case .smallint, .integer, .bigint:
            let i: Int64
            switch v {
            case .int(let x): i = x
            case .bool(let b): i = b ? 1 : 0
            case .double(let d):
                let r = d.rounded(.toNearestOrAwayFromZero)
                guard r.isFinite, r >= -9.223372036854775808e18, r < 9.223372036854775808e18 else {
                    throw CairnError(.type, "value \(d) is out of range for \(to)")
                }
                i = Int64(r)
            case .string(let s):
                let t = s.trimmingSpaces
                // Decimal text rounds half away from zero, as DuckDB reads '12.5' (13).
                if let x = Int64(t) { i = x }
                else if let d = Double(t), d.isFinite, abs(d.rounded(.toNearestOrAwayFromZero)) < 9.2e18 { i = Int64(d.rounded(.toNearestOrAwayFromZero)) }
                else { throw conversion(s, to) }
            default: throw unsupported(from, to)
            }
            try checkRange(i, to)
            return .int(i)
        case .real, .double:
            switch v {
            case .int(let x): return .double(to == .real ? Double(Float(x)) : Double(x))
            case .double(let d): return .double(to == .real ? Double(Float(d)) : d)
            case .bool(let b): return .double(b ? 1 : 0)
            case .string(let s):
                let t = s.trimmingSpaces.lowercased()
                let d: Double? = switch t {
                case "nan": .nan
                case "inf", "infinity", "+inf", "+infinity": .infinity
                case "-inf", "-infinity": -.infinity
                default: Double(t)
                }
                guard let d else { throw conversion(s, to) }
                return .double(to == .real ? Double(Float(d)) : d)
            default: throw unsupported(from, to)
            }
        case .date:
            switch v {
            case .date: return v
            case .timestamp(let t): return .date(Int32(clamping: Calendar.dayOf(micros: t)))
            case .string(let s):
                if let d = Calendar.parseDate(Substring(s)) { return .date(Int32(clamping: d)) }
                if let t = Calendar.parseTimestamp(Substring(s), applyingOffset: false) { return .date(Int32(clamping: Calendar.dayOf(micros: t))) }
                throw conversion(s, to)
            default: throw unsupported(from, to)
            }
        case .timestamp, .timestamptz:
            switch v {
            case .timestamp: return v
            case .date(let d):
                guard let us = Calendar.micros(days: Int64(d)) else { throw CairnError(.type, "date is out of the timestamp range") }
                return .timestamp(us)
            case .string(let s):
                guard let t = Calendar.parseTimestamp(Substring(s), applyingOffset: to == .timestamptz) else { throw conversion(s, to) }
                return .timestamp(t)
            default: throw unsupported(from, to)
            }
        case .time:
            switch v {
            case .time(let t):
                // Values from the Swift API (parameters, the appender) are checked here.
                guard (0...Calendar.microsPerDay).contains(t) else { throw CairnError(.type, "TIME value \(t) µs is outside 00:00:00…24:00:00") }
                return v
            case .timestamp(let t): return .time(Calendar.timeOfDay(micros: t))
            case .string(let s):
                guard let t = Calendar.parseTime(Substring(s)) else { throw conversion(s, to) }
                return .time(t)
            default: throw unsupported(from, to)
            }
        case .interval:
            switch v {
            case .interval: return v
            case .string(let s):
                guard let iv = Intervals.parse(s) else { throw conversion(s, to) }
                return iv
            default: throw unsupported(from, to)
            }
        case .vector:
            switch v {
            case .vector: return v
            case .string(let s), .json(let s): return .vector(try parseVector(s))
            default: throw unsupported(from, to)
            }
        }
    }

    /// Parses pgvector's text form, with its error wording.
    package static func parseVector(_ s: String) throws(CairnError) -> [Float] {
        switch VectorText.parse(s) {
        case .success(let f): return f
        case .failure(let e): throw CairnError(.type, "invalid input syntax for type vector: \"\(truncate(s))\": \(e.message)")
        }
    }

    /// Checks a vector against a column's declared dimension.
    package static func checkDimension(_ f: [Float], _ expected: Int?) throws(CairnError) {
        if let expected, f.count != expected {
            throw CairnError(.type, "expected \(expected) dimensions, not \(f.count)")
        }
    }

    package static func checkRange(_ i: Int64, _ t: ColumnType) throws(CairnError) {
        guard fits(i, t) else { throw CairnError(.type, "value \(i) is out of range for \(t)") }
    }

    /// Whether `i` is in the range of integer type `t` (any value fits other types).
    static func fits(_ i: Int64, _ t: ColumnType) -> Bool {
        switch t {
        case .smallint: Int64(Int16.min)...Int64(Int16.max) ~= i
        case .integer: Int64(Int32.min)...Int64(Int32.max) ~= i
        default: true
        }
    }

    static func conversion(_ s: String, _ t: ColumnType) -> CairnError {
        CairnError(.type, "could not convert string '\(truncate(s))' to \(t)")
    }

    static func unsupported(_ from: ColumnType, _ to: ColumnType) -> CairnError {
        CairnError(.type, "cannot cast \(from) to \(to)")
    }

    static func truncate(_ s: String) -> String { s.count > 60 ? String(s.prefix(57)) + "..." : s }
}

extension String {
    var trimmingSpaces: Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

/// Parsing of interval text: `'7 days'`, `'1 hour 30 minutes'`, `'2 weeks'`, `'01:30:00'`, `'1 day 02:00:00'`.
package enum Intervals {
    package static func parse(_ text: String) -> Value? {
        var months: Int64 = 0, days: Int64 = 0, micros: Int64 = 0
        /// Adds a (fractional) amount, failing instead of trapping when it does not fit.
        func accumulate(_ total: inout Int64, _ amount: Double) -> Bool {
            guard amount.isFinite, abs(amount) < 9.2e18, case (let r, false) = total.addingReportingOverflow(Int64(amount)) else {
                return false
            }
            total = r
            return true
        }
        let tokens = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !tokens.isEmpty else { return nil }
        var i = 0
        while i < tokens.count {
            let tok = tokens[i]
            if tok.contains(":") {
                guard let us = parseClock(tok), case (let r, false) = micros.addingReportingOverflow(us) else { return nil }
                micros = r
                i += 1
                continue
            }
            guard let q = Double(tok), q.isFinite, abs(q) < 1e12 else { return nil }
            guard i + 1 < tokens.count else {
                return nil
            }
            let unit = tokens[i + 1]
            i += 2
            switch unit {
            case "year", "years", "y", "yr", "yrs": guard accumulate(&months, q * 12) else { return nil }
            case "month", "months", "mon", "mons": guard accumulate(&months, q) else { return nil }
            case "week", "weeks", "w": guard accumulate(&days, q * 7) else { return nil }
            case "day", "days", "d": guard accumulate(&days, q) else { return nil }
            case "hour", "hours", "h", "hr", "hrs": guard accumulate(&micros, q * Double(Calendar.microsPerHour)) else { return nil }
            case "minute", "minutes", "m", "min", "mins": guard accumulate(&micros, q * Double(Calendar.microsPerMinute)) else { return nil }
            case "second", "seconds", "s", "sec", "secs": guard accumulate(&micros, q * Double(Calendar.microsPerSecond)) else { return nil }
            case "millisecond", "milliseconds", "ms", "msec", "msecs": guard accumulate(&micros, q * 1000) else { return nil }
            case "microsecond", "microseconds", "us", "usec", "usecs": guard accumulate(&micros, q) else { return nil }
            case "quarter", "quarters": guard accumulate(&months, q * 3) else { return nil }
            case "decade", "decades": guard accumulate(&months, q * 120) else { return nil }
            case "century", "centuries": guard accumulate(&months, q * 1200) else { return nil }
            default: return nil
            }
        }
        guard let m = Int32(exactly: months), let d = Int32(exactly: days) else { return nil }
        return .interval(months: m, days: d, micros: micros)
    }

    private static func parseClock(_ s: Substring) -> Int64? {
        let negative = s.hasPrefix("-")
        let parts = (negative ? s.dropFirst() : s).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let h = Int64(parts[0]), let m = Int64(parts[1]),
              abs(h) < 2_000_000, abs(m) < 1_000_000 else { return nil }
        var us = h * Calendar.microsPerHour + m * Calendar.microsPerMinute
        if parts.count == 3 {
            guard let sec = Double(parts[2]), sec.isFinite, abs(sec) < 1e9 else { return nil }
            us += Int64((sec * 1_000_000).rounded())
        }
        return negative ? -us : us
    }
}
