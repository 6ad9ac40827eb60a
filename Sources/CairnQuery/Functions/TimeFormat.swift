import CairnFormat

/// A `strftime` format, parsed when the query is bound so that an unknown specifier is an error
/// at its position, not a surprise in the output. The specifiers are DuckDB's (C's, plus `%f`
/// microseconds, `%g` milliseconds, `%n` nanoseconds, and `%-d`-style unpadded numbers); times
/// are UTC, so `%z` is `+00` and `%Z` empty.
package struct TimeFormat: Hashable, Sendable {
    enum Piece: Hashable, Sendable {
        case text(String)
        case field(Character, padded: Bool)
    }

    let pieces: [Piece]
    /// The format as written, for messages.
    let text: String

    /// Whether the format reads a UTC offset (`%z`): its times are instants, TIMESTAMPTZ in DuckDB.
    var readsOffset: Bool { pieces.contains(.field("z", padded: true)) }

    private static let fields: Set<Character> = [
        "Y", "y", "m", "d", "H", "I", "M", "S", "p", "f", "g", "n", "j", "a", "A", "b", "h", "B", "w", "u",
        "U", "W", "V", "G", "z", "Z", "c", "x", "X", "T",
    ]
    /// Numbers that `%-x` prints without padding.
    private static let unpaddable: Set<Character> = ["d", "m", "H", "I", "M", "S", "j", "y"]

    /// Throws the first specifier it does not know (as written, e.g. `%e`).
    init(_ format: String) throws(UnknownSpecifier) {
        var pieces: [Piece] = []
        var text = ""
        var chars = format.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { text.append(c); continue }
            guard var spec = chars.next() else { throw UnknownSpecifier(spec: "%") }
            if spec == "%" { text.append("%"); continue }
            var padded = true
            if spec == "-" {
                guard let next = chars.next(), Self.unpaddable.contains(next) else { throw UnknownSpecifier(spec: "%-") }
                spec = next
                padded = false
            }
            guard Self.fields.contains(spec) else { throw UnknownSpecifier(spec: "%\(spec)") }
            if !text.isEmpty { pieces.append(.text(text)); text = "" }
            pieces.append(.field(spec, padded: padded))
        }
        if !text.isEmpty { pieces.append(.text(text)) }
        self.pieces = pieces
        self.text = format
    }

    struct UnknownSpecifier: Error { let spec: String }

    private static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                 "September", "October", "November", "December"]

    /// The English name of a day (`micros` since the epoch), as `dayname` returns it.
    static func weekdayName(_ micros: Int64) -> String { weekdays[Int(DateMath.extract(.dow, micros))] }

    /// The English name of a month, as `monthname` returns it.
    static func monthName(_ micros: Int64) -> String { months[Int(DateMath.extract(.month, micros)) - 1] }

    /// `micros` (a UTC timestamp) formatted.
    func format(_ micros: Int64) -> String {
        let day = Calendar.dayOf(micros: micros)
        let (year, month, dayOfMonth) = Calendar.civil(days: day)
        let tod = Calendar.timeOfDay(micros: micros)
        let hour = Int(tod / Calendar.microsPerHour), minute = Int(tod / Calendar.microsPerMinute % 60)
        let second = Int(tod / Calendar.microsPerSecond % 60), fraction = Int(tod % Calendar.microsPerSecond)
        let weekday = Int(DateMath.extract(.dow, micros))   // 0 = Sunday
        let dayOfYear = Int(day - Calendar.days(year: year, month: 1, day: 1))   // 0-based
        func number(_ v: Int, _ width: Int, _ padded: Bool = true) -> String {
            let s = String(v)
            return padded && s.count < width ? String(repeating: "0", count: width - s.count) + s : s
        }
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let t): out += t
            case .field(let spec, let padded):
                switch spec {
                case "Y": out += year >= 0 ? number(year, 4) : String(year)
                case "y": out += number(((year % 100) + 100) % 100, 2, padded)
                case "m": out += number(month, 2, padded)
                case "d": out += number(dayOfMonth, 2, padded)
                case "H": out += number(hour, 2, padded)
                case "I": out += number(hour % 12 == 0 ? 12 : hour % 12, 2, padded)
                case "M": out += number(minute, 2, padded)
                case "S": out += number(second, 2, padded)
                case "p": out += hour < 12 ? "AM" : "PM"
                case "f": out += number(fraction, 6)
                case "g": out += number(fraction / 1000, 3)
                case "n": out += number(fraction, 6) + "000"
                case "j": out += number(dayOfYear + 1, 3, padded)
                case "a": out += String(Self.weekdays[weekday].prefix(3))
                case "A": out += Self.weekdays[weekday]
                case "b", "h": out += String(Self.months[month - 1].prefix(3))
                case "B": out += Self.months[month - 1]
                case "w": out += String(weekday)
                case "u": out += String(weekday == 0 ? 7 : weekday)
                // Weeks of the year starting on the first Sunday (%U) or Monday (%W); days before are week 0.
                case "U": out += number((dayOfYear + 7 - weekday) / 7, 2)
                case "W": out += number((dayOfYear + 7 - (weekday + 6) % 7) / 7, 2)
                case "V": out += number(Int(DateMath.isoWeek(day).1), 2)
                case "G": out += String(DateMath.isoWeek(day).0)
                case "z": out += "+00"
                case "Z": break
                case "c": out += TimeFormat.iso.format(micros)
                case "x": out += TimeFormat.date.format(micros)
                case "X", "T": out += TimeFormat.time.format(micros)
                default: break
                }
            }
        }
        return out
    }

    /// `text` read by this format (`strptime`): the UTC timestamp, or nil when it does not match.
    /// Numbers may be written without padding; a space matches any run of spaces; `%z` takes
    /// `±hh[[:]mm]` or `Z` and converts to UTC; day and month names are matched case-insensitively.
    func parse(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var p = 0
        var year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0, micros = 0, offsetMinutes = 0
        var dayOfYear: Int?, pm: Bool?
        func number(maxDigits: Int, signed: Bool = false) -> Int? {
            var negative = false
            if signed, p < text.count, text[p] == UInt8(ascii: "-") || text[p] == UInt8(ascii: "+") {
                negative = text[p] == UInt8(ascii: "-"); p += 1
            }
            var v = 0, digits = 0
            while p < text.count, digits < maxDigits, text[p] >= 0x30, text[p] <= 0x39 {
                v = v * 10 + Int(text[p] - 0x30); p += 1; digits += 1
            }
            return digits == 0 ? nil : (negative ? -v : v)
        }
        func name(_ names: [String]) -> Int? {
            for (i, full) in names.enumerated() {
                for candidate in [full, String(full.prefix(3))] {
                    let bytes = Array(candidate.lowercased().utf8)
                    guard p + bytes.count <= text.count else { continue }
                    if (0..<bytes.count).allSatisfy({ text[p + $0] | 0x20 == bytes[$0] }) { p += bytes.count; return i }
                }
            }
            return nil
        }
        func fields(_ f: TimeFormat) -> Bool {
            for piece in f.pieces {
                switch piece {
                case .text(let t):
                    for c in t.utf8 {
                        if c == 0x20 {
                            while p < text.count, text[p] == 0x20 { p += 1 }
                            continue
                        }
                        guard p < text.count, text[p] == c else { return false }
                        p += 1
                    }
                case .field(let spec, _):
                    switch spec {
                    // Four digits at most, so `%Y%m%d` reads 20250903.
                    case "Y": guard let v = number(maxDigits: 4, signed: true) else { return false }; year = v
                    case "y": guard let v = number(maxDigits: 2) else { return false }; year = v < 69 ? 2000 + v : 1900 + v
                    case "m": guard let v = number(maxDigits: 2) else { return false }; month = v
                    case "d": guard let v = number(maxDigits: 2) else { return false }; day = v
                    case "H", "I": guard let v = number(maxDigits: 2) else { return false }; hour = v
                    case "M": guard let v = number(maxDigits: 2) else { return false }; minute = v
                    case "S": guard let v = number(maxDigits: 2) else { return false }; second = v
                    case "j": guard let v = number(maxDigits: 3) else { return false }; dayOfYear = v
                    case "f", "g", "n":
                        let start = p
                        guard var v = number(maxDigits: spec == "g" ? 3 : (spec == "f" ? 6 : 9)) else { return false }
                        let digits = p - start
                        if digits < 6 { for _ in digits..<6 { v *= 10 } }
                        for _ in 6..<max(6, digits) { v /= 10 }   // nanoseconds to microseconds
                        micros = v
                    case "p":
                        guard p + 2 <= text.count else { return false }
                        let a = text[p] | 0x20, m = text[p + 1] | 0x20
                        guard (a == UInt8(ascii: "a") || a == UInt8(ascii: "p")) && m == UInt8(ascii: "m") else { return false }
                        pm = a == UInt8(ascii: "p"); p += 2
                    case "b", "h", "B": guard let v = name(Self.months) else { return false }; month = v + 1
                    case "a", "A": guard name(Self.weekdays) != nil else { return false }
                    case "w", "u": guard number(maxDigits: 1) != nil else { return false }
                    case "U", "W", "V": guard number(maxDigits: 2) != nil else { return false }
                    case "G": guard number(maxDigits: 6, signed: true) != nil else { return false }
                    case "z":
                        if p < text.count, text[p] == UInt8(ascii: "Z") { p += 1; continue }
                        guard p < text.count, text[p] == UInt8(ascii: "+") || text[p] == UInt8(ascii: "-") else { return false }
                        let sign = text[p] == UInt8(ascii: "-") ? -1 : 1
                        p += 1
                        guard let h = number(maxDigits: 2) else { return false }
                        if p < text.count, text[p] == UInt8(ascii: ":") { p += 1 }
                        let m = number(maxDigits: 2) ?? 0
                        offsetMinutes = sign * (h * 60 + m)
                    case "Z": while p < text.count, text[p] != 0x20 { p += 1 }
                    case "c": guard fields(TimeFormat.iso) else { return false }
                    case "x": guard fields(TimeFormat.date) else { return false }
                    case "X", "T": guard fields(TimeFormat.time) else { return false }
                    default: return false
                    }
                }
            }
            return true
        }
        guard fields(self), p == text.count else { return nil }
        if let pm {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (pm ? 12 : 0)
        }
        guard (1...12).contains(month), hour < 24, minute < 60, second < 60 else { return nil }
        let days: Int64
        if let dayOfYear {
            let yearDays = Calendar.days(year: year + 1, month: 1, day: 1) - Calendar.days(year: year, month: 1, day: 1)
            guard dayOfYear >= 1, dayOfYear <= yearDays else { return nil }
            days = Calendar.days(year: year, month: 1, day: 1) + Int64(dayOfYear - 1)
        } else {
            guard day >= 1, day <= Calendar.daysInMonth(year: year, month: month) else { return nil }
            days = Calendar.days(year: year, month: month, day: day)
        }
        let seconds = Int64(hour * 3600 + minute * 60 + second - offsetMinutes * 60)
        guard let dayMicros = Calendar.micros(days: days) else { return nil }
        let (t, overflow) = dayMicros.addingReportingOverflow(seconds * Calendar.microsPerSecond + Int64(micros))
        return overflow ? nil : t
    }

    private static let date = TimeFormat(pieces: [.field("Y", padded: true), .text("-"), .field("m", padded: true), .text("-"), .field("d", padded: true)])
    private static let time = TimeFormat(pieces: [.field("H", padded: true), .text(":"), .field("M", padded: true), .text(":"), .field("S", padded: true)])
    private static let iso = TimeFormat(pieces: date.pieces + [.text(" ")] + time.pieces)

    private init(pieces: [Piece]) { self.pieces = pieces; text = "" }
}
