/// Proleptic Gregorian calendar arithmetic in UTC, on days since 1970-01-01 and microseconds
/// since the epoch. (Algorithms from Howard Hinnant's "chrono-compatible low-level date algorithms".)
package enum Calendar {
    package static let microsPerSecond: Int64 = 1_000_000
    package static let microsPerMinute: Int64 = 60_000_000
    package static let microsPerHour: Int64 = 3_600_000_000
    package static let microsPerDay: Int64 = 86_400_000_000

    package static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func civil(days z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// Floor division, for negative timestamps.
    @inlinable
    package static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    package static func dayOf(micros: Int64) -> Int64 { floorDiv(micros, 86_400_000_000) }

    /// Microseconds since midnight. Computed from the remainder: `micros - dayOf(micros) × microsPerDay`
    /// overflows for the earliest timestamps, whose midnight is below Int64.min.
    package static func timeOfDay(micros: Int64) -> Int64 {
        let r = micros % microsPerDay
        return r < 0 ? r + microsPerDay : r
    }

    package static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Adds months to a day number, clamping the day of month like PostgreSQL (Jan 31 + 1 month = Feb 28/29).
    package static func addMonths(days: Int64, _ months: Int64) -> Int64 {
        let (y, m, d) = civil(days: days)
        let total = Int64(y) * 12 + Int64(m - 1) + months
        let ny = Int(floorDiv(total, 12))
        let nm = Int(total - Int64(ny) * 12) + 1
        return Self.days(year: ny, month: nm, day: min(d, daysInMonth(year: ny, month: nm)))
    }

    /// Adds an interval to a timestamp: months first (clamped), then days, then microseconds.
    /// Returns nil when the result leaves the representable range.
    package static func add(micros ts: Int64, months: Int32, days: Int32, micros: Int64) -> Int64? {
        var t = ts
        if months != 0 {
            let day = dayOf(micros: t)
            let timeOfDay = timeOfDay(micros: t)
            let (m, o1) = addMonths(days: day, Int64(months)).multipliedReportingOverflow(by: microsPerDay)
            let (r, o2) = m.addingReportingOverflow(timeOfDay)
            if o1 || o2 { return nil }
            t = r
        }
        let (d, o3) = Int64(days).multipliedReportingOverflow(by: microsPerDay)
        let (a, o4) = t.addingReportingOverflow(d)
        let (b, o5) = a.addingReportingOverflow(micros)
        return o3 || o4 || o5 ? nil : b
    }

    /// Days to microseconds, or nil outside the timestamp range.
    package static func micros(days: Int64) -> Int64? {
        let (r, o) = days.multipliedReportingOverflow(by: microsPerDay)
        return o ? nil : r
    }

    // MARK: - Parsing

    /// Parses `YYYY-MM-DD`, optionally followed by ` ` or `T` and `HH:MM[:SS[.ffffff]]`, optionally followed by
    /// `Z`, `UTC`, or an offset `±HH[:MM]`. Returns microseconds since the epoch, or nil if malformed.
    /// An offset is applied (the result is UTC) for a TIMESTAMPTZ; for a TIMESTAMP it is checked and
    /// ignored, leaving the wall-clock time as written, as PostgreSQL and DuckDB do.
    package static func parseTimestamp(_ text: Substring, applyingOffset: Bool) -> Int64? {
        var copy = String(text)
        return copy.withUTF8 { parseTimestamp(bytes: $0, applyingOffset: applyingOffset) }
    }

    /// ``parseTimestamp(_:applyingOffset:)`` on UTF-8 bytes, without allocating.
    package static func parseTimestamp(bytes: UnsafeBufferPointer<UInt8>, applyingOffset: Bool) -> Int64? {
        guard let (days, rest) = parseDatePart(trimmingSpaces(bytes)) else { return nil }
        let (dayMicros, overflow) = days.multipliedReportingOverflow(by: microsPerDay)
        guard !overflow, abs(days) < 100_000_000 else { return nil }
        var t = dayMicros
        var r = rest
        if let c = r.first, c == 0x20 || c == 0x54 /* T */ {
            r = r.dropFirst()
            guard let clock = parseClock(&r, fieldDigits: 2...2) else { return nil }
            t += clock
        }
        guard let offset = offsetMicros(r) else { return nil }
        return applyingOffset ? t - offset : t
    }

    /// Parses TIME text as DuckDB reads it: `HH:MM[:SS[.ffffff]]` (fields of one or two digits),
    /// optionally after a date (`YYYY-MM-DD HH:MM:SS`, the date dropped) and before an offset (checked
    /// and ignored); `24:00:00` is the end of the day. Returns microseconds since midnight.
    package static func parseTime(_ text: Substring) -> Int64? {
        var copy = String(text)
        return copy.withUTF8 { parseTime(bytes: $0) }
    }

    /// ``parseTime(_:)`` on UTF-8 bytes, without allocating.
    package static func parseTime(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var r = trimmingSpaces(bytes)
        if let (_, rest) = parseDatePart(r), let c = rest.first, c == 0x20 || c == 0x54 /* T */ { r = rest.dropFirst() }
        guard let clock = parseClock(&r, fieldDigits: 1...2), offsetMicros(r) != nil else { return nil }
        return clock
    }

    /// `HH:MM[:SS[.ffffff]]` (digits beyond the sixth fractional one are dropped), as microseconds;
    /// nil if malformed or out of range. `10:00:00.` (no digits after the point) is whole seconds,
    /// as DuckDB reads it.
    private static func parseClock(_ r: inout Slice<UnsafeBufferPointer<UInt8>>, fieldDigits: ClosedRange<Int>) -> Int64? {
        guard let hh = readInt(&r, digits: 1...2), r.first == 0x3A else { return nil }
        r = r.dropFirst()
        guard let mm = readInt(&r, digits: fieldDigits) else { return nil }
        var ss: Int64 = 0, frac: Int64 = 0
        if r.first == 0x3A {
            r = r.dropFirst()
            guard let s2 = readInt(&r, digits: fieldDigits) else { return nil }
            ss = s2
            if r.first == 0x2E {
                r = r.dropFirst()
                var scale: Int64 = 100_000, n = 0
                while let c = r.first, c >= 0x30, c <= 0x39 {
                    if n < 6 { frac += Int64(c - 0x30) * scale; scale /= 10 }
                    n += 1
                    r = r.dropFirst()
                }
            }
        }
        guard hh < 24 || (hh == 24 && mm == 0 && ss == 0 && frac == 0), mm < 60, ss < 60 else { return nil }
        return hh * microsPerHour + mm * microsPerMinute + ss * microsPerSecond + frac
    }

    /// The UTC offset that ends timestamp text (`Z`, `UTC`, `+05`, `-03:30`, `+0530`, or nothing: 0),
    /// in microseconds east of UTC; nil if anything else follows.
    private static func offsetMicros(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        var r = text
        while let f = r.first, f == 0x20 { r = r.dropFirst() }
        if r.isEmpty || r.elementsEqual("Z".utf8) || r.elementsEqual("UTC".utf8) || r.elementsEqual("+00".utf8) { return 0 }
        guard let sign = r.first, sign == 0x2B || sign == 0x2D else { return nil }
        r = r.dropFirst()
        guard let oh = readInt(&r, digits: 2...2) else { return nil }
        var om: Int64 = 0
        if r.first == 0x3A { r = r.dropFirst() }
        if !r.isEmpty { guard let m = readInt(&r, digits: 2...2) else { return nil }; om = m }
        guard r.isEmpty else { return nil }
        let off = oh * microsPerHour + om * microsPerMinute
        return sign == 0x2B ? off : -off
    }

    /// Parses `YYYY-MM-DD` (nothing may follow). Returns days since the epoch.
    package static func parseDate(_ text: Substring) -> Int64? {
        var copy = String(text)
        return copy.withUTF8 { parseDate(bytes: $0) }
    }

    /// ``parseDate(_:)`` on UTF-8 bytes, without allocating.
    package static func parseDate(bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard let (d, rest) = parseDatePart(trimmingSpaces(bytes)), rest.isEmpty else { return nil }
        return d
    }

    /// `bytes` without leading and trailing spaces.
    private static func trimmingSpaces(_ bytes: UnsafeBufferPointer<UInt8>) -> Slice<UnsafeBufferPointer<UInt8>> {
        var s = bytes[...]
        while let f = s.first, f == 0x20 { s = s.dropFirst() }
        while let l = s.last, l == 0x20 { s = s.dropLast() }
        return s
    }

    private static func parseDatePart(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> (Int64, Slice<UnsafeBufferPointer<UInt8>>)? {
        var r = s
        var negative = false
        if r.first == 0x2D { negative = true; r = r.dropFirst() }
        guard var y = readInt(&r, digits: 1...6), r.first == 0x2D else { return nil }
        r = r.dropFirst()
        guard let m = readInt(&r, digits: 1...2), r.first == 0x2D else { return nil }
        r = r.dropFirst()
        guard let d = readInt(&r, digits: 1...2) else { return nil }
        if negative { y = -y }
        guard (1...12).contains(m), d >= 1, d <= Int64(daysInMonth(year: Int(y), month: Int(m))) else { return nil }
        return (days(year: Int(y), month: Int(m), day: Int(d)), r)
    }

    private static func readInt(_ r: inout Slice<UnsafeBufferPointer<UInt8>>, digits: ClosedRange<Int>) -> Int64? {
        var v: Int64 = 0, n = 0
        while let c = r.first, c >= 0x30, c <= 0x39, n < digits.upperBound {
            v = v * 10 + Int64(c - 0x30)
            n += 1
            r = r.dropFirst()
        }
        return digits.contains(n) ? v : nil
    }

    // MARK: - Formatting

    package static func formatDate(_ days: Int64) -> String {
        let (y, m, d) = civil(days: days)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]` with trailing fractional zeros trimmed, as DuckDB prints.
    package static func formatTimestamp(_ micros: Int64) -> String {
        formatDate(dayOf(micros: micros)) + " " + formatTime(timeOfDay(micros: micros))
    }

    /// `HH:MM:SS[.ffffff]` with trailing fractional zeros trimmed, as DuckDB prints a TIME
    /// (`micros` since midnight; 86,400,000,000 prints as `24:00:00`).
    package static func formatTime(_ micros: Int64) -> String {
        var rem = micros
        let hh = rem / microsPerHour; rem -= hh * microsPerHour
        let mm = rem / microsPerMinute; rem -= mm * microsPerMinute
        let ss = rem / microsPerSecond; rem -= ss * microsPerSecond
        var out = pad(Int(hh), 2) + ":" + pad(Int(mm), 2) + ":" + pad(Int(ss), 2)
        if rem > 0 {
            var frac = pad(Int(rem), 6)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        return out
    }

    /// DuckDB's interval text: `1 year 2 months 3 days 04:05:06.5`.
    package static func formatInterval(months: Int32, days: Int32, micros: Int64) -> String {
        var parts: [String] = []
        let years = months / 12, mons = months % 12
        if years != 0 { parts.append("\(years) year" + (abs(years) == 1 ? "" : "s")) }
        if mons != 0 { parts.append("\(mons) month" + (abs(mons) == 1 ? "" : "s")) }
        if days != 0 { parts.append("\(days) day" + (abs(days) == 1 ? "" : "s")) }
        if micros != 0 || parts.isEmpty {
            var rem = abs(micros)
            let hh = rem / microsPerHour; rem -= hh * microsPerHour
            let mm = rem / microsPerMinute; rem -= mm * microsPerMinute
            let ss = rem / microsPerSecond; rem -= ss * microsPerSecond
            var t = (micros < 0 ? "-" : "") + pad(Int(hh), 2) + ":" + pad(Int(mm), 2) + ":" + pad(Int(ss), 2)
            if rem > 0 {
                var frac = pad(Int(rem), 6)
                while frac.hasSuffix("0") { frac.removeLast() }
                t += "." + frac
            }
            parts.append(t)
        }
        return parts.joined(separator: " ")
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(abs(v))
        let p = s.count < width ? String(repeating: "0", count: width - s.count) + s : s
        return v < 0 ? "-" + p : p
    }
}

/// Text forms of values, matching DuckDB's output.
package enum ValueFormatter {
    package static func format(_ v: Value) -> String {
        switch v {
        case .null: "NULL"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): formatDouble(d)
        case .string(let s), .json(let s): s
        case .timestamp(let t): Calendar.formatTimestamp(t)
        case .date(let d): Calendar.formatDate(Int64(d))
        case .time(let t): Calendar.formatTime(t)
        case .interval(let m, let d, let us): Calendar.formatInterval(months: m, days: d, micros: us)
        case .vector(let v): VectorText.format(v)
        }
    }

    package static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d > 0 ? "inf" : "-inf" }
        return d.description
    }
}
