/// Proleptic Gregorian calendar arithmetic in UTC (Howard Hinnant's algorithms), used to format and
/// parse timestamps without Foundation on hot paths.
enum CivilTime {
    static let microsPerDay: Int64 = 86_400_000_000

    /// (year, month, day) of `days` since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Floor division of microseconds into (days, micros within the day).
    static func split(_ micros: Int64) -> (days: Int64, micros: Int64) {
        var days = micros / microsPerDay
        var rest = micros % microsPerDay
        if rest < 0 { days -= 1; rest += microsPerDay }
        return (days, rest)
    }

    /// Parses `YYYY-MM-DD` into days since the epoch, or nil.
    static func parseDate(_ text: String) -> Int64? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        return days(year: y, month: m, day: d)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with `T`) into microseconds since the epoch, or nil.
    static func parseTimestamp<C: Collection>(_ s: C) -> Int64? where C.Element == UInt8, C.Index == Int {
        guard s.count >= 19 else { return nil }
        let b = s.startIndex
        func num(_ from: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for i in from..<(from + len) {
                let c = s[b + i]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2),
              let h = num(11, 2), let mi = num(14, 2), let sec = num(17, 2),
              s[b + 4] == 45, s[b + 7] == 45, s[b + 10] == 32 || s[b + 10] == 84,
              s[b + 13] == 58, s[b + 16] == 58 else { return nil }
        var micros: Int64 = 0
        if s.count > 19 {
            guard s[b + 19] == 46, s.count <= 26, let f = num(20, s.count - 20) else { return nil }
            micros = f
            for _ in 0..<(26 - s.count) { micros *= 10 }
        }
        return (days(year: y, month: mo, day: d) * 86_400 + h * 3600 + mi * 60 + sec) * 1_000_000 + micros
    }

    /// `YYYY-MM-DD`.
    static func formatDate(days: Int64) -> String {
        let (y, m, d) = civil(fromDays: days)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
    }

    /// `YYYY-MM-DD HH:MM:SS`, plus `.ffffff` when the microseconds are not zero (the checksum form).
    static func formatTimestamp(micros: Int64) -> String {
        let (days, rest) = split(micros)
        let secs = rest / 1_000_000, frac = rest % 1_000_000
        var s = formatDate(days: days) + " " + pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
        if frac != 0 { s += "." + pad(frac, 6) }
        return s
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
