import CairnFormat

/// A parsed JSON path: `'key'`, `'$.a.b'`, `'$.a[0].b'`, `'$."odd key"'`, or an integer array index.
package struct JSONPath: Hashable, Sendable {
    package enum Step: Hashable, Sendable { case key([UInt8]), index(Int) }
    package var steps: [Step]

    /// `$`: the whole document.
    package static let root = JSONPath(steps: [])

    private init(steps: [Step]) { self.steps = steps }

    package init?(_ v: Value) {
        switch v {
        case .int(let i):
            steps = [.index(Int(i))]
        case .string(let s):
            if s.hasPrefix("/") {
                // JSON Pointer (RFC 6901): /a/0/b, with ~1 for "/" and ~0 for "~".
                steps = s.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { part in
                    let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                    return .key(Array(key.utf8))
                }
                return
            }
            guard s.hasPrefix("$") else {
                steps = [.key(Array(s.utf8))]
                return
            }
            guard let parsed = Self.parse(Array(s.utf8)) else { return nil }
            steps = parsed
        default:
            return nil
        }
    }

    private static func parse(_ b: [UInt8]) -> [Step]? {
        var steps: [Step] = []
        var i = 1
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "."):
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "\"") {
                    i += 1
                    let start = i
                    while i < b.count, b[i] != UInt8(ascii: "\"") { i += 1 }
                    guard i < b.count else { return nil }
                    steps.append(.key(Array(b[start..<i])))
                    i += 1
                } else {
                    let start = i
                    while i < b.count, b[i] != UInt8(ascii: "."), b[i] != UInt8(ascii: "[") { i += 1 }
                    guard i > start else { return nil }
                    steps.append(.key(Array(b[start..<i])))
                }
            case UInt8(ascii: "["):
                i += 1
                let start = i
                while i < b.count, b[i] != UInt8(ascii: "]") { i += 1 }
                guard i < b.count, let n = Int(String(decoding: b[start..<i], as: UTF8.self)) else { return nil }
                steps.append(.index(n))
                i += 1
            default:
                return nil
            }
        }
        return steps
    }
}

/// A non-allocating scanner over JSON text that locates values by path.
package enum JSONScanner {
    /// Returns the byte range of the value at `path` inside `doc`, or nil if absent or malformed.
    package static func find(_ doc: UnsafeBufferPointer<UInt8>, _ path: [JSONPath.Step]) -> Range<Int>? {
        var pos = skipSpace(doc, 0)
        for step in path {
            guard pos < doc.count else { return nil }
            switch step {
            case .key(let key):
                // The key's bytes by pointer: passing the array to every key comparison retained and
                // released it each time, which was 45% of a JSON group-by.
                guard let value = key.withUnsafeBufferPointer({ member(doc, pos, $0) }) else { return nil }
                pos = value
            case .index(var n):
                guard doc[pos] == UInt8(ascii: "[") else { return nil }
                if n < 0 {
                    // Negative indices count from the end, as in DuckDB's '$[-1]'.
                    guard let count = arrayCount(doc, pos), count + n >= 0 else { return nil }
                    n += count
                }
                pos = skipSpace(doc, pos + 1)
                var k = 0
                var found = false
                while pos < doc.count, doc[pos] != UInt8(ascii: "]") {
                    if k == n { found = true; break }
                    guard let vEnd = valueEnd(doc, pos) else { return nil }
                    pos = skipSpace(doc, vEnd)
                    if pos < doc.count, doc[pos] == UInt8(ascii: ",") { pos = skipSpace(doc, pos + 1) }
                    k += 1
                }
                if !found { return nil }
            }
        }
        guard pos < doc.count, let end = valueEnd(doc, pos) else { return nil }
        return pos..<end
    }

    /// Where the value of member `key` of the object starting at `pos` starts.
    private static func member(_ doc: UnsafeBufferPointer<UInt8>, _ start: Int, _ key: UnsafeBufferPointer<UInt8>) -> Int? {
        guard doc[start] == UInt8(ascii: "{") else { return nil }
        var pos = skipSpace(doc, start + 1)
        while pos < doc.count, doc[pos] != UInt8(ascii: "}") {
            guard let (storedKey, value) = memberKey(doc, pos) else { return nil }
            pos = value
            if keyEquals(doc, storedKey, key) { return pos }
            guard let vEnd = valueEnd(doc, pos) else { return nil }
            pos = skipSpace(doc, vEnd)
            if pos < doc.count, doc[pos] == UInt8(ascii: ",") { pos = skipSpace(doc, pos + 1) }
        }
        return nil
    }

    /// The number of elements of the array starting at `p`.
    fileprivate static func arrayCount(_ d: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int? {
        var pos = skipSpace(d, p + 1)
        var count = 0
        while pos < d.count, d[pos] != UInt8(ascii: "]") {
            guard let end = valueEnd(d, pos) else { return nil }
            count += 1
            pos = skipSpace(d, end)
            if pos < d.count, d[pos] == UInt8(ascii: ",") { pos = skipSpace(d, pos + 1) }
        }
        return count
    }

    /// Whether `bytes` is one well-formed JSON value (surrounding whitespace allowed).
    package static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isValid($0) }
    }

    package static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = skipSpace(b, 0)
        guard start < b.count, let end = validValueEnd(b, start) else { return false }
        return skipSpace(b, end) == b.count
    }

    @inline(__always)
    static func skipSpace(_ d: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int {
        var i = p
        while i < d.count, d[i] == 0x20 || d[i] == 0x0A || d[i] == 0x0D || d[i] == 0x09 { i += 1 }
        return i
    }

    /// Index just past the closing quote of the string starting at `p`. With `validate`, also checks
    /// what JSON requires of a string's body, as DuckDB does: no raw control characters, and only
    /// the escapes `\" \\ \/ \b \f \n \r \t \uXXXX`.
    ///
    /// Looks at eight bytes at a time for a quote, a backslash or (validating) a control character,
    /// since validating the JSON of every appended or copied row is mostly this scan.
    @inline(__always)
    static func stringEnd(_ d: UnsafeBufferPointer<UInt8>, _ p: Int, validate: Bool = false) -> Int? {
        guard let base = d.baseAddress else { return nil }
        var i = p + 1
        while i < d.count {
            if i &+ 8 <= d.count {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                var hits = zeroBytes(word ^ 0x2222_2222_2222_2222) | zeroBytes(word ^ 0x5C5C_5C5C_5C5C_5C5C)
                if validate { hits |= (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080 }  // bytes below 0x20
                if hits == 0 { i &+= 8; continue }
                i &+= hits.trailingZeroBitCount >> 3
            }
            let c = d[i]
            if c == UInt8(ascii: "\"") { return i + 1 }
            if c == UInt8(ascii: "\\") {
                guard validate else { i += 2; continue }
                guard i + 1 < d.count else { return nil }
                switch d[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= d.count, d[(i + 2)..<(i + 6)].allSatisfy(isHexDigit) else { return nil }
                    i += 6
                default:
                    return nil
                }
                continue
            }
            if validate && c < 0x20 { return nil }
            i += 1
        }
        return nil
    }

    @inline(__always)
    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= UInt8(ascii: "a") && c | 0x20 <= UInt8(ascii: "f"))
    }

    /// High bit set in each byte of `x` that is zero, exact up to the first such byte (little-endian
    /// loads: the lowest set bit marks the first zero byte in memory order).
    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 {
        (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Whether a member's stored key (`d[stored]`, escapes not decoded) is `key`.
    private static func keyEquals(_ d: UnsafeBufferPointer<UInt8>, _ stored: Range<Int>, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let (s, e) = (stored.lowerBound, stored.upperBound)
        // Keys with escapes are compared after unescaping.
        var hasEscape = false
        for i in s..<e where d[i] == UInt8(ascii: "\\") { hasEscape = true; break }
        if !hasEscape {
            guard e - s == key.count else { return false }
            for i in 0..<key.count where d[s + i] != key[i] { return false }
            return true
        }
        return unescape(UnsafeBufferPointer(rebasing: d[stored])).elementsEqual(key)
    }

    /// Index just past the value starting at `p`, found without checking the grammar (the value
    /// was validated when stored).
    static func valueEnd(_ d: UnsafeBufferPointer<UInt8>, _ p: Int, depth: Int = 0) -> Int? {
        guard p < d.count, depth < maxDepth else { return nil }
        switch d[p] {
        case UInt8(ascii: "\""):
            return stringEnd(d, p)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = d[p] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            var i = skipSpace(d, p + 1)
            if i < d.count, d[i] == close { return i + 1 }
            while i < d.count {
                if isObject {
                    guard let (_, value) = memberKey(d, i) else { return nil }
                    i = value
                }
                guard let ve = valueEnd(d, i, depth: depth + 1) else { return nil }
                i = skipSpace(d, ve)
                guard i < d.count else { return nil }
                if d[i] == close { return i + 1 }
                guard d[i] == UInt8(ascii: ",") else { return nil }
                i = skipSpace(d, i + 1)
            }
            return nil
        default:
            let end = scalarEnd(d, p)
            return end > p ? end : nil
        }
    }

    /// Containers nested deeper than this are refused, so that no input can exhaust the stack.
    private static let maxDepth = 512

    /// Index just past the well-formed value starting at `p`, or nil if the grammar is broken
    /// there. Every appended or copied JSON value goes through this, so it is one loop, not a
    /// recursion: a stack of flags remembers which open containers are objects.
    static func validValueEnd(_ d: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int? {
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: maxDepth) { isObject in
            var i = p
            var depth = 0
            nextValue: while true {
                guard i < d.count else { return nil }
                switch d[i] {
                case UInt8(ascii: "\""):
                    guard let end = stringEnd(d, i, validate: true) else { return nil }
                    i = end
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let object = d[i] == UInt8(ascii: "{")
                    i = skipSpace(d, i + 1)
                    if i < d.count, d[i] == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        i += 1
                    } else {
                        guard depth < maxDepth else { return nil }
                        isObject[depth] = object
                        depth += 1
                        if object {
                            guard let (_, value) = memberKey(d, i, validate: true) else { return nil }
                            i = value
                        }
                        continue nextValue
                    }
                default:
                    let end = scalarEnd(d, i)
                    guard end > i, isScalar(UnsafeBufferPointer(rebasing: d[i..<end])) else { return nil }
                    i = end
                }
                // A value is complete: close the containers it completes, or go on to the next element.
                while depth > 0 {
                    i = skipSpace(d, i)
                    guard i < d.count else { return nil }
                    let object = isObject[depth - 1]
                    if d[i] == UInt8(ascii: ",") {
                        i = skipSpace(d, i + 1)
                        if object {
                            guard let (_, value) = memberKey(d, i, validate: true) else { return nil }
                            i = value
                        }
                        continue nextValue
                    }
                    guard d[i] == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
                    i += 1
                    depth -= 1
                }
                return i
            }
        }
    }

    /// For a member starting at `p` (`"key" : value`): the key's bytes between its quotes (escapes
    /// not decoded), and the index where the value starts. With `validate`, the key is checked like any string.
    @inline(__always)
    static func memberKey(_ d: UnsafeBufferPointer<UInt8>, _ p: Int, validate: Bool = false) -> (key: Range<Int>, value: Int)? {
        guard p < d.count, d[p] == UInt8(ascii: "\""), let keyEnd = stringEnd(d, p, validate: validate) else { return nil }
        let colon = skipSpace(d, keyEnd)
        guard colon < d.count, d[colon] == UInt8(ascii: ":") else { return nil }
        return ((p + 1)..<(keyEnd - 1), skipSpace(d, colon + 1))
    }

    /// Index of the first delimiter (`,`, `}`, `]` or whitespace) at or after `p`.
    @inline(__always)
    private static func scalarEnd(_ d: UnsafeBufferPointer<UInt8>, _ p: Int) -> Int {
        var i = p
        while i < d.count {
            let c = d[i]
            if c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") || c == 0x20
                || c == 0x0A || c == 0x0D || c == 0x09 { break }
            i += 1
        }
        return i
    }

    /// A value re-serialized the way DuckDB prints JSON it has parsed (extracted values, JSON Lines
    /// loaded into a column): containers without insignificant whitespace, numbers in their
    /// shortest form, also inside containers.
    package static func normalized(_ v: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard let first = v.first else { return [] }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            var out: [UInt8] = []
            out.reserveCapacity(v.count)
            var i = 0
            while i < v.count {
                let c = v[i]
                if c == UInt8(ascii: "\"") {
                    let end = stringEnd(v, i) ?? v.count
                    out.append(contentsOf: v[i..<end])
                    i = end
                    continue
                }
                if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; continue }
                if isNumberStart(c) {
                    let end = scalarEnd(v, i)
                    out += normalizedNumber(UnsafeBufferPointer(rebasing: v[i..<end]))
                    i = end
                    continue
                }
                out.append(c)
                i += 1
            }
            return out
        }
        return isNumberStart(first) ? normalizedNumber(v) : Array(v)
    }

    private static func isNumberStart(_ c: UInt8) -> Bool { c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) }

    /// DuckDB re-serializes non-integer numbers: 1.50 → 1.5, 1e2 → 100.0; integers keep every digit
    /// (`-0` is 0), and numbers out of the double range stay as written.
    private static func normalizedNumber(_ v: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let text = String(decoding: v, as: UTF8.self)
        if !v.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return Int64(text).map { Array(String($0).utf8) } ?? Array(v)
        }
        guard let d = Double(text), d.isFinite else { return Array(v) }
        let s = d == d.rounded() && abs(d) < 1e15 ? (d.sign == .minus && d == 0 ? "-0" : String(Int64(d))) + ".0"
            : ValueFormatter.formatDouble(d)
        return Array(s.utf8)
    }

    /// `true`, `false`, `null`, or a number in JSON's grammar (`-?int(.digits)?([eE][+-]?digits)?`).
    private static func isScalar(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        switch t.first {
        case UInt8(ascii: "t"): return equals(t, "true")
        case UInt8(ascii: "f"): return equals(t, "false")
        case UInt8(ascii: "n"): return equals(t, "null")
        default: break
        }
        var i = 0
        func digits() -> Int {
            let start = i
            while i < t.count, t[i] >= 0x30, t[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < t.count, t[i] == UInt8(ascii: "-") { i += 1 }
        // No leading zeros: "0" and "0.5", not "01".
        if i + 1 < t.count, t[i] == UInt8(ascii: "0"), t[i + 1] >= 0x30, t[i + 1] <= 0x39 { return false }
        guard digits() > 0 else { return false }
        if i < t.count, t[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < t.count, t[i] == UInt8(ascii: "e") || t[i] == UInt8(ascii: "E") {
            i += 1
            if i < t.count, t[i] == UInt8(ascii: "+") || t[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == t.count
    }

    @inline(__always)
    private static func equals(_ t: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        t.elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// Decodes the escapes of a JSON string body (without quotes).
    package static func unescape(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let c = s[i]
            guard c == UInt8(ascii: "\\"), i + 1 < s.count else { out.append(c); i += 1; continue }
            let e = s[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard i + 4 <= s.count, var code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: s[i..<i + 4]), as: UTF8.self), radix: 16) else {
                    out.append(e); continue
                }
                i += 4
                if (0xD800..<0xDC00).contains(code), i + 6 <= s.count, s[i] == UInt8(ascii: "\\"), s[i + 1] == UInt8(ascii: "u"),
                   let low = UInt32(String(decoding: UnsafeBufferPointer(rebasing: s[i + 2..<i + 6]), as: UTF8.self), radix: 16),
                   (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(e)
            }
        }
        return out
    }
}

extension JSONScanner {
    /// The number of elements of a JSON array document; 0 for any other value (as DuckDB's `json_array_length`).
    static func arrayLength(_ d: UnsafeBufferPointer<UInt8>) -> Int {
        let p = skipSpace(d, 0)
        guard p < d.count, d[p] == UInt8(ascii: "[") else { return 0 }
        return arrayCount(d, p) ?? 0
    }

    /// DuckDB's `json_type` of a document: OBJECT, ARRAY, VARCHAR, BOOLEAN, NULL, DOUBLE, BIGINT
    /// (a negative integer) or UBIGINT.
    static func typeName(_ d: UnsafeBufferPointer<UInt8>) -> String {
        let p = skipSpace(d, 0)
        guard p < d.count else { return "NULL" }
        switch d[p] {
        case UInt8(ascii: "{"): return "OBJECT"
        case UInt8(ascii: "["): return "ARRAY"
        case UInt8(ascii: "\""): return "VARCHAR"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "BOOLEAN"
        case UInt8(ascii: "n"): return "NULL"
        default:
            let number = d[p...].prefix { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains($0) }
            if number.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) { return "DOUBLE" }
            return d[p] == UInt8(ascii: "-") ? "BIGINT" : "UBIGINT"
        }
    }
}
