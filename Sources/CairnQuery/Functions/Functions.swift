import CairnFormat
import Foundation

/// Vectorized implementations of ``ScalarFunction``s. Arguments arrive evaluated and type-checked.
enum Functions {
    static func apply(_ f: ScalarFunction, _ a: [ColumnVector], argTypes: [ColumnType], resultType: ColumnType,
                      count n: Int, context: QueryContext) throws(CairnError) -> ColumnVector {
        switch f {
        case .decimalRound(let precision, let scale, false, let orNull):
            guard case .float64(let values) = a[0].storage else { break }
            return try DecimalCast.roundColumn(a[0], values: values, precision: precision, scale: scale, orNull: orNull)
        case .dateTrunc(let unit):
            return mapInt(a[0]) { t in DateMath.trunc(unit, t) }
        case .timeBucket(let months, let width, let origin):
            return mapInt(a[0]) { t in
                if months > 0 {
                    let om = DateMath.monthIndex(origin), tm = DateMath.monthIndex(t)
                    let b = om + Calendar.floorDiv(tm - om, Int64(months)) * Int64(months)
                    return DateMath.fromMonthIndex(b) * Calendar.microsPerDay
                }
                return origin + Calendar.floorDiv(t - origin, width) * width
            }
        case .extract(let part):
            if part == .epoch {
                guard case .int64(let x) = a[0].storage else { break }
                let scale = argTypes[0] == .date ? Double(Calendar.microsPerDay) : 1
                return ColumnVector(storage: .float64(x.map { Double($0) * scale / 1e6 }), validity: a[0].validity)
            }
            let isDate = argTypes[0] == .date
            var overflow = false
            let r = mapInt(a[0]) { t in
                guard isDate else { return DateMath.extract(part, t) }
                guard let us = Calendar.micros(days: t) else { overflow = true; return 0 }
                return DateMath.extract(part, us)
            }
            if overflow { throw CairnError(.invalidInput, "date out of range for \(part.rawValue)") }
            return r
        case .addInterval(let m, let d, let us):
            var overflow = false
            let r = mapInt(a[0]) { t in
                guard let v = Calendar.add(micros: t, months: m, days: d, micros: us) else { overflow = true; return 0 }
                return v
            }
            if overflow { throw CairnError(.invalidInput, "timestamp out of range after adding an interval") }
            return r
        case .shiftTime(let shift):
            return mapInt(a[0]) { ($0 &+ shift) % Calendar.microsPerDay }
        case .dateAddDays:
            guard case .int64(let x) = a[0].storage, case .int64(let y) = a[1].storage else { break }
            return ColumnVector(storage: .int64(zip(x, y).map { $0 &+ $1 }), validity: andValidity(a[0].validity, a[1].validity))
        case .dateDiff, .timestampDiff:
            guard case .int64(let x) = a[0].storage, case .int64(let y) = a[1].storage else { break }
            return ColumnVector(storage: .int64(zip(x, y).map { $0 &- $1 }), validity: andValidity(a[0].validity, a[1].validity))
        case .jsonExtract(let path, let asText):
            return jsonExtract(a[0], path, asText: asText, n)
        case .lower, .upper:
            return mapString(a[0]) { s in
                if s.allSatisfy({ $0 < 0x80 }) {
                    return f == .lower ? s.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 + 32 : $0 }
                        : s.map { ($0 >= 0x61 && $0 <= 0x7A) ? $0 - 32 : $0 }
                }
                let str = String(decoding: s, as: UTF8.self)
                return Array((f == .lower ? str.lowercased() : str.uppercased()).utf8)
            }
        case .trim:
            return mapString(a[0]) { s in
                var lo = 0, hi = s.count
                while lo < hi, s[lo] == 0x20 { lo += 1 }
                while hi > lo, s[hi - 1] == 0x20 { hi -= 1 }
                return Array(s[lo..<hi])
            }
        case .length:
            guard case .bytes(let b) = a[0].storage else { break }
            var out = [Int64](repeating: 0, count: n)
            b.data.withUnsafeBufferPointer { d in
                for i in 0..<n {
                    var c: Int64 = 0
                    for j in b.offsets[i]..<b.offsets[i + 1] where d[j] & 0xC0 != 0x80 { c += 1 }
                    out[i] = c
                }
            }
            return ColumnVector(storage: .int64(out), validity: a[0].validity)
        case .byteLength:
            guard case .bytes(let b) = a[0].storage else { break }
            return ColumnVector(storage: .int64((0..<n).map { Int64(b.offsets[$0 + 1] - b.offsets[$0]) }), validity: a[0].validity)
        case .regexpMatches(let pattern):
            return try regexpMatches(a[0], pattern, n)
        case .regexpExtract(let pattern):
            return try regexpExtract(a[0], a[1], pattern, n)
        case .regexpReplace(let pattern):
            return try regexpReplace(a[0], a[1], pattern, n)
        case .strftime(let format):
            return mapTimestampToString(a[0], n) { format.format($0) }
        case .strptime(let format):
            guard case .bytes(let b) = a[0].storage else { break }
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n where !a[0].isNull(i) {
                let parsed = b.data.withUnsafeBufferPointer { d in format.parse(UnsafeBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]])) }
                guard let parsed else { throw CairnError(.invalidInput, "strptime: \"\(b.string(at: i))\" does not match the format \"\(format.text)\"") }
                out[i] = parsed
            }
            return ColumnVector(storage: .int64(out), validity: a[0].validity)
        case .correlated(let subquery):
            return try subquery.evaluate(a, argTypes: argTypes, resultType: resultType, count: n, context: context)
        case .atTimeZone(let zone, let toInstant):
            var offsets = ZoneRule.Offsets(zone)
            return mapInt(a[0]) { toInstant ? offsets.instant(local: $0) : $0 + offsets.seconds(at: $0) * Calendar.microsPerSecond }
        case .md5:
            return mapString(a[0]) { MD5.hex($0) }
        case .jsonArrayLength:
            guard case .bytes(let b) = a[0].storage else { break }
            var out = [Int64](repeating: 0, count: n)
            b.data.withUnsafeBufferPointer { d in
                for i in 0..<n where !a[0].isNull(i) {
                    out[i] = Int64(JSONScanner.arrayLength(UnsafeBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]])))
                }
            }
            return ColumnVector(storage: .int64(out), validity: a[0].validity)
        case .jsonType:
            return mapString(a[0]) { Array(JSONScanner.typeName($0).utf8) }
        case .dayName:
            return mapTimestampToString(a[0], n) { TimeFormat.weekdayName($0) }
        case .monthName:
            return mapTimestampToString(a[0], n) { TimeFormat.monthName($0) }
        case .dateDiffUnits(let unit), .dateSubUnits(let unit):
            guard case .int64(let x) = a[0].storage, case .int64(let y) = a[1].storage else { break }
            let whole: Bool
            if case .dateSubUnits = f { whole = true } else { whole = false }
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n {
                guard let d = whole ? DateMath.wholeUnitsBetween(unit, x[i], y[i]) : DateMath.unitsBetween(unit, x[i], y[i]) else {
                    guard a[0].isNull(i) || a[1].isNull(i) else {
                        throw CairnError(.invalidInput, "\(whole ? "date_sub" : "date_diff") in \(unit.rawValue)s is out of the BIGINT range")
                    }
                    continue
                }
                out[i] = d
            }
            return ColumnVector(storage: .int64(out), validity: andValidity(a[0].validity, a[1].validity))
        case .epochMillis:
            return mapInt(a[0]) { Calendar.floorDiv($0, 1000) }
        case .epochMicros:
            return a[0]
        case .fromEpochMillis:
            var overflow = false
            let r = mapInt(a[0]) { ms in
                let (us, o) = ms.multipliedReportingOverflow(by: 1000)
                overflow = overflow || o
                return us
            }
            if overflow { throw CairnError(.invalidInput, "epoch_ms value is out of the timestamp range") }
            return r
        case .intervalEpoch:
            guard case .int64(let x) = a[0].storage else { break }
            return ColumnVector(storage: .float64(x.map { Double($0) / 1e6 }), validity: a[0].validity)
        default:
            break
        }
        return try rowWise(f, a, argTypes: argTypes, resultType: resultType, n)
    }

    /// Applies `body` to every valid value of an int64 vector.
    @inline(__always)
    static func mapInt(_ v: ColumnVector, _ body: (Int64) -> Int64) -> ColumnVector {
        guard case .int64(let a) = v.storage else { return v }
        var out = [Int64](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { p in
            if let valid = v.validity {
                for i in 0..<p.count where valid[i] { out[i] = body(p[i]) }
            } else {
                for i in 0..<p.count { out[i] = body(p[i]) }
            }
        }
        return ColumnVector(storage: .int64(out), validity: v.validity)
    }

    /// Formats every valid timestamp of `v` (micros); NULL stays NULL.
    static func mapTimestampToString(_ v: ColumnVector, _ n: Int, _ body: (Int64) -> String) -> ColumnVector {
        guard case .int64(let t) = v.storage else { return .nulls(.bytes, count: n) }
        var out = ByteArray()
        out.reserveCapacity(rows: n, bytes: n * 16)
        for i in 0..<n {
            if v.isNull(i) { out.appendEmpty(); continue }
            Array(body(t[i]).utf8).withUnsafeBufferPointer { out.append(bytes: $0) }
        }
        return ColumnVector(storage: .bytes(out), validity: v.validity)
    }

    static func mapString(_ v: ColumnVector, _ body: (UnsafeBufferPointer<UInt8>) -> [UInt8]) -> ColumnVector {
        guard case .bytes(let b) = v.storage else { return v }
        var out = ByteArray()
        out.reserveCapacity(rows: b.count, bytes: b.data.count)
        b.data.withUnsafeBufferPointer { d in
            for i in 0..<b.count {
                let r = body(UnsafeBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]]))
                r.withUnsafeBufferPointer { out.append(bytes: $0) }
            }
        }
        return ColumnVector(storage: .bytes(out), validity: v.validity)
    }

    static func jsonExtract(_ v: ColumnVector, _ path: JSONPath, asText: Bool, _ n: Int) -> ColumnVector {
        guard case .bytes(let b) = v.storage else { return .nulls(.bytes, count: n) }
        var out = ByteArray()
        out.reserveCapacity(rows: n, bytes: b.data.count / 4)
        var validity = [Bool](repeating: true, count: n)
        var anyNull = false
        b.data.withUnsafeBufferPointer { d in
            for i in 0..<n {
                if v.isNull(i) { out.appendEmpty(); validity[i] = false; anyNull = true; continue }
                let doc = UnsafeBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]])
                guard let r = JSONScanner.find(doc, path.steps) else {
                    out.appendEmpty(); validity[i] = false; anyNull = true; continue
                }
                let value = UnsafeBufferPointer(rebasing: doc[r])
                if asText {
                    if value.first == UInt8(ascii: "\"") && value.count >= 2 {
                        let body = UnsafeBufferPointer(rebasing: value[value.startIndex + 1..<value.endIndex - 1])
                        if body.contains(UInt8(ascii: "\\")) {
                            JSONScanner.unescape(body).withUnsafeBufferPointer { out.append(bytes: $0) }
                        } else {
                            out.append(bytes: body)
                        }
                        continue
                    }
                    if value.elementsEqual("null".utf8) { out.appendEmpty(); validity[i] = false; anyNull = true; continue }
                }
                JSONScanner.normalized(value).withUnsafeBufferPointer { out.append(bytes: $0) }
            }
        }
        return ColumnVector(storage: .bytes(out), validity: anyNull ? validity : nil)
    }

    /// Per-row fallback for functions off the hot path.
    private static func rowWise(_ f: ScalarFunction, _ a: [ColumnVector], argTypes: [ColumnType], resultType: ColumnType,
                                _ n: Int) throws(CairnError) -> ColumnVector {
        var b = VectorBuilder(type: resultType, capacity: n)
        var args = [Value](repeating: .null, count: a.count)
        for i in 0..<n {
            for k in 0..<a.count { args[k] = a[k].value(at: i, type: argTypes[k]) }
            b.append(try scalar(f, args, resultType))
        }
        return b.finish()
    }

    private static func scalar(_ f: ScalarFunction, _ a: [Value], _ t: ColumnType) throws(CairnError) -> Value {
        switch f {
        case .library(let function):
            return try ScalarLibrary.evaluate(function, a)
        case .concat:
            var s = ""
            for v in a {
                if v.isNull { return .null }
                s += v.description
            }
            return .string(s)
        case .nullIf:
            return !a[0].isNull && !a[1].isNull && ValueOrder.compare(a[0], a[1]) == 0 ? .null : a[0]
        case .jsonObject(let embedded):
            var out = "{"
            for k in stride(from: 0, to: a.count, by: 2) {
                guard case .string(let key) = a[k] else { throw CairnError(.invalidInput, "json_object keys must not be NULL") }
                if k > 0 { out += "," }
                out += JSONText.quote(key) + ":" + Self.jsonObjectMember(a[k + 1], embedded: embedded[k + 1])
            }
            return .json(out + "}")
        case .greatest, .least:
            let vals = a.filter { !$0.isNull }
            guard var best = vals.first else { return .null }
            for v in vals.dropFirst() {
                let c = ValueOrder.compare(v, best)
                if (f == .greatest && c > 0) || (f == .least && c < 0) { best = v }
            }
            return best
        default:
            break
        }
        if a.contains(where: \.isNull) { return .null }
        switch f {
        case .makeDate, .makeTimestamp:
            if a.count == 1 { return a[0].intValue.map { .timestamp($0) } ?? .null }
            let parts = a.prefix(5).map { $0.intValue ?? 0 }
            guard parts.count >= 3, let y = Int(exactly: parts[0]), abs(y) <= 5_000_000, let m = Int(exactly: parts[1]), let d = Int(exactly: parts[2]),
                  (1...12).contains(m), d >= 1, d <= Calendar.daysInMonth(year: y, month: m) else {
                throw CairnError(.invalidInput, "\(f == .makeDate ? "make_date" : "make_timestamp"): no such date \(a.prefix(3).map(\.description).joined(separator: "-"))")
            }
            let days = Calendar.days(year: y, month: m, day: d)
            if f == .makeDate { return .date(Int32(days)) }   // |days| < 2³¹ for |year| ≤ 5,000,000
            let h = parts.count > 3 ? parts[3] : 0, mi = parts.count > 4 ? parts[4] : 0
            let s = a.count > 5 ? (a[5].doubleValue ?? 0) : 0
            guard (0..<24).contains(h), (0..<60).contains(mi), s >= 0, s < 60, let dayMicros = Calendar.micros(days: days) else {
                throw CairnError(.invalidInput, "make_timestamp: no such time \(h):\(mi):\(s)")
            }
            return .timestamp(dayMicros + (h * 3600 + mi * 60) * Calendar.microsPerSecond + Int64((s * 1e6).rounded()))
        case .makeTime:
            let h = a[0].intValue ?? 0, mi = a[1].intValue ?? 0, s = a[2].doubleValue ?? 0
            // Seconds up to 61 carry into the minute, as DuckDB's do (make_time(1, 2, 60) is 01:03:00).
            guard (0...24).contains(h), (0..<60).contains(mi), s >= 0, s < 61 else {
                throw CairnError(.invalidInput, "make_time: no such time \(h):\(mi):\(s)")
            }
            let t = (h * 3600 + mi * 60) * Calendar.microsPerSecond + Int64((s * 1e6).rounded())
            guard t <= Calendar.microsPerDay else { throw CairnError(.invalidInput, "make_time: no such time \(h):\(mi):\(s)") }
            return .time(t)
        case .printf, .format:
            // NULL when any argument is (as DuckDB).
            guard case .string(let pattern) = a[0] else { return .null }
            return .string(try f == .printf ? TextFormatting.printf(pattern, Array(a.dropFirst())) : TextFormatting.format(pattern, Array(a.dropFirst())))
        case .trimCharacters(let leading, let trailing):
            guard case .string(let s) = a[0] else { return .null }
            let set: Set<Unicode.Scalar> = a.count > 1 ? (a[1].stringValue.map { Set($0.unicodeScalars) } ?? [" "]) : [" "]
            var scalars = Substring(s).unicodeScalars[...]
            if leading { while let c = scalars.first, set.contains(c) { scalars.removeFirst() } }
            if trailing { while let c = scalars.last, set.contains(c) { scalars.removeLast() } }
            return .string(String(String.UnicodeScalarView(scalars)))
        case .substr:
            guard case .string(let s) = a[0], case .int(let start) = a[1] else { return .null }
            let chars = Array(s.unicodeScalars)
            let count = Int64(chars.count)
            // 1-based; a negative start counts from the end (DuckDB). Clamped in Int64 to avoid overflow.
            var from = start > 0 ? start - 1 : (start < 0 ? max(count + start, 0) : 0)
            var to = count
            if a.count == 3, case .int(let len) = a[2] {
                guard len >= 0 else { throw CairnError(.invalidInput, "substring length must not be negative") }
                let base = start == 0 ? -1 : from
                to = len > count ? count : min(count, base + len)
            }
            from = min(max(from, 0), count)
            if from >= to { return .string("") }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: chars[Int(from)..<Int(to)])
            return .string(String(out))
        case .splitPart:
            guard case .string(let s) = a[0], case .string(let separator) = a[1], case .int(let index) = a[2] else { return .null }
            // DuckDB: 1-based, negative counts from the end, out of range (or 0) is ''; an empty
            // separator splits into characters.
            let parts = separator.isEmpty ? s.unicodeScalars.map { String($0) } : Self.split(s, by: separator)
            let i = index > 0 ? Int(clamping: index) - 1 : parts.count + Int(clamping: index)
            return .string(index != 0 && parts.indices.contains(i) ? parts[i] : "")
        case .left, .right:
            guard case .string(let s) = a[0], case .int(let count) = a[1] else { return .null }
            let chars = Array(s.unicodeScalars)
            // A negative count drops that many from the other end.
            let keep = count >= 0 ? min(Int(clamping: count), chars.count) : max(0, chars.count - Int(clamping: count.magnitude))
            var out = String.UnicodeScalarView()
            out.append(contentsOf: f == .left ? chars.prefix(keep) : chars.suffix(keep))
            return .string(String(out))
        case .strpos:
            guard case .string(let s) = a[0], case .string(let needle) = a[1] else { return .null }
            return .int(Int64(Self.firstScalarIndex(of: Array(needle.unicodeScalars), in: Array(s.unicodeScalars)).map { $0 + 1 } ?? 0))
        case .lpad, .rpad:
            guard case .string(let s) = a[0], case .int(let width) = a[1], case .string(let fill) = a[2] else { return .null }
            let chars = Array(s.unicodeScalars), target = max(0, Int(clamping: width))
            var out = String.UnicodeScalarView()
            if chars.count >= target {
                out.append(contentsOf: chars.prefix(target))
                return .string(String(out))
            }
            let fillChars = Array(fill.unicodeScalars)
            guard !fillChars.isEmpty else { throw CairnError(.invalidInput, "\(f == .lpad ? "lpad" : "rpad") needs a non-empty fill to pad with") }
            let padding = (0..<(target - chars.count)).map { fillChars[$0 % fillChars.count] }
            out.append(contentsOf: f == .lpad ? padding + chars : chars + padding)
            return .string(String(out))
        case .replace:
            guard case .string(let s) = a[0], case .string(let x) = a[1], case .string(let y) = a[2] else { return .null }
            return .string(x.isEmpty ? s : s.replacingOccurrences(of: x, with: y))
        case .startsWith:
            guard case .string(let s) = a[0], case .string(let x) = a[1] else { return .null }
            return .bool(s.utf8.starts(with: x.utf8))
        case .contains:
            guard case .string(let s) = a[0], case .string(let x) = a[1] else { return .null }
            return .bool(x.isEmpty || s.contains(x))
        case .abs:
            switch a[0] {
            case .int(let i):
                guard i != .min else { throw CairnError(.type, "overflow in abs(\(i))") }
                return .int(Swift.abs(i))
            case .double(let d): return .double(Swift.abs(d))
            default: return .null
            }
        case .decimalRound(let precision, let scale, let exact, let orNull):
            do {
                return try DecimalCast.round(a[0], precision: precision, scale: scale, exact: exact)
            } catch {
                if orNull { return .null }
                throw error
            }
        case .round:
            let digits: Int64 = a.count > 1 ? (a[1].intValue ?? 0) : 0
            switch a[0] {
            case .int(let i):
                guard digits < 0 else { return .int(i) }
                guard digits > -19 else { return .int(0) }
                var p: Int64 = 1
                for _ in 0..<(-digits) { p *= 10 }
                let r = (Double(i) / Double(p)).rounded(.toNearestOrAwayFromZero) * Double(p)
                return Int64(exactly: r).map { .int($0) } ?? .double(r)
            case .double(let d):
                return .double(Self.round(d, digits: digits))
            default: return .null
            }
        case .floor, .ceil:
            switch a[0] {
            case .int(let i): return .int(i)
            case .double(let d): return .double(f == .floor ? d.rounded(.down) : d.rounded(.up))
            default: return .null
            }
        case .sqrt:
            // IEEE results, as DuckDB gives them: sqrt(-1) is nan, ln(0) is -inf, ln(-1) nan.
            guard let d = a[0].doubleValue else { return .null }
            return .double(d.squareRoot())
        case .ln, .log10:
            guard let d = a[0].doubleValue else { return .null }
            return .double(f == .ln ? Foundation.log(d) : Foundation.log10(d))
        case .power:
            guard let x = a[0].doubleValue, let y = a[1].doubleValue else { return .null }
            return .double(Foundation.pow(x, y))
        case .toTimestamp:
            guard let d = a[0].doubleValue else { return .null }
            guard let us = Int64(exactly: (d * 1e6).rounded()) else {
                throw CairnError(.invalidInput, "to_timestamp(\(d)) is out of the timestamp range")
            }
            return .timestamp(us)
        default:
            throw CairnError(.unsupported, "function \(f) cannot be evaluated here")
        }
    }
}

extension Functions {
    /// Where `needle` first occurs in `haystack`, by Unicode scalar (as DuckDB matches code points:
    /// Swift's String search would match whole graphemes and canonically equivalent text).
    static func firstScalarIndex(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], from start: Int = 0) -> Int? {
        guard !needle.isEmpty else { return start }
        guard haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        return (start...(haystack.count - needle.count)).first { i in haystack[i..<i + needle.count].elementsEqual(needle) }
    }

    /// `s` split at every occurrence of `separator` (not empty), by Unicode scalar.
    static func split(_ s: String, by separator: String) -> [String] {
        let scalars = Array(s.unicodeScalars), sep = Array(separator.unicodeScalars)
        var parts: [String] = [], start = 0
        while let i = firstScalarIndex(of: sep, in: scalars, from: start) {
            parts.append(String(String.UnicodeScalarView(scalars[start..<i])))
            start = i + sep.count
        }
        parts.append(String(String.UnicodeScalarView(scalars[start...])))
        return parts
    }

    /// `round(d, digits)` as DuckDB computes it: half away from zero on the exact binary value of `d`, so
    /// 1901.55 (really 1901.5499…) rounds to 1901.5. The product `d × 10^digits` can round up onto a tie;
    /// its exact error (an FMA) says which side of the tie the true value lies.
    static func round(_ d: Double, digits: Int64) -> Double {
        let scale = Foundation.pow(10.0, Double(max(-308, min(308, digits))))
        let y = d * scale
        guard y.isFinite else { return d }
        let truncated = y.rounded(.towardZero)
        var r = y.rounded(.toNearestOrAwayFromZero)
        if (1...22).contains(digits), Swift.abs(y - truncated) == 0.5 {
            let error = (-y).addingProduct(d, scale)  // d × scale − y, exactly
            if error != 0 && (error < 0) != (y < 0) { r = truncated }
        }
        return r / scale
    }
}

extension Functions {
    /// A `json_object` value: as the JSON output mode spells values, except that a JSON argument
    /// read as text is embedded, and NaN and infinities (which JSON lacks) are null.
    static func jsonObjectMember(_ v: Value, embedded: Bool) -> String {
        switch v {
        case .string(let s) where embedded: s
        case .double(let x) where !x.isFinite: "null"
        default: JSONText.value(v)
        }
    }
}

extension Value {
    var intValue: Int64? { if case .int(let i) = self { i } else { nil } }
    var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    var doubleValue: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
}

/// Calendar functions on microsecond timestamps.
enum DateMath {
    static func monthIndex(_ t: Int64) -> Int64 {
        let (y, m, _) = Calendar.civil(days: Calendar.dayOf(micros: t))
        return Int64(y) * 12 + Int64(m - 1)
    }

    static func fromMonthIndex(_ mi: Int64) -> Int64 {
        let y = Calendar.floorDiv(mi, 12)
        return Calendar.days(year: Int(y), month: Int(mi - y * 12) + 1, day: 1)
    }

    /// Truncates a timestamp (micros) to `unit`.
    static func trunc(_ unit: TimeUnit, _ t: Int64) -> Int64 {
        switch unit {
        case .microsecond: return t
        case .millisecond: return Calendar.floorDiv(t, 1000) * 1000
        case .second: return Calendar.floorDiv(t, Calendar.microsPerSecond) * Calendar.microsPerSecond
        case .minute: return Calendar.floorDiv(t, Calendar.microsPerMinute) * Calendar.microsPerMinute
        case .hour: return Calendar.floorDiv(t, Calendar.microsPerHour) * Calendar.microsPerHour
        default: return truncDate(unit, Calendar.dayOf(micros: t)) * Calendar.microsPerDay
        }
    }

    /// Truncates a date (days) to `unit`, returning days.
    static func truncDate(_ unit: TimeUnit, _ day: Int64) -> Int64 {
        switch unit {
        case .microsecond, .millisecond, .second, .minute, .hour, .day: return day
        case .week:
            // ISO weeks start on Monday; 1970-01-01 was a Thursday.
            return day - ((day + 3) % 7 + 7) % 7
        default:
            let (y, m, _) = Calendar.civil(days: day)
            switch unit {
            case .month: return Calendar.days(year: y, month: m, day: 1)
            case .quarter: return Calendar.days(year: y, month: ((m - 1) / 3) * 3 + 1, day: 1)
            case .year: return Calendar.days(year: y, month: 1, day: 1)
            case .decade: return Calendar.days(year: Int(Calendar.floorDiv(Int64(y), 10) * 10), month: 1, day: 1)
            case .century: return Calendar.days(year: Int(Calendar.floorDiv(Int64(y) - 1, 100) * 100 + 1), month: 1, day: 1)
            case .millennium: return Calendar.days(year: Int(Calendar.floorDiv(Int64(y) - 1, 1000) * 1000 + 1), month: 1, day: 1)
            default: return day
            }
        }
    }

    static func extract(_ part: DatePart, _ t: Int64) -> Int64 {
        let day = Calendar.dayOf(micros: t)
        let tod = Calendar.timeOfDay(micros: t)
        switch part {
        case .hour: return tod / Calendar.microsPerHour
        case .minute: return (tod / Calendar.microsPerMinute) % 60
        case .second: return (tod / Calendar.microsPerSecond) % 60
        case .millisecond: return (tod / 1000) % 60_000
        case .microsecond: return tod % 60_000_000
        case .dow: return ((day + 4) % 7 + 7) % 7
        case .isodow: let d = ((day + 4) % 7 + 7) % 7; return d == 0 ? 7 : d
        case .epoch: return Calendar.floorDiv(t, Calendar.microsPerSecond)
        default: break
        }
        let (y, m, d) = Calendar.civil(days: day)
        switch part {
        case .year: return Int64(y)
        case .month: return Int64(m)
        case .day: return Int64(d)
        case .quarter: return Int64((m - 1) / 3 + 1)
        case .doy: return day - Calendar.days(year: y, month: 1, day: 1) + 1
        case .decade: return Int64(y) / 10   // toward zero, as DuckDB: year −5 is decade 0
        case .century: return y > 0 ? Int64((y - 1) / 100 + 1) : Int64(y / 100 - 1)
        case .millennium: return y > 0 ? Int64((y - 1) / 1000 + 1) : Int64(y / 1000 - 1)
        case .week, .isoyear, .yearweek:
            let (isoYear, week) = isoWeek(day)
            return part == .week ? week : (part == .isoyear ? isoYear : isoYear * 100 + week)
        default: return 0
        }
    }

    /// `date_diff(unit, a, b)`: how many unit boundaries lie between timestamps `a` and `b`
    /// (negative when `b` is earlier), as DuckDB counts them; a week is 7 whole days. Nil when the
    /// microseconds between them overflow.
    static func unitsBetween(_ unit: TimeUnit, _ a: Int64, _ b: Int64) -> Int64? {
        func boundaries(_ width: Int64) -> Int64 { Calendar.floorDiv(b, width) - Calendar.floorDiv(a, width) }
        switch unit {
        case .microsecond:
            let (d, overflow) = b.subtractingReportingOverflow(a)
            return overflow ? nil : d
        case .millisecond: return boundaries(1000)
        case .second: return boundaries(Calendar.microsPerSecond)
        case .minute: return boundaries(Calendar.microsPerMinute)
        case .hour: return boundaries(Calendar.microsPerHour)
        case .day: return boundaries(Calendar.microsPerDay)
        case .week: return (Calendar.dayOf(micros: b) - Calendar.dayOf(micros: a)) / 7
        case .month: return monthIndex(b) - monthIndex(a)
        case .quarter: return Calendar.floorDiv(monthIndex(b), 3) - Calendar.floorDiv(monthIndex(a), 3)
        default: return Calendar.floorDiv(monthIndex(b), 12) - Calendar.floorDiv(monthIndex(a), 12)
        }
    }

    /// `date_sub(unit, a, b)`: how many whole units fit between timestamps `a` and `b` (negative when
    /// `b` is earlier), as DuckDB counts them: fixed-length units divide the microseconds between
    /// them, truncating toward zero; calendar units count whole months, where a span ending on the
    /// last day of a month also completes a month begun on a later day (January 31 to February 29
    /// is one month). Nil when the microseconds between them overflow.
    static func wholeUnitsBetween(_ unit: TimeUnit, _ a: Int64, _ b: Int64) -> Int64? {
        let (span, overflow) = b.subtractingReportingOverflow(a)
        switch unit {
        case .microsecond: return overflow ? nil : span
        case .millisecond: return overflow ? nil : span / 1000
        case .second: return overflow ? nil : span / Calendar.microsPerSecond
        case .minute: return overflow ? nil : span / Calendar.microsPerMinute
        case .hour: return overflow ? nil : span / Calendar.microsPerHour
        case .day: return overflow ? nil : span / Calendar.microsPerDay
        case .week: return overflow ? nil : span / (7 * Calendar.microsPerDay)
        case .month: return wholeMonths(a, b)
        case .quarter: return wholeMonths(a, b) / 3
        case .year: return wholeMonths(a, b) / 12
        case .decade: return wholeMonths(a, b) / 120
        case .century: return wholeMonths(a, b) / 1200
        case .millennium: return wholeMonths(a, b) / 12000
        }
    }

    /// Whole months from `a` to `b` (see ``wholeUnitsBetween(_:_:_:)``): the months of the calendar
    /// difference `b − a` once days borrow from months and time of day from days.
    private static func wholeMonths(_ a: Int64, _ b: Int64) -> Int64 {
        if a > b { return -wholeMonths(b, a) }
        let startDay = Calendar.dayOf(micros: a), endDay = Calendar.dayOf(micros: b)
        let startTime = a - startDay * Calendar.microsPerDay, endTime = b - endDay * Calendar.microsPerDay
        let (sy, sm, sd0) = Calendar.civil(days: startDay)
        let (ey, em, ed) = Calendar.civil(days: endDay)
        var sd = sd0
        let endMonthDays = Calendar.daysInMonth(year: ey, month: em)
        if ed == endMonthDays, sd > endMonthDays || (sd == endMonthDays && startTime < endTime) { sd = endMonthDays }
        var months = Int64(ey - sy) * 12 + Int64(em - sm)
        var days = ed - sd
        if endTime < startTime { days -= 1 }
        while days < 0 {
            days += Calendar.daysInMonth(year: sy, month: sm)
            months -= 1
        }
        return months
    }

    /// ISO-8601 week-numbering year and week of a day.
    static func isoWeek(_ day: Int64) -> (Int64, Int64) {
        let isodow = ((day + 3) % 7 + 7) % 7          // 0 = Monday
        let thursday = day - isodow + 3
        let (y, _, _) = Calendar.civil(days: thursday)
        let jan1 = Calendar.days(year: y, month: 1, day: 1)
        return (Int64(y), (thursday - jan1) / 7 + 1)
    }
}

/// Total order of values used by ORDER BY, DISTINCT, min/max on rows: NULL handling is the caller's.
enum ValueOrder {
    /// `x` against `y` as an ORDER BY key sorts them: NULLs first or last as asked, in either
    /// direction; other values by ``compare(_:_:)``, reversed when descending. 0 when they tie.
    static func compare(_ x: Value, _ y: Value, descending: Bool, nullsFirst: Bool) -> Int {
        if x.isNull || y.isNull {
            if x.isNull && y.isNull { return 0 }
            return x.isNull == nullsFirst ? -1 : 1
        }
        let c = compare(x, y)
        return descending ? -c : c
    }

    static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.int(let x), .int(let y)), (.timestamp(let x), .timestamp(let y)), (.time(let x), .time(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.date(let x), .date(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.string(let x), .string(let y)), (.json(let x), .json(let y)):
            // Byte order, and byte equality (Swift's == would equate canonically equivalent strings).
            if x.utf8.elementsEqual(y.utf8) { return 0 }
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        case (.interval(let m1, let d1, let u1), .interval(let m2, let d2, let u2)):
            let x = (Int64(m1) * 30 + Int64(d1)) * Calendar.microsPerDay + u1
            let y = (Int64(m2) * 30 + Int64(d2)) * Calendar.microsPerDay + u2
            return x < y ? -1 : (x == y ? 0 : 1)
        default:
            let x = a.doubleValue ?? 0, y = b.doubleValue ?? 0
            if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
            return x < y ? -1 : (x == y ? 0 : 1)
        }
    }
}
