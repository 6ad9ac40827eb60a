import CairnFormat
import Foundation

/// `printf(format, …)` and `format(format, …)`, DuckDB's two ways of building text from values.
enum TextFormatting {
    /// C-style: `%s`, `%d`/`%i`, `%f`/`%.Nf`, `%e`, `%x`/`%X`, `%o`, `%c`, `%%`, with the flags `-`
    /// (left-align), `0` (zero-pad) and `+`, and a width. Decimals round half away from zero, as
    /// DuckDB prints 12.345 with `%.2f` as 12.35.
    static func printf(_ pattern: String, _ args: [Value]) throws(CairnError) -> String {
        var out = ""
        let chars = Array(pattern)
        var i = 0, next = 0
        func argument() throws(CairnError) -> Value {
            guard next < args.count else { throw CairnError(.invalidInput, "printf: the format \"\(pattern)\" needs more than \(args.count) arguments") }
            defer { next += 1 }
            return args[next]
        }
        while i < chars.count {
            guard chars[i] == "%" else { out.append(chars[i]); i += 1; continue }
            i += 1
            guard i < chars.count else { throw CairnError(.invalidInput, "printf: the format ends with %") }
            if chars[i] == "%" { out.append("%"); i += 1; continue }
            var left = false, zero = false, plus = false
            while i < chars.count, "-0+ ".contains(chars[i]) {
                if chars[i] == "-" { left = true } else if chars[i] == "0" { zero = true } else if chars[i] == "+" { plus = true }
                i += 1
            }
            var width = 0
            while i < chars.count, let d = chars[i].wholeNumberValue { width = width * 10 + d; i += 1 }
            var precision: Int?
            if i < chars.count, chars[i] == "." {
                i += 1
                var p = 0
                while i < chars.count, let d = chars[i].wholeNumberValue { p = p * 10 + d; i += 1 }
                precision = p
            }
            while i < chars.count, "lhqjzt".contains(chars[i]) { i += 1 }   // length modifiers mean nothing here
            guard i < chars.count else { throw CairnError(.invalidInput, "printf: incomplete specifier at the end of \"\(pattern)\"") }
            let spec = chars[i]
            i += 1
            let v = try argument()
            var text: String
            switch spec {
            case "s": text = v.isNull ? "NULL" : (v.stringValue ?? v.description)
            case "d", "i":
                guard let n = v.intValue ?? v.doubleValue.map({ Int64($0.rounded(.towardZero)) }) else { throw mismatch(spec, v) }
                text = (plus && n >= 0 ? "+" : "") + String(n)
            case "f", "F", "e", "E", "g", "G":
                guard let x = v.doubleValue else { throw mismatch(spec, v) }
                text = (plus && x >= 0 ? "+" : "") + fixed(x, precision ?? 6, style: spec)
            case "x", "X", "o":
                guard let n = v.intValue else { throw mismatch(spec, v) }
                text = String(UInt64(bitPattern: n), radix: spec == "o" ? 8 : 16, uppercase: spec == "X")
            case "c":
                guard let n = v.intValue, let u = Unicode.Scalar(UInt32(truncatingIfNeeded: n)) else { throw mismatch(spec, v) }
                text = String(Character(u))
            default:
                throw CairnError(.invalidInput, "printf: unknown specifier %\(spec)")
            }
            if text.count < width {
                let pad = width - text.count
                if left { text += String(repeating: " ", count: pad) }
                else if zero, "dieEfFgGxXo".contains(spec) {
                    let signed = text.first == "-" || text.first == "+"
                    text = (signed ? String(text.first!) : "") + String(repeating: "0", count: pad) + (signed ? String(text.dropFirst()) : text)
                } else { text = String(repeating: " ", count: pad) + text }
            }
            out += text
        }
        return out
    }

    /// `{}` takes the next argument as text, `{:.Nf}` a number with N decimals, `{{`/`}}` are braces.
    static func format(_ pattern: String, _ args: [Value]) throws(CairnError) -> String {
        var out = ""
        let chars = Array(pattern)
        var i = 0, next = 0
        while i < chars.count {
            if chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" { out.append("{"); i += 2; continue }
            if chars[i] == "}", i + 1 < chars.count, chars[i + 1] == "}" { out.append("}"); i += 2; continue }
            guard chars[i] == "{" else { out.append(chars[i]); i += 1; continue }
            guard let close = chars[i...].firstIndex(of: "}") else { throw CairnError(.invalidInput, "format: unclosed { in \"\(pattern)\"") }
            let spec = String(chars[(i + 1)..<close])
            i = close + 1
            guard next < args.count else { throw CairnError(.invalidInput, "format: \"\(pattern)\" needs more than \(args.count) arguments") }
            let v = args[next]
            next += 1
            if spec.isEmpty {
                out += v.isNull ? "NULL" : (v.stringValue ?? v.description)
            } else if spec.hasPrefix(":."), spec.hasSuffix("f"), let digits = Int(spec.dropFirst(2).dropLast()), let x = v.doubleValue {
                out += fixed(x, digits, style: "f")
            } else {
                throw CairnError(.invalidInput, "format: unsupported placeholder {\(spec)} (use {} or {:.Nf})")
            }
        }
        return out
    }

    private static func mismatch(_ spec: Character, _ v: Value) -> CairnError {
        CairnError(.invalidInput, "printf: %\(spec) cannot format \(v.description)")
    }

    /// `x` with `digits` decimals, rounding half away from zero on the decimal value nearest `x`
    /// (so 12.345 gives 12.35, as DuckDB's formatting does); `e` styles in scientific notation.
    private static func fixed(_ x: Double, _ digits: Int, style: Character) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
        if style == "e" || style == "E" || style == "g" || style == "G" {
            let text = String(describing: x)
            return style.isUppercase ? text.uppercased() : text
        }
        let scale = (0..<min(digits, 15)).reduce(1.0) { r, _ in r * 10 }
        let scaled = (abs(x) * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else { return String(format: "%.\(digits)f", x) }
        let whole = Int64(scaled)
        let intPart = whole / Int64(scale), frac = whole % Int64(scale)
        var text = (x < 0 && whole != 0 ? "-" : "") + String(intPart)
        if digits > 0 {
            let f = String(frac)
            text += "." + String(repeating: "0", count: min(digits, 15) - f.count) + f + String(repeating: "0", count: max(0, digits - 15))
        }
        return text
    }
}
