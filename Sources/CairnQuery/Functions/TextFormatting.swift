import CairnFormat
import Foundation

/// `printf(format, …)` and `format(format, …)`, DuckDB's two ways of building text from values.
enum TextFormatting {
    /// C-style: `%s`, `%d`/`%i`, `%f`/`%.Nf`, `%e`, `%g`, `%x`/`%X`, `%o`, `%c`, `%%`, with the flags
    /// `-` (left-align), `0` (zero-pad) and `+`, a width and a precision (both at most 1000).
    /// Numbers round from their exact binary value, as C and DuckDB do (27.415 with `%.2f` is 27.41).
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
            func count() throws(CairnError) -> Int {
                var n = 0
                while i < chars.count, let d = chars[i].wholeNumberValue {
                    n = n * 10 + d
                    guard n <= 1000 else { throw CairnError(.invalidInput, "printf: a width or precision above 1000 in \"\(pattern)\"") }
                    i += 1
                }
                return n
            }
            let width = try count()
            var precision: Int?
            if i < chars.count, chars[i] == "." {
                i += 1
                precision = try count()
            }
            while i < chars.count, "lhqjzt".contains(chars[i]) { i += 1 }   // length modifiers mean nothing here
            guard i < chars.count else { throw CairnError(.invalidInput, "printf: incomplete specifier at the end of \"\(pattern)\"") }
            let spec = chars[i]
            i += 1
            let v = try argument()
            var text: String
            switch spec {
            case "s":
                text = v.stringValue ?? v.description
                if let precision, text.count > precision { text = String(text.prefix(precision)) }
            case "d", "i":
                guard let n = v.intValue else { throw mismatch(spec, v) }
                text = (plus && n >= 0 ? "+" : "") + String(n)
            case "f", "F", "e", "E", "g", "G":
                guard let x = v.doubleValue else { throw mismatch(spec, v) }
                text = (plus && x >= 0 ? "+" : "") + String(format: "%.\(precision ?? 6)\(spec)", x)
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
            } else if spec.hasPrefix(":."), spec.hasSuffix("f"), let digits = Int(spec.dropFirst(2).dropLast()), digits <= 1000, let x = v.doubleValue {
                out += String(format: "%.\(digits)f", x)
            } else {
                throw CairnError(.invalidInput, "format: unsupported placeholder {\(spec)} (use {} or {:.Nf})")
            }
        }
        return out
    }

    private static func mismatch(_ spec: Character, _ v: Value) -> CairnError {
        CairnError(.invalidInput, "printf: %\(spec) cannot format \(v.description)")
    }
}
