import CairnFormat

/// Vectorized comparisons over physical storage. Results are 0/1; NULL handling is the caller's.
enum Comparison {
    @inline(__always)
    static func test<T: Comparable>(_ op: CompareOp, _ a: T, _ b: T) -> Bool {
        switch op {
        case .eq: a == b
        case .ne: a != b
        case .lt: a < b
        case .le: a <= b
        case .gt: a > b
        case .ge: a >= b
        }
    }

    @inline(__always)
    static func testOrder(_ op: CompareOp, _ c: Int) -> Bool {
        switch op {
        case .eq: c == 0
        case .ne: c != 0
        case .lt: c < 0
        case .le: c <= 0
        case .gt: c > 0
        case .ge: c >= 0
        }
    }

    /// Unsigned byte order (UTF-8 code point order, as DuckDB sorts), by its sign.
    @inline(__always)
    static func compareBytes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Int {
        ByteArray.order(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y))
    }

    static func scalarInt(_ v: Value) -> Int64? {
        switch v {
        case .int(let i), .timestamp(let i), .time(let i): i
        case .date(let d): Int64(d)
        case .bool(let b): b ? 1 : 0
        case .interval(let m, let d, let us) where m == 0: Int64(d) * Calendar.microsPerDay + us
        default: nil
        }
    }

    static func compareScalar(_ op: CompareOp, _ v: ColumnVector, _ c: Value, _ n: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            switch v.storage {
            case .int64(let a):
                if let k = scalarInt(c) {
                    a.withUnsafeBufferPointer { p in
                        switch op {
                        case .eq: for i in 0..<n { o[i] = p[i] == k ? 1 : 0 }
                        case .ne: for i in 0..<n { o[i] = p[i] != k ? 1 : 0 }
                        case .lt: for i in 0..<n { o[i] = p[i] < k ? 1 : 0 }
                        case .le: for i in 0..<n { o[i] = p[i] <= k ? 1 : 0 }
                        case .gt: for i in 0..<n { o[i] = p[i] > k ? 1 : 0 }
                        case .ge: for i in 0..<n { o[i] = p[i] >= k ? 1 : 0 }
                        }
                    }
                } else if case .double(let d) = c {
                    a.withUnsafeBufferPointer { p in for i in 0..<n { o[i] = test(op, Double(p[i]), d) ? 1 : 0 } }
                }
            case .float64(let a):
                let k: Double
                switch c {
                case .double(let d): k = d
                case .int(let i): k = Double(i)
                default: return
                }
                a.withUnsafeBufferPointer { p in for i in 0..<n { o[i] = doubleTest(op, p[i], k) ? 1 : 0 } }
            case .vectors:
                return  // the binder admits no comparison of vectors
            case .bytes(let b):
                let needle: [UInt8]
                switch c {
                case .string(let s), .json(let s): needle = Array(s.utf8)
                default: return
                }
                needle.withUnsafeBufferPointer { k in
                    b.data.withUnsafeBufferPointer { d in
                        b.offsets.withUnsafeBufferPointer { off in
                            if let dictionary = v.dictionary, op == .eq || op == .ne {
                                // Equality is equality of codes (a string no row holds matches no code; NULL
                                // rows' code is `size`, and the caller masks NULLs).
                                let target = dictionary.code(of: ByteMatcher(needle)).map(Int.init) ?? -1
                                let want: Int64 = op == .eq ? 1 : 0
                                func compare<C: FixedWidthInteger>(_ codes: UnsafeBufferPointer<C>) {
                                    guard let t = C(exactly: target) else {
                                        for i in 0..<n { o[i] = 1 - want }
                                        return
                                    }
                                    for i in 0..<n { o[i] = codes[i] == t ? want : 1 - want }
                                }
                                switch dictionary.codes {
                                case .narrow(let c): c.withUnsafeBufferPointer { compare($0) }
                                case .wide(let c): c.withUnsafeBufferPointer { compare($0) }
                                }
                            } else if let dictionary = v.dictionary {
                                // One comparison per distinct string, at its first row (NULL rows' code
                                // gets 0; the caller masks NULLs).
                                var outcome = [Int64](repeating: -1, count: dictionary.size + 1)
                                outcome[dictionary.size] = 0
                                // The local function captures a buffer pointer, not the array: a captured
                                // `var` is boxed and checked for exclusive access on every row.
                                outcome.withUnsafeMutableBufferPointer { outcome in
                                    func compare<C: FixedWidthInteger>(_ codes: UnsafeBufferPointer<C>) {
                                        for i in 0..<n {
                                            let c = Int(codes[i])
                                            var r = outcome[c]
                                            if r < 0 {
                                                let x = compareBytes(UnsafeBufferPointer(rebasing: d[off[i]..<off[i + 1]]), k)
                                                r = testOrder(op, x) ? 1 : 0
                                                outcome[c] = r
                                            }
                                            o[i] = r
                                        }
                                    }
                                    switch dictionary.codes {
                                    case .narrow(let c): c.withUnsafeBufferPointer { compare($0) }
                                    case .wide(let c): c.withUnsafeBufferPointer { compare($0) }
                                    }
                                }
                            } else if op == .eq || op == .ne {
                                let want: Int64 = op == .eq ? 1 : 0
                                let matcher = ByteMatcher(needle)
                                let base = UnsafeRawPointer(d.baseAddress)
                                for i in 0..<n {
                                    o[i] = matcher.matches(base, off[i], off[i + 1] - off[i]) ? want : 1 - want
                                }
                            } else {
                                for i in 0..<n {
                                    let c = compareBytes(UnsafeBufferPointer(rebasing: d[off[i]..<off[i + 1]]), k)
                                    o[i] = testOrder(op, c) ? 1 : 0
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// DuckDB orders NaN above every other double and equal to itself.
    @inline(__always)
    static func doubleTest(_ op: CompareOp, _ a: Double, _ b: Double) -> Bool {
        if !a.isNaN && !b.isNaN { return test(op, a, b) }
        let c = a.isNaN ? (b.isNaN ? 0 : 1) : -1
        return testOrder(op, c)
    }

    static func compareVectors(_ op: CompareOp, _ l: ColumnVector, _ r: ColumnVector, _ n: Int) -> [Int64] {
        var out = [Int64](repeating: 0, count: n)
        switch (l.storage, r.storage) {
        case (.int64(let a), .int64(let b)):
            for i in 0..<n { out[i] = test(op, a[i], b[i]) ? 1 : 0 }
        case (.bytes(let a), .bytes(let b)):
            for i in 0..<n {
                let c = a.withBytes(at: i) { x in b.withBytes(at: i) { y in compareBytes(x, y) } }
                out[i] = testOrder(op, c) ? 1 : 0
            }
        default:
            let a = l.asDoubles(), b = r.asDoubles()
            for i in 0..<n { out[i] = doubleTest(op, a[i], b[i]) ? 1 : 0 }
        }
        return out
    }
}

/// SQL LIKE over UTF-8 bytes: `%` any run, `_` one character. Common shapes get fast paths.
struct LikeMatcher {
    enum Shape { case exact([UInt8]), prefix([UInt8]), suffix([UInt8]), contains([UInt8]), general([UInt8]) }
    let shape: Shape
    let caseInsensitive: Bool
    /// The ESCAPE byte: the byte after it matches literally.
    let escape: UInt8?

    init(pattern: String, caseInsensitive: Bool, escape: String? = nil) {
        self.caseInsensitive = caseInsensitive
        let esc = escape.flatMap { Array($0.utf8).first }
        self.escape = esc
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).utf8)
        let percent = UInt8(ascii: "%"), underscore = UInt8(ascii: "_")
        let inner = p.filter { $0 == percent }.count
        if p.contains(underscore) || esc.map({ p.contains($0) }) == true {
            shape = .general(p)
        } else if inner == 0 {
            shape = .exact(p)
        } else if inner == 1, p.last == percent {
            shape = .prefix(Array(p.dropLast()))
        } else if inner == 1, p.first == percent {
            shape = .suffix(Array(p.dropFirst()))
        } else if inner == 2, p.first == percent, p.last == percent, p.count >= 2 {
            shape = .contains(Array(p.dropFirst().dropLast()))
        } else {
            shape = .general(p)
        }
    }

    func matches(_ s0: UnsafeBufferPointer<UInt8>) -> Bool {
        if caseInsensitive {
            let lowered = Self.lower(s0)
            return lowered.withUnsafeBufferPointer { match($0) }
        }
        return match(s0)
    }

    private static func lower(_ s: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        if s.allSatisfy({ $0 < 0x80 }) {
            return s.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 32 : $0 }
        }
        return Array(String(decoding: s, as: UTF8.self).lowercased().utf8)
    }

    private func match(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        switch shape {
        case .exact(let p): return s.elementsEqual(p)
        case .prefix(let p): return s.count >= p.count && s.prefix(p.count).elementsEqual(p)
        case .suffix(let p): return s.count >= p.count && s.suffix(p.count).elementsEqual(p)
        case .contains(let p): return Self.find(p, in: s)
        case .general(let p): return p.withUnsafeBufferPointer { Self.general($0, s, escape: escape) }
        }
    }

    private static func find(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > hay.count { return false }
        let first = needle[0]
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Iterative wildcard matching with backtracking to the last `%`; `_` consumes one UTF-8 character.
    private static func general(_ p: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>, escape: UInt8?) -> Bool {
        var pi = 0, si = 0, starP = -1, starS = 0
        func charLen(_ b: UInt8) -> Int { b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4 }
        while si < s.count {
            if pi + 1 < p.count, let e = escape, p[pi] == e {
                if p[pi + 1] == s[si] { pi += 2; si += 1; continue }
                if starP >= 0 { pi = starP + 1; starS += 1; si = starS; continue }
                return false
            }
            if pi < p.count, p[pi] == UInt8(ascii: "_") {
                pi += 1; si += charLen(s[si])
            } else if pi < p.count, p[pi] == UInt8(ascii: "%") {
                starP = pi; starS = si; pi += 1
            } else if pi < p.count, p[pi] == s[si] {
                pi += 1; si += 1
            } else if starP >= 0 {
                pi = starP + 1; starS += 1; si = starS
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "%") { pi += 1 }
        return pi == p.count && si == s.count
    }
}
