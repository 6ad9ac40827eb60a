import CairnFormat
import CairnTables
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts the text fields of CSV records or JSON Lines objects into typed column builders for one
/// table. Errors name the file, the line and the column.
struct RowConverter {
    let schema: TableSchema
    let targets: [Int]
    let file: String
    /// Per column, read once: a `ColumnSchema` copy per value would retain and release its name.
    private let types: [ColumnType]
    private let notNull: [Bool]
    private let dimensions: [Int?]
    private let unsupplied: [Int]
    /// Lowercased UTF-8 names of the target columns, for matching JSON keys.
    private let targetNames: [(name: [UInt8], column: Int)]
    private let capacity: Int
    /// COPY's TIMESTAMPFORMAT and DATEFORMAT: how text fields of those types are written.
    private let timestampFormat: TimeFormat?, dateFormat: TimeFormat?
    private var builders: [VectorBuilder]
    private(set) var rows = 0

    init(schema: TableSchema, targets: [Int], file: String, capacity: Int, timestampFormat: TimeFormat? = nil, dateFormat: TimeFormat? = nil) {
        self.timestampFormat = timestampFormat
        self.dateFormat = dateFormat
        self.schema = schema
        self.targets = targets
        self.file = file
        self.capacity = capacity
        types = schema.columns.map(\.type)
        notNull = schema.columns.map(\.notNull)
        dimensions = schema.columns.map(\.dimension)
        unsupplied = schema.columns.indices.filter { !targets.contains($0) }
        targetNames = targets.map { (Array(schema.columns[$0].name.lowercased().utf8), $0) }
        builders = schema.columns.map { VectorBuilder(type: $0.type, capacity: capacity) }
    }

    /// The rows converted so far, one vector per column in schema order; the converter starts over.
    mutating func take() -> [ColumnVector] {
        let out = builders.map { $0.finish() }
        builders = schema.columns.map { VectorBuilder(type: $0.type, capacity: capacity) }
        rows = 0
        return out
    }

    private func error(_ line: Int, _ column: Int, _ message: String) -> CairnError {
        CairnError(.invalidInput, "column \"\(schema.columns[column].name)\": \(message)", file: file, line: line)
    }

    /// Adds one CSV record whose fields lie in `buf`. A field equal to the NULL string (by default the empty string), quoted
    /// or not, is NULL, as in DuckDB; with another NULL string an empty field is '' for text columns
    /// and NULL for the others.
    mutating func addCSV(_ fields: borrowing [CSVField], _ buf: UnsafeBufferPointer<UInt8>, parser: CSVRecordParser,
                         line: Int, nullString: [UInt8]) throws(CairnError) {
        guard fields.count == targets.count else {
            throw CairnError(.invalidInput, "expected \(targets.count) fields but found \(fields.count)", file: file, line: line)
        }
        for k in 0..<fields.count {
            let f = fields[k]
            let col = targets[k]
            if f.escapedQuotes {
                let bytes = parser.unescaped(buf, f)
                try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(CairnError) in try appendText(col, b, line: line) }
                continue
            }
            let b = UnsafeBufferPointer(rebasing: buf[f.start..<f.end])
            let isNull = b.isEmpty ? nullString.isEmpty || !types[col].isString
                : b.count == nullString.count && b.elementsEqual(nullString)
            try appendText(col, isNull ? nil : b, line: line)
        }
        try fillMissing(line: line)
        rows += 1
    }

    /// Adds one JSON Lines object. Keys match column names case-insensitively; absent keys and
    /// `null` are NULL; strings are unescaped except for JSON columns, which keep the value's text.
    mutating func addJSON(_ d: UnsafeBufferPointer<UInt8>, line lineNo: Int) throws(CairnError) {
        var values = [[UInt8]?](repeating: nil, count: schema.columns.count)
        let ok: Bool = {
            var i = JSONScanner.skipSpace(d, 0)
            guard i < d.count, d[i] == UInt8(ascii: "{") else { return false }
            i = JSONScanner.skipSpace(d, i + 1)
            if i < d.count, d[i] == UInt8(ascii: "}") { return JSONScanner.skipSpace(d, i + 1) == d.count }
            while i < d.count {
                guard let (rawKey, value) = JSONScanner.memberKey(d, i, validate: true) else { return false }
                let key = JSONScanner.unescape(UnsafeBufferPointer(rebasing: d[rawKey]))
                i = value
                guard let ve = JSONScanner.validValueEnd(d, i) else { return false }
                if let col = column(forKey: key) {
                    let raw = UnsafeBufferPointer(rebasing: d[i..<ve])
                    if raw.elementsEqual("null".utf8) {
                        values[col] = nil
                    } else if raw.first == UInt8(ascii: "\"") && types[col] != .json {
                        values[col] = JSONScanner.unescape(UnsafeBufferPointer(rebasing: raw[(raw.startIndex + 1)..<(raw.endIndex - 1)]))
                    } else if types[col].isString {
                        values[col] = JSONScanner.normalized(raw)   // as DuckDB prints parsed JSON: `{"a":[1,2.5]}`
                    } else {
                        values[col] = Array(raw)
                    }
                }
                i = JSONScanner.skipSpace(d, ve)
                guard i < d.count else { return false }
                if d[i] == UInt8(ascii: "}") { return JSONScanner.skipSpace(d, i + 1) == d.count }
                guard d[i] == UInt8(ascii: ",") else { return false }
                i = JSONScanner.skipSpace(d, i + 1)
            }
            return false
        }()
        guard ok else { throw CairnError(.invalidInput, "malformed JSON object", file: file, line: lineNo) }
        for col in targets {
            if let v = values[col] {
                try v.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(CairnError) in try appendText(col, b, line: lineNo) }
            } else {
                try appendText(col, nil, line: lineNo)
            }
        }
        try fillMissing(line: lineNo)
        rows += 1
    }

    /// The target column named `key` (case-insensitive), if any.
    private func column(forKey key: [UInt8]) -> Int? {
        if key.contains(where: { $0 >= 0x80 }) {
            let lowered = Array(String(decoding: key, as: UTF8.self).lowercased().utf8)
            return targetNames.first { $0.name == lowered }?.column
        }
        for (name, column) in targetNames where name.count == key.count {
            var same = true
            for i in 0..<key.count {
                let k = key[i]
                let lower = k >= 0x41 && k <= 0x5A ? k | 0x20 : k
                if lower != name[i] { same = false; break }
            }
            if same { return column }
        }
        return nil
    }

    private mutating func fillMissing(line: Int) throws(CairnError) {
        for c in unsupplied {
            if notNull[c] { throw error(line, c, "NULL value violates NOT NULL constraint") }
            builders[c].appendNull()
        }
    }

    /// Appends one field's text (nil = NULL) to column `col`.
    private mutating func appendText(_ col: Int, _ text: UnsafeBufferPointer<UInt8>?, line: Int) throws(CairnError) {
        guard let text else {
            if notNull[col] { throw error(line, col, "NULL value violates NOT NULL constraint") }
            builders[col].appendNull()
            return
        }
        let type = types[col]
        switch type {
        case .varchar:
            guard UTF8Text.isValid(text) else { throw error(line, col, "invalid UTF-8 \(UTF8Text.describeFirstInvalid(text))") }
            builders[col].appendBytes(text)
        case .json:
            guard UTF8Text.isValid(text) else { throw error(line, col, "invalid UTF-8 \(UTF8Text.describeFirstInvalid(text))") }
            guard JSONScanner.isValid(text) else {
                throw error(line, col, "malformed JSON: \(Casts.truncate(String(decoding: text, as: UTF8.self)))")
            }
            builders[col].appendBytes(text)
        case .smallint, .integer, .bigint:
            if let i = Self.parseInt(text) {
                do { try Casts.checkRange(i, type) } catch { throw self.error(line, col, error.message) }
                builders[col].appendInt(i)
            } else {
                try appendSlow(col, text, line)
            }
        case .double, .real:
            if let d = Self.parseDouble(text) {
                builders[col].appendDouble(type == .real ? Double(Float(d)) : d)
            } else {
                try appendSlow(col, text, line)
            }
        case .timestamp, .timestamptz:
            if let timestampFormat {
                guard let t = timestampFormat.parse(text) else {
                    throw error(line, col, "\"\(Casts.truncate(String(decoding: text, as: UTF8.self)))\" does not match TIMESTAMPFORMAT '\(timestampFormat.text)'")
                }
                builders[col].appendInt(t)
            } else if let t = Calendar.parseTimestamp(bytes: text, applyingOffset: type == .timestamptz) {
                builders[col].appendInt(t)
            } else {
                try appendSlow(col, text, line)
            }
        case .date:
            if let dateFormat {
                guard let t = dateFormat.parse(text) else {
                    throw error(line, col, "\"\(Casts.truncate(String(decoding: text, as: UTF8.self)))\" does not match DATEFORMAT '\(dateFormat.text)'")
                }
                builders[col].appendInt(Calendar.dayOf(micros: t))
            } else if let d = Calendar.parseDate(bytes: text) {
                builders[col].appendInt(d)
            } else {
                try appendSlow(col, text, line)
            }
        case .time:
            if let t = Calendar.parseTime(bytes: text) {
                builders[col].appendInt(t)
            } else {
                try appendSlow(col, text, line)
            }
        case .vector:
            // pgvector text in CSV; a JSON array of numbers in JSON Lines reads the same way.
            switch VectorText.parse(text) {
            case .success(let f):
                guard f.count == dimensions[col] else {
                    throw error(line, col, "expected \(dimensions[col] ?? 0) dimensions, not \(f.count)")
                }
                builders[col].append(.vector(f))
            case .failure(let e):
                throw error(line, col, "invalid vector: \(e.message)")
            }
        default:
            try appendSlow(col, text, line)
        }
    }

    private mutating func appendSlow(_ col: Int, _ text: UnsafeBufferPointer<UInt8>, _ line: Int) throws(CairnError) {
        let s = String(decoding: text, as: UTF8.self)
        do {
            builders[col].append(try Casts.castConstant(.string(s), from: .varchar, to: types[col]))
        } catch {
            throw self.error(line, col, error.message)
        }
    }

    /// The field as a double; nil unless the whole field is a number. Plain decimals of up to 15
    /// digits are exact: the digits and the power of ten are both exact doubles, and one IEEE division
    /// rounds correctly (Clinger's fast path). Everything else goes to strtod.
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        if let d = parsePlainDecimal(b) { return d }
        guard !b.isEmpty, b.count < 64 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: b.count + 1) { tmp -> Double? in
            guard let base = tmp.baseAddress else { return nil }
            for i in 0..<b.count { tmp[i] = CChar(bitPattern: b[i]) }
            tmp[b.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let d = strtod(base, &end)
            guard let end, end == base + b.count, b[0] != 0x20 else { return nil }
            return d
        }
    }

    /// `[-]digits[.digits]` with at most 15 digits in all, else nil.
    @inline(__always)
    private static func parsePlainDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let negative = b.first == UInt8(ascii: "-")
        if negative { i = 1 }
        var mantissa: Int64 = 0, digits = 0, fraction = 0, seenPoint = false
        while i < b.count {
            let c = b[i]
            if c >= 0x30, c <= 0x39 {
                mantissa = mantissa * 10 + Int64(c - 0x30)
                digits += 1
                if seenPoint { fraction += 1 }
            } else if c == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                return nil
            }
            i += 1
        }
        // A point needs digits on both sides here ("1." and ".5" go to strtod, which accepts them).
        guard digits > 0, digits <= 15, !seenPoint || (fraction > 0 && fraction < digits) else { return nil }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    /// 10⁰ … 10¹⁵, all exact doubles.
    private static let powersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }

    @inline(__always)
    static func parseInt(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        var negative = false
        if i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") { negative = b[i] == UInt8(ascii: "-"); i += 1 }
        guard i < b.count, b.count - i <= 18 else { return nil }
        var v: Int64 = 0
        while i < b.count {
            let c = b[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int64(c - 0x30)
            i += 1
        }
        return negative ? -v : v
    }
}
