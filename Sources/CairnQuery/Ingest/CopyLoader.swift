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
        var header: Bool?
        var delimiter = UInt8(ascii: c.path.lowercased().hasSuffix(".tsv") ? "\t" : ",")
        var quote: UInt8? = UInt8(ascii: "\"")
        var escape: UInt8?
        var nullString: [UInt8] = []
        var dimension: Int?
        var firstID: Int64 = 0
        var timestampFormat: TimeFormat?, dateFormat: TimeFormat?
        if c.path.lowercased().hasSuffix(".npy") { format = .npy }
        /// A one-byte option: one ASCII character, or `\t` for a tab (as DuckDB reads it).
        func oneByte(_ v: Value, _ name: String) throws(CairnError) -> UInt8 {
            guard case .string(let s) = v else { throw fail("\(name) must be one character") }
            if s == "\\t" { return 0x09 }
            guard s.utf8.count == 1, let b = s.utf8.first, b < 0x80 else { throw fail("\(name) must be one ASCII character (or '\\t' for a tab)") }
            return b
        }
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
                delimiter = try oneByte(v, "DELIMITER")
            case "quote":
                quote = v == .string("") ? nil : try oneByte(v, "QUOTE")   // '': no quoting
            case "escape":
                escape = try oneByte(v, "ESCAPE")
            case "null", "nullstr":
                guard case .string(let s) = v else { throw fail("NULL must be a string") }
                nullString = Array(s.utf8)
            case "timestampformat", "timestamp_format", "dateformat", "date_format":
                guard case .string(let s) = v else { throw fail("\(key.uppercased()) must be a strptime format string, e.g. '%d/%m/%Y %H:%M:%S'") }
                let parsed: TimeFormat
                do { parsed = try TimeFormat(s) } catch { throw fail("unknown \(key.uppercased()) specifier \(error.spec)") }
                if key.hasPrefix("timestamp") { timestampFormat = parsed } else { dateFormat = parsed }
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
        let paths = try Self.files(matching: c.path)
        let parser = CSVRecordParser(delimiter: delimiter, quote: quote, escape: escape ?? quote)
        let names = targets.map { schema.columns[$0].name }
        var syntax = TextFileLoader.Syntax.jsonLines
        if format != .json {
            let skipsHeader = if let header { header } else { try Self.startsWithHeader(paths[0], parser, names) }
            syntax = .csv(delimiter: delimiter, quote: quote, escape: escape ?? quote, header: skipsHeader, nullString: nullString)
        }
        return try TextFileLoader.loadAll(paths.map { path in
            var loader = TextFileLoader(engine: engine, schema: schema, targets: targets, path: path, syntax: syntax,
                                        isCancelled: isCancelled, progress: paths.count == 1 ? progress : nil)
            loader.timestampFormat = timestampFormat
            loader.dateFormat = dateFormat
            return loader
        })
    }

    /// Without a HEADER option, whether the file's first line names the loaded columns (in any case,
    /// in order), as DuckDB's sniffer would take it for a header.
    static func startsWithHeader(_ path: String, _ parser: CSVRecordParser, _ names: [String]) throws(CairnError) -> Bool {
        let file = try FileChunks(path: path)
        var head: [UInt8] = []
        var fields: [CSVField] = []
        while true {
            let eof = try file.fill(&head, adding: 65_536)
            let record: (next: Int, newlines: Int)?
            do {
                record = try head.withUnsafeBufferPointer { (b) throws(CSVRecordParser.Malformed) in try parser.next(b, from: 0, atEOF: eof, fields: &fields) }
            } catch {
                return false   // malformed: the load reports it
            }
            if record != nil {
                return head.withUnsafeBufferPointer { b in
                    fields.count == names.count && zip(fields, names).allSatisfy { f, name in
                        String(decoding: UnsafeBufferPointer(rebasing: b[f.start..<f.end]), as: UTF8.self)
                            .trimmingCharacters(in: .whitespaces).lowercased() == name.lowercased()
                    }
                }
            }
            if eof || head.count > 1 << 20 { return false }
        }
    }

    /// The files a path names: itself, or when it holds `*`, `?` or `[` (`'logs/*.csv'`) and no
    /// file has that very name, the regular files matching it as a shell pattern, sorted by name;
    /// none is an error.
    static func files(matching pattern: String) throws(CairnError) -> [String] {
        guard pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }), access(pattern, F_OK) != 0 else { return [pattern] }
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(pattern, GLOB_MARK, nil, &matches) == 0 else {
            throw CairnError(.notFound, "no file matches \"\(pattern)\"")
        }
        let paths = (0..<Int(matches.gl_pathc)).compactMap { i in matches.gl_pathv[i].map { String(cString: $0) } }
            .filter { !$0.hasSuffix("/") }   // GLOB_MARK marks directories
        guard !paths.isEmpty else { throw CairnError(.notFound, "no file matches \"\(pattern)\"") }
        return paths
    }
}

/// Hands batches to a bulk load on a second thread, so producing the next batch overlaps
/// encoding and writing this one. At most one batch waits, which bounds memory.
///
/// Segments written while batches arrive are encoded on one thread, leaving the producer a core;
/// once the producer has had to wait for the loader, the next write uses every core, since the
/// producer's is idle then.
package final class BatchSink: @unchecked Sendable {
    private let bulk: BulkLoad
    private let queue = DispatchQueue(label: "cairn.copy.sink")
    private let slots = InFlightSlots(2)
    private let lock = NSLock()
    private var failure: CairnError?

    package init(bulk: BulkLoad) { self.bulk = bulk }

    private var firstError: CairnError? { lock.withLock { failure } }

    package func add(_ columns: [ColumnVector]) throws(CairnError) { try add { columns } }

    /// Like ``add(_:)-([ColumnVector])``, with the batch built on the sink's thread by `makeColumns`.
    package func add(_ makeColumns: @escaping @Sendable () -> [ColumnVector]) throws(CairnError) {
        if let e = firstError { throw e }
        slots.acquire()
        queue.async { [self] in
            defer { slots.release() }
            guard firstError == nil else { return }
            do {
                try bulk.add(makeColumns(), encodingThreads: slots.encodingThreads)
            } catch let e as CairnError {
                lock.withLock { if failure == nil { failure = e } }
            } catch {}
        }
    }

    /// Waits for queued batches; rethrows the first failure.
    package func finish() throws(CairnError) {
        queue.sync {}
        if let e = firstError { throw e }
    }
}
