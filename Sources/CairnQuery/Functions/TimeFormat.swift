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

    private static let date = TimeFormat(pieces: [.field("Y", padded: true), .text("-"), .field("m", padded: true), .text("-"), .field("d", padded: true)])
    private static let time = TimeFormat(pieces: [.field("H", padded: true), .text(":"), .field("M", padded: true), .text(":"), .field("S", padded: true)])
    private static let iso = TimeFormat(pieces: date.pieces + [.text(" ")] + time.pieces)

    private init(pieces: [Piece]) { self.pieces = pieces }
}
