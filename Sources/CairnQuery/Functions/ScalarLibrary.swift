import CairnFormat
import Foundation

/// Scalar functions computed value by value, with DuckDB's results: the text, math, time and JSON
/// helpers log queries reach for. The binder coerces arguments; NULL in gives NULL out, except for
/// `concat_ws`, which skips NULL values.
package enum LibraryFunction: Hashable, Sendable {
    case endsWith, concatWS, reverse, repeatText, ascii, chr, translate, bitLength, urlEncode, urlDecode, sha1, sha256
    case sign, exp, log2, logBase, degrees, radians, cbrt, even, truncate, gcd, lcm, isNaN, isInfinite, isFinite, factorial
    case lastDay, epochNanos
    /// `string_split(s, sep)[i]`: the i-th piece, 1-based, negative from the end, NULL out of range.
    case splitElement
    /// `to_days(n)`, `to_seconds(x)`, …: an interval of `n` units of `micros` microseconds each.
    case toInterval(micros: Int64)
    case jsonValid
    /// Volatile: a new value for every row, so never folded into a constant.
    case random, uuid

    var isVolatile: Bool { self == .random || self == .uuid }
}

enum ScalarLibrary {
    static func evaluate(_ f: LibraryFunction, _ a: [Value]) throws(CairnError) -> Value {
        switch f {
        case .random: return .double(Double.random(in: 0..<1))
        case .uuid: return .string(UUID().uuidString.lowercased())
        case .concatWS:
            guard case .string(let separator) = a[0] else { return .null }
            return .string(a.dropFirst().compactMap(\.stringValue).joined(separator: separator))
        case .splitElement:
            guard let s = a[0].stringValue, let i = a[2].intValue else { return .null }
            // A NULL separator leaves the string whole and an empty one splits it into characters, as in DuckDB.
            let pieces = a[1].stringValue.map { $0.isEmpty ? s.map(String.init) : s.components(separatedBy: $0) } ?? [s]
            let index = i > 0 ? Int(i) - 1 : pieces.count + Int(max(i, -Int64(pieces.count) - 1))
            return i != 0 && pieces.indices.contains(index) ? .string(pieces[index]) : .null
        default:
            if a.contains(where: \.isNull) { return .null }
        }
        switch f {
        case .endsWith:
            guard let s = a[0].stringValue, let suffix = a[1].stringValue else { return .null }
            return .bool(s.utf8.count >= suffix.utf8.count && s.utf8.suffix(suffix.utf8.count).elementsEqual(suffix.utf8))
        case .reverse:
            return a[0].stringValue.map { .string(String($0.reversed())) } ?? .null
        case .repeatText:
            guard let s = a[0].stringValue, let n = a[1].intValue else { return .null }
            guard n > 0 else { return .string("") }
            guard n <= (1 << 28) / max(1, s.utf8.count) else { throw CairnError(.invalidInput, "repeat would make a string over 256 MiB") }
            return .string(String(repeating: s, count: Int(n)))
        case .ascii:
            return .int(Int64(a[0].stringValue?.unicodeScalars.first?.value ?? 0))
        case .chr:
            guard let n = a[0].intValue, let code = UInt32(exactly: n), let scalar = Unicode.Scalar(code) else {
                throw CairnError(.invalidInput, "chr: \(a[0]) is not a Unicode code point")
            }
            return .string(String(Character(scalar)))
        case .translate:
            guard let s = a[0].stringValue, let from = a[1].stringValue, let to = a[2].stringValue else { return .null }
            let targets = Array(to.unicodeScalars)
            var map: [Unicode.Scalar: Unicode.Scalar?] = [:]
            for (i, c) in from.unicodeScalars.enumerated() where map[c] == nil { map[c] = i < targets.count ? targets[i] : nil }
            var out = String.UnicodeScalarView()
            for c in s.unicodeScalars {
                if let mapped = map[c] { if let m = mapped { out.append(m) } } else { out.append(c) }
            }
            return .string(String(out))
        case .bitLength:
            return .int(Int64(a[0].stringValue?.utf8.count ?? 0) * 8)
        case .urlEncode:
            guard let s = a[0].stringValue else { return .null }
            return .string(urlEncoded(s))
        case .urlDecode:
            guard let s = a[0].stringValue else { return .null }
            let bytes = urlDecoded(s)
            guard bytes.withUnsafeBufferPointer({ UTF8Text.isValid($0) }) else {
                throw CairnError(.invalidInput, "url_decode: the decoded value of '\(s)' is not valid UTF-8")
            }
            return .string(String(decoding: bytes, as: UTF8.self))
        case .sha1:
            return a[0].stringValue.map { .string(SHA.sha1Hex(Array($0.utf8))) } ?? .null
        case .sha256:
            return a[0].stringValue.map { .string(SHA.sha256Hex(Array($0.utf8))) } ?? .null
        case .sign:
            if case .int(let i) = a[0] { return .int(Int64(i.signum())) }
            guard let x = a[0].doubleValue else { return .null }
            return .int(x > 0 ? 1 : (x < 0 ? -1 : 0))
        case .exp, .log2, .degrees, .radians, .cbrt, .even, .truncate:
            guard let x = a[0].doubleValue else { return .null }
            return .double(unary(f, x))
        case .logBase:
            guard let base = a[0].doubleValue, let x = a[1].doubleValue else { return .null }
            return .double(Foundation.log(x) / Foundation.log(base))
        case .isNaN, .isInfinite, .isFinite:
            guard let x = a[0].doubleValue else { return .null }
            return .bool(f == .isNaN ? x.isNaN : (f == .isInfinite ? x.isInfinite : x.isFinite))
        case .gcd, .lcm:
            guard let x = a[0].intValue, let y = a[1].intValue else { return .null }
            var (p, q) = (x.magnitude, y.magnitude)
            while q != 0 { (p, q) = (q, p % q) }
            if f == .gcd {
                guard let g = Int64(exactly: p) else { throw CairnError(.invalidInput, "gcd(\(x), \(y)) is out of the BIGINT range") }
                return .int(g)
            }
            guard p != 0 else { return .int(0) }
            let (l, overflow) = (x.magnitude / p).multipliedReportingOverflow(by: y.magnitude)
            guard !overflow, let result = Int64(exactly: l) else { throw CairnError(.invalidInput, "lcm(\(x), \(y)) is out of the BIGINT range") }
            return .int(result)
        case .factorial:
            guard let n = a[0].intValue else { return .null }
            guard n >= 0 else { throw CairnError(.invalidInput, "factorial of a negative number (\(n))") }
            guard n <= 20 else { throw CairnError(.invalidInput, "factorial(\(n)) is out of the BIGINT range") }
            return .int(n < 2 ? 1 : (2...n).reduce(1, *))
        case .lastDay:
            guard let day = dayNumber(a[0]) else { return .null }
            let (y, m, _) = Calendar.civil(days: day)
            return .date(Int32(Calendar.days(year: y, month: m, day: Calendar.daysInMonth(year: y, month: m))))
        case .epochNanos:
            guard case .timestamp(let t) = a[0] else { return .null }
            let (ns, overflow) = t.multipliedReportingOverflow(by: 1000)
            guard !overflow else { throw CairnError(.invalidInput, "epoch_ns of \(a[0]) is out of the BIGINT range") }
            return .int(ns)
        case .toInterval(let unit):
            guard let x = a[0].doubleValue else { return .null }
            let micros = (x * Double(unit)).rounded()
            guard let m = Int64(exactly: micros) else { throw CairnError(.invalidInput, "interval of \(a[0]) units is out of range") }
            return .interval(months: 0, days: 0, micros: m)
        case .jsonValid:
            return a[0].stringValue.map { .bool(JSONScanner.isValid(Array($0.utf8))) } ?? .null
        case .random, .uuid, .concatWS, .splitElement:
            return .null   // handled above
        }
    }

    private static func unary(_ f: LibraryFunction, _ x: Double) -> Double {
        switch f {
        case .exp: Foundation.exp(x)
        case .log2: Foundation.log2(x)
        case .degrees: x * 180 / Double.pi
        case .radians: x * Double.pi / 180
        case .cbrt: Foundation.cbrt(x)
        case .truncate: x.rounded(.towardZero)
        default: {   // even: away from zero to the next even integer
            let whole = x.rounded(.awayFromZero)
            return whole.truncatingRemainder(dividingBy: 2) == 0 ? whole : whole + (x < 0 ? -1 : 1)
        }()
        }
    }

    /// The day number of a DATE or TIMESTAMP value.
    private static func dayNumber(_ v: Value) -> Int64? {
        switch v {
        case .date(let d): Int64(d)
        case .timestamp(let t): Calendar.dayOf(micros: t)
        default: nil
        }
    }

    /// Percent-encodes every byte but the unreserved `A–Z a–z 0–9 - _ . ~` (RFC 3986), as DuckDB's `url_encode`.
    private static func urlEncoded(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes; anything else, including `+` and a `%` not followed by two hex digits, stays.
    private static func urlDecoded(_ s: String) -> [UInt8] {
        let bytes = Array(s.utf8)
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let hi = hexValue(bytes[i + 1]), let lo = hexValue(bytes[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
