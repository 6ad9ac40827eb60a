import CairnFormat
import CairnSQL
import CairnTables
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `COPY t [(cols)] FROM 'file' (FORMAT csv|json, HEADER, DELIMITER ',')`.
///
/// The whole file is one atomic bulk load: rows stream into ``BulkLoad`` in batches, and a
/// malformed row aborts it with the file's line number and the column, committing nothing.
struct CopyLoader {
    let engine: Engine
    let isCancelled: @Sendable () -> Bool
    let progress: (@Sendable (Double) -> Void)?

    static let batchRows = 65_536

    enum Format { case csv, json, npy, float32 }

    func copy(_ c: Copy) throws(CairnError) -> Int {
        func fail(_ msg: String) -> CairnError {
            CairnError(.binder, msg, location: SourceLocation(line: c.position.line, column: c.position.column))
        }
        guard let table = engine.snapshot().table(c.table) else {
            throw CairnError(.notFound, "table \"\(c.table)\" does not exist", location: SourceLocation(line: c.position.line, column: c.position.column))
        }
        let schema = table.schema
        var targets: [Int] = []
        if let cols = c.columns {
            for name in cols {
                guard let i = schema.columns.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
                    throw fail("table \"\(schema.name)\" has no column \"\(name)\"")
                }
                targets.append(i)
            }
        } else {
            targets = Array(schema.columns.indices)
        }

        var format: Format = c.path.lowercased().hasSuffix(".csv") || c.path.lowercased().hasSuffix(".tsv") ? .csv
            : (c.path.lowercased().hasSuffix(".json") || c.path.lowercased().hasSuffix(".jsonl") || c.path.lowercased().hasSuffix(".ndjson")) ? .json : .csv
        var header = false
        var delimiter = UInt8(ascii: c.path.lowercased().hasSuffix(".tsv") ? "\t" : ",")
        var quote = UInt8(ascii: "\"")
        var nullString: [UInt8] = []
        var dimension: Int?
        var firstID: Int64 = 0
        if c.path.lowercased().hasSuffix(".npy") { format = .npy }
        for (key, value) in c.options {
            let v: Value
            switch value {
            case .literal(.string(let s), _): v = .string(s)
            case .literal(.bool(let b), _): v = .bool(b)
            case .literal(.integer(let i), _): v = .int(i)
            case .column(_, let name, _): v = .string(name)
            default: throw fail("COPY option \(key) needs a constant value")
            }
            switch key {
            case "format":
                guard case .string(let f) = v else { throw fail("FORMAT must be csv or json") }
                switch f.lowercased() {
                case "csv": format = .csv
                case "json", "jsonl", "ndjson", "newline_delimited": format = .json
                case "npy": format = .npy
                case "f32", "float32", "fvecs_raw", "raw": format = .float32
                default: throw fail("unsupported COPY format \"\(f)\" (use csv, json, npy or f32)")
                }
            case "dimension", "dim":
                guard case .int(let d) = v, d > 0, d <= Int64(VectorText.maxDimension) else { throw fail("DIMENSION must be a positive integer") }
                dimension = Int(d)
            case "first_id":
                guard case .int(let i) = v else { throw fail("FIRST_ID must be an integer") }
                firstID = i
            case "header":
                switch v {
                case .bool(let b): header = b
                case .int(let i): header = i != 0
                case .string(let s): header = ["true", "on", "1"].contains(s.lowercased())
                default: break
                }
            case "delimiter", "delim", "sep":
                guard case .string(let s) = v, s.utf8.count == 1, let d = s.utf8.first else { throw fail("DELIMITER must be one character") }
                delimiter = d
            case "quote":
                guard case .string(let s) = v, s.utf8.count == 1, let q = s.utf8.first else { throw fail("QUOTE must be one character") }
                quote = q
            case "null", "nullstr":
                guard case .string(let s) = v else { throw fail("NULL must be a string") }
                nullString = Array(s.utf8)
            case "auto_detect", "compression":
                continue
            default:
                throw fail("unknown COPY option \"\(key)\"")
            }
        }

        if format == .npy || format == .float32 {
            let layout: VectorFileLoader.Layout
            if format == .npy {
                layout = .npy
            } else {
                guard let dimension else { throw fail("FORMAT f32 needs DIMENSION, e.g. (FORMAT f32, DIMENSION 1536)") }
                layout = .float32(dimension: dimension)
            }
            guard c.columns != nil else {
                throw fail("COPY from a vector file needs a column list, e.g. COPY \(schema.name) (id, embedding) FROM '…'")
            }
            return try VectorFileLoader(engine: engine, isCancelled: isCancelled, progress: progress)
                .load(path: c.path, schema: schema, targets: targets, layout: layout, firstID: firstID)
        }
        let reader = try ChunkedFile(path: c.path)
        let bulk = try engine.beginBulkLoad(table: schema.name)
        let sink = BatchSink(bulk: bulk)
        var converter = RowConverter(schema: schema, targets: targets, file: c.path)
        var total = 0
        do {
            switch format {
            case .csv:
                var parser = CSVParser(file: reader, delimiter: delimiter, quote: quote)
                var line = 1
                if header { _ = try parser.nextRecord(&line) }
                while true {
                    let recordLine = line
                    guard let fields = try parser.nextRecord(&line) else { break }
                    if fields.count == 1, fields[0].isEmpty, !fields[0].quoted { continue }   // blank line
                    try converter.addCSV(fields, parser: parser, line: recordLine, nullString: nullString)
                    total += 1
                    if converter.rows >= Self.batchRows { try flush(&converter, sink, reader) }
                }
            case .json:
                var line = 0
                while let bytes = try reader.nextLine() {
                    line += 1
                    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                    try converter.addJSON(bytes, line: line)
                    total += 1
                    if converter.rows >= Self.batchRows { try flush(&converter, sink, reader) }
                }
            case .npy, .float32:
                break  // loaded by VectorFileLoader above
            }
            if converter.rows > 0 { try sink.add(converter.take()) }
            try sink.finish()
            try bulk.commit()
        } catch {
            _ = try? sink.finish()
            bulk.abort()
            throw error
        }
        progress?(1)
        return total
    }

    private func flush(_ converter: inout RowConverter, _ sink: BatchSink, _ reader: ChunkedFile) throws(CairnError) {
        if isCancelled() { throw CairnError(.cancelled, "COPY cancelled") }
        try sink.add(converter.take())
        if reader.size > 0 { progress?(Double(reader.consumed) / Double(reader.size)) }
    }
}

/// Hands parsed batches to the bulk load on a second thread, so parsing the next batch overlaps
/// encoding and writing this one. At most one batch waits, which bounds memory.
final class BatchSink: @unchecked Sendable {
    private let bulk: BulkLoad
    private let queue = DispatchQueue(label: "cairn.copy.sink")
    private let slots = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var failure: CairnError?

    init(bulk: BulkLoad) { self.bulk = bulk }

    private var firstError: CairnError? { lock.withLock { failure } }

    func add(_ columns: [ColumnVector]) throws(CairnError) {
        if let e = firstError { throw e }
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard firstError == nil else { return }
            do { try bulk.add(columns) } catch let e as CairnError { lock.withLock { if failure == nil { failure = e } } } catch {}
        }
    }

    /// Waits for queued batches; rethrows the first failure.
    func finish() throws(CairnError) {
        queue.sync {}
        if let e = firstError { throw e }
    }
}

/// Reads a file in large chunks without loading it whole.
final class ChunkedFile {
    let path: String
    private let fd: Int32
    private(set) var buffer: [UInt8] = []
    var pos = 0
    private(set) var eof = false
    private(set) var consumed = 0
    let size: Int

    init(path: String) throws(CairnError) {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CairnError(.io, "cannot open \"\(path)\": \(String(cString: strerror(errno)))", file: path)
        }
        var st = stat()
        size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    deinit { close(fd) }

    /// Reads more data, keeping unconsumed bytes from `pos` on. Returns false at end of file.
    func fill() throws(CairnError) -> Bool {
        if eof { return false }
        if pos > 0 {
            buffer.removeFirst(pos)
            pos = 0
        }
        let chunk = 8 << 20
        let old = buffer.count
        buffer.reserveCapacity(old + chunk)
        var got = 0
        buffer.append(contentsOf: [UInt8](repeating: 0, count: chunk))
        got = buffer.withUnsafeMutableBytes { raw in raw.baseAddress.map { read(fd, $0 + old, chunk) } ?? -1 }
        if got < 0 {
            buffer.removeLast(chunk)
            throw CairnError(.io, "read error on \"\(path)\": \(String(cString: strerror(errno)))", file: path)
        }
        buffer.removeLast(chunk - got)
        consumed += got
        if got == 0 { eof = true; return false }
        return true
    }

    /// The next line without its terminator, or nil at end of file.
    func nextLine() throws(CairnError) -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[pos...].firstIndex(of: 0x0A) {
                var end = nl
                if end > pos, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[pos..<end]
                pos = nl + 1
                return line
            }
            if try !fill() {
                guard pos < buffer.count else { return nil }
                let line = buffer[pos...]
                pos = buffer.count
                return line
            }
        }
    }
}

/// One CSV field: a byte range of the reader's buffer, and whether it was quoted (and has `""`).
struct CSVField {
    var start: Int
    var end: Int
    var quoted: Bool
    var escapedQuotes: Bool
    var isEmpty: Bool { start == end }
}

/// RFC 4180 records, with quoted fields that may span lines.
struct CSVParser {
    let file: ChunkedFile
    let delimiter: UInt8
    let quote: UInt8
    private var fields: [CSVField] = []

    init(file: ChunkedFile, delimiter: UInt8, quote: UInt8) {
        self.file = file
        self.delimiter = delimiter
        self.quote = quote
    }

    /// Bytes of a field (quotes removed, `""` unescaped).
    func bytes(_ f: CSVField) -> [UInt8] {
        let raw = file.buffer[f.start..<f.end]
        guard f.escapedQuotes else { return Array(raw) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var skip = false
        for b in raw {
            if skip { skip = false; continue }
            out.append(b)
            if b == quote { skip = true }
        }
        return out
    }

    /// Parses the next record; `line` advances by the newlines consumed.
    mutating func nextRecord(_ line: inout Int) throws(CairnError) -> [CSVField]? {
        while true {
            if let r = parse(from: file.pos) {
                file.pos = r.next
                line += r.newlines
                return fields
            }
            let before = file.pos
            if try !file.fill() {
                // End of file: take the unterminated last record, if any.
                guard file.pos < file.buffer.count else { return nil }
                if let r = parse(from: file.pos, atEOF: true) {
                    file.pos = r.next
                    line += r.newlines
                    return fields
                }
                throw CairnError(.invalidInput, "unterminated quoted field", file: file.path, line: line)
            }
            _ = before
        }
    }

    /// Returns the end of a complete record starting at `start`, or nil if the buffer ends first.
    private mutating func parse(from start: Int, atEOF: Bool = false) -> (next: Int, newlines: Int)? {
        fields.removeAll(keepingCapacity: true)
        let buf = file.buffer
        let n = buf.count
        var i = start
        var newlines = 0
        while true {
            if i < n, buf[i] == quote {
                var j = i + 1
                var escaped = false
                while true {
                    guard j < n else { return nil }
                    if buf[j] == quote {
                        if j + 1 < n, buf[j + 1] == quote { escaped = true; j += 2; continue }
                        if j + 1 >= n && !atEOF { return nil }
                        break
                    }
                    if buf[j] == 0x0A { newlines += 1 }
                    j += 1
                }
                fields.append(CSVField(start: i + 1, end: j, quoted: true, escapedQuotes: escaped))
                i = j + 1
                // Skip anything up to the delimiter (lenient on `"a"b`).
                while i < n, buf[i] != delimiter, buf[i] != 0x0A, buf[i] != 0x0D { i += 1 }
            } else {
                var j = i
                while j < n, buf[j] != delimiter, buf[j] != 0x0A, buf[j] != 0x0D { j += 1 }
                if j >= n && !atEOF { return nil }
                fields.append(CSVField(start: i, end: j, quoted: false, escapedQuotes: false))
                i = j
            }
            if i >= n {
                return atEOF ? (i, newlines) : nil
            }
            if buf[i] == delimiter { i += 1; continue }
            if buf[i] == 0x0D {
                if i + 1 >= n && !atEOF { return nil }
                i += 1
                if i < n, buf[i] == 0x0A { i += 1 }
            } else {
                i += 1
            }
            return (i, newlines + 1)
        }
    }
}

/// Converts text fields to typed column builders for one table.
struct RowConverter {
    let schema: TableSchema
    let targets: [Int]
    let file: String
    private var builders: [VectorBuilder]
    private(set) var rows = 0
    private var supplied: [Bool]

    init(schema: TableSchema, targets: [Int], file: String) {
        self.schema = schema
        self.targets = targets
        self.file = file
        builders = schema.columns.map { VectorBuilder(type: $0.type, capacity: CopyLoader.batchRows) }
        supplied = [Bool](repeating: false, count: schema.columns.count)
        for t in targets { supplied[t] = true }
    }

    mutating func take() -> [ColumnVector] {
        let out = builders.map { $0.finish() }
        builders = schema.columns.map { VectorBuilder(type: $0.type, capacity: CopyLoader.batchRows) }
        rows = 0
        return out
    }

    private func error(_ line: Int, _ column: Int, _ message: String) -> CairnError {
        CairnError(.invalidInput, "column \"\(schema.columns[column].name)\": \(message)", file: file, line: line)
    }

    mutating func addCSV(_ fields: [CSVField], parser: CSVParser, line: Int, nullString: [UInt8]) throws(CairnError) {
        guard fields.count == targets.count else {
            throw CairnError(.invalidInput, "expected \(targets.count) fields but found \(fields.count)", file: file, line: line)
        }
        let buffer = parser.file.buffer
        try buffer.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt8>) throws(CairnError) in
            for (k, f) in fields.enumerated() {
                let col = targets[k]
                if f.escapedQuotes {
                    let bytes = parser.bytes(f)
                    try bytes.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(CairnError) in try appendText(col, b, line: line) }
                    continue
                }
                let b = UnsafeBufferPointer(rebasing: all[f.start..<f.end])
                let isNull = !f.quoted && (b.isEmpty || (!nullString.isEmpty && b.elementsEqual(nullString)))
                try appendText(col, isNull ? nil : b, line: line)
            }
        }
        try fillMissing(line: line)
        rows += 1
    }

    mutating func addJSON(_ line: ArraySlice<UInt8>, line lineNo: Int) throws(CairnError) {
        var values = [[UInt8]?](repeating: nil, count: schema.columns.count)
        var isString = [Bool](repeating: false, count: schema.columns.count)
        let bytes = Array(line)
        let ok: Bool = bytes.withUnsafeBufferPointer { d in
            var i = JSONScanner.skipSpace(d, 0)
            guard i < d.count, d[i] == UInt8(ascii: "{") else { return false }
            i = JSONScanner.skipSpace(d, i + 1)
            if i < d.count, d[i] == UInt8(ascii: "}") { return JSONScanner.skipSpace(d, i + 1) == d.count }
            while i < d.count {
                guard d[i] == UInt8(ascii: "\""), let ke = JSONScanner.stringEnd(d, i) else { return false }
                let key = JSONScanner.unescape(UnsafeBufferPointer(rebasing: d[(i + 1)..<(ke - 1)]))
                i = JSONScanner.skipSpace(d, ke)
                guard i < d.count, d[i] == UInt8(ascii: ":") else { return false }
                i = JSONScanner.skipSpace(d, i + 1)
                guard let ve = JSONScanner.valueEnd(d, i, validate: true) else { return false }
                let keyString = String(decoding: key, as: UTF8.self).lowercased()
                if let col = targets.first(where: { schema.columns[$0].name.lowercased() == keyString }) {
                    let raw = UnsafeBufferPointer(rebasing: d[i..<ve])
                    if raw.elementsEqual("null".utf8) {
                        values[col] = nil
                    } else if raw.first == UInt8(ascii: "\"") && schema.columns[col].type != .json {
                        values[col] = JSONScanner.unescape(UnsafeBufferPointer(rebasing: raw[(raw.startIndex + 1)..<(raw.endIndex - 1)]))
                        isString[col] = true
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
        }
        guard ok else { throw CairnError(.invalidInput, "malformed JSON object", file: file, line: lineNo) }
        _ = isString
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

    private mutating func fillMissing(line: Int) throws(CairnError) {
        for c in schema.columns.indices where !supplied[c] {
            if schema.columns[c].notNull { throw error(line, c, "NULL value violates NOT NULL constraint") }
            builders[c].appendNull()
        }
    }

    /// Appends one field's text (nil = NULL) to column `col`.
    private mutating func appendText(_ col: Int, _ text: UnsafeBufferPointer<UInt8>?, line: Int) throws(CairnError) {
        let column = schema.columns[col]
        guard let text else {
            if column.notNull { throw error(line, col, "NULL value violates NOT NULL constraint") }
            builders[col].appendNull()
            return
        }
        switch column.type {
        case .varchar:
            builders[col].appendBytes(text)
        case .json:
            guard JSONScanner.isValid(text) else {
                throw error(line, col, "malformed JSON: \(Casts.truncate(String(decoding: text, as: UTF8.self)))")
            }
            builders[col].appendBytes(text)
        case .smallint, .integer, .bigint:
            if let i = Self.parseInt(text) {
                do { try Casts.checkRange(i, column.type) } catch { throw self.error(line, col, error.message) }
                builders[col].appendInt(i)
            } else {
                try appendSlow(col, text, line)
            }
        case .double, .real:
            if let d = Self.parseDouble(text) {
                builders[col].appendDouble(column.type == .real ? Double(Float(d)) : d)
            } else {
                try appendSlow(col, text, line)
            }
        case .timestamp, .timestamptz:
            if let t = Calendar.parseTimestamp(bytes: text) {
                builders[col].appendInt(t)
            } else {
                try appendSlow(col, text, line)
            }
        case .date:
            if let d = Calendar.parseDate(bytes: text) {
                builders[col].appendInt(d)
            } else {
                try appendSlow(col, text, line)
            }
        case .vector:
            // pgvector text in CSV; a JSON array of numbers in JSON Lines reads the same way.
            switch VectorText.parse(text) {
            case .success(let f):
                guard f.count == column.dimension else {
                    throw error(line, col, "expected \(column.dimension ?? 0) dimensions, not \(f.count)")
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
            builders[col].append(try Casts.castConstant(.string(s), from: .varchar, to: schema.columns[col].type))
        } catch {
            throw self.error(line, col, error.message)
        }
    }

    /// strtod on a NUL-terminated stack copy; nil unless the whole field is a number.
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
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
