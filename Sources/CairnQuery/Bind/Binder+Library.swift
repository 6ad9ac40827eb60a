import CairnFormat
import CairnSQL

extension Binder {
    /// Binds the functions of ``LibraryFunction`` and the aliases DuckDB users type (`mod`, `pi`,
    /// `trunc`, `typeof`, `regexp_full_match`, …); nil for a name it does not know.
    func bindLibraryFunction(_ name: String, _ a: [BoundExpr], _ exprs: [Expr], _ p: SQLPosition) throws(CairnError) -> BoundExpr? {
        func pos(_ i: Int) -> SQLPosition { i < exprs.count ? exprs[i].position : p }
        func texts(_ count: Int) throws(CairnError) -> [BoundExpr] {
            try expectArgs(name, a, count...count, p)
            var out: [BoundExpr] = []
            for i in 0..<count { out.append(try text(a[i], name, pos(i))) }
            return out
        }
        func double(_ i: Int) throws(CairnError) -> BoundExpr { try coerce(try number(a[i], name, pos(i)), to: .double, pos(i)) }
        func oneDouble() throws(CairnError) -> [BoundExpr] {
            try expectArgs(name, a, 1...1, p)
            return [try double(0)]
        }
        switch name {
        case "ends_with", "suffix": return .function(.library(.endsWith), try texts(2), .boolean)
        case "reverse": return .function(.library(.reverse), try texts(1), .varchar)
        case "translate": return .function(.library(.translate), try texts(3), .varchar)
        case "bit_length": return .function(.library(.bitLength), try texts(1), .bigint)
        case "url_encode": return .function(.library(.urlEncode), try texts(1), .varchar)
        case "url_decode": return .function(.library(.urlDecode), try texts(1), .varchar)
        case "sha1": return .function(.library(.sha1), try texts(1), .varchar)
        case "sha256": return .function(.library(.sha256), try texts(1), .varchar)
        case "ascii": return .function(.library(.ascii), try texts(1), .bigint)
        case "json_valid": return .function(.library(.jsonValid), try texts(1), .boolean)
        case "concat_ws":
            guard a.count >= 2 else { throw error("concat_ws takes a separator and at least one value", p) }
            let values = a.dropFirst().map { $0.type == .varchar ? $0 : BoundExpr.cast($0, to: .varchar, tryCast: false) }
            return .function(.library(.concatWS), [try text(a[0], name, pos(0))] + values, .varchar)
        case "repeat":
            try expectArgs(name, a, 2...2, p)
            return .function(.library(.repeatText), [try text(a[0], name, pos(0)), try integer(a[1], name, pos(1))], .varchar)
        case "chr":
            try expectArgs(name, a, 1...1, p)
            return .function(.library(.chr), [try integer(a[0], name, pos(0))], .varchar)
        case "regexp_full_match", "glob":
            try expectArgs(name, a, 2...(name == "glob" ? 2 : 3), p)
            let pattern = try constantString(a[1], "the \(name) pattern", pos(1))
            let options = a.count > 2 ? try constantString(a[2], "\(name) options", pos(2)) : (name == "glob" ? "s" : "")
            let anchored = name == "glob" ? Self.globRegex(pattern) : "\\A(?:\(pattern))\\z"
            let regex: RegexPattern
            do { regex = try RegexPattern(anchored, options: options, allowGlobal: false) } catch {
                throw self.error("unknown \(name) option '\(error.letter)'", pos(2))
            }
            do { _ = try regex.compile() } catch { throw self.error(error.message, pos(1)) }
            return .function(.regexpMatches(regex), [try text(a[0], name, pos(0))], .boolean)
        case "sign":
            try expectArgs(name, a, 1...1, p)
            return .function(.library(.sign), [try number(a[0], name, pos(0))], .bigint)
        case "exp": return .function(.library(.exp), try oneDouble(), .double)
        case "log2": return .function(.library(.log2), try oneDouble(), .double)
        case "degrees": return .function(.library(.degrees), try oneDouble(), .double)
        case "radians": return .function(.library(.radians), try oneDouble(), .double)
        case "cbrt": return .function(.library(.cbrt), try oneDouble(), .double)
        case "even": return .function(.library(.even), try oneDouble(), .double)
        case "isnan": return .function(.library(.isNaN), try oneDouble(), .boolean)
        case "isinf": return .function(.library(.isInfinite), try oneDouble(), .boolean)
        case "isfinite": return .function(.library(.isFinite), try oneDouble(), .boolean)
        case "trunc", "truncate":
            try expectArgs(name, a, 1...1, p)
            let x = try number(a[0], name, pos(0))
            return x.type.isInteger ? x : .function(.library(.truncate), [try double(0)], .double)
        case "gcd", "greatest_common_divisor", "lcm", "least_common_multiple":
            try expectArgs(name, a, 2...2, p)
            return .function(.library(name.hasPrefix("g") ? .gcd : .lcm), [try integer(a[0], name, pos(0)), try integer(a[1], name, pos(1))], .bigint)
        case "factorial":
            try expectArgs(name, a, 1...1, p)
            return .function(.library(.factorial), [try integer(a[0], name, pos(0))], .bigint)
        case "mod", "fmod":
            try expectArgs(name, a, 2...2, p)
            return try bindArithmetic(.modulo, a[0], a[1], p)
        case "pi":
            try expectArgs(name, a, 0...0, p)
            return .constant(.double(Double.pi), .double)
        case "random":
            try expectArgs(name, a, 0...0, p)
            return .function(.library(.random), [], .double)
        case "uuid", "gen_random_uuid":
            try expectArgs(name, a, 0...0, p)
            return .function(.library(.uuid), [], .varchar)
        case "last_day":
            try expectArgs(name, a, 1...1, p)
            return .function(.library(.lastDay), [try temporal(a[0], name, pos(0))], .date)
        case "epoch_ns":
            try expectArgs(name, a, 1...1, p)
            return .function(.library(.epochNanos), [try timestamp(a[0], name, pos(0))], .bigint)
        case "to_weeks", "to_days", "to_hours", "to_minutes", "to_seconds", "to_milliseconds", "to_microseconds":
            let micros: Int64 = switch name {
            case "to_weeks": 7 * Calendar.microsPerDay
            case "to_days": Calendar.microsPerDay
            case "to_hours": Calendar.microsPerHour
            case "to_minutes": Calendar.microsPerMinute
            case "to_seconds": Calendar.microsPerSecond
            case "to_milliseconds": 1000
            default: 1
            }
            return .function(.library(.toInterval(micros: micros)), try oneDouble(), .interval)
        case "typeof":
            try expectArgs(name, a, 1...1, p)
            return .constant(.string(a[0].isNullConstant ? "\"NULL\"" : a[0].type.description), .varchar)
        default:
            return nil
        }
    }

    /// `string_split(s, sep)[i]` (also `str_split`, `string_to_array`, and `list_extract(…, i)`):
    /// the i-th piece (1-based, negative from the end, NULL out of range), as DuckDB's list access
    /// gives it. Cairn has no list type, so this is the one list expression it takes.
    mutating func bindSplitElement(_ args: [Expr], _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        guard args.count == 2, case .function(let inner, let parts, false, false, nil, nil, _) = args[0],
              ["string_split", "str_split", "string_to_array", "split"].contains(inner.lowercased()), parts.count == 2 else {
            throw error("list values are not supported; the one list expression Cairn takes is string_split(s, separator)[i]", p)
        }
        return .function(.library(.splitElement), [try text(try bind(parts[0]), "string_split", parts[0].position),
                                                   try text(try bind(parts[1]), "string_split", parts[1].position),
                                                   try integer(try bind(args[1]), "a list index", args[1].position)], .varchar)
    }

    /// A GLOB pattern as an anchored regular expression: `*` any characters, `?` one, `[…]` one of a
    /// set (`[!…]` one not in it), `\` takes the next character literally; case-sensitive. A `[`
    /// never closed matches nothing, as in DuckDB.
    static func globRegex(_ glob: String) -> String {
        var out = "\\A"
        var chars = Array(glob)[...]
        while let c = chars.popFirst() {
            switch c {
            case "*": out += ".*"
            case "?": out += "."
            case "\\": out += chars.popFirst().map { escapedRegex($0) } ?? "\\\\"
            case "[":
                guard let close = chars.dropFirst().firstIndex(of: "]") else { return "(?!)" }
                var set = chars[chars.startIndex..<close]
                chars = chars[(close + 1)...]
                var negated = false
                if set.first == "!" { negated = true; set = set.dropFirst() }
                out += "[" + (negated ? "^" : "") + set.map { $0 == "-" ? "-" : escapedRegex($0) }.joined() + "]"
            default: out += escapedRegex(c)
            }
        }
        return out + "\\z"
    }

    private static func escapedRegex(_ c: Character) -> String {
        "\\^$.|?*+()[]{}/-".contains(c) ? "\\" + String(c) : String(c)
    }
}
