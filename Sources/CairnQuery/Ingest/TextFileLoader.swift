import CairnFormat
import CairnTables
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `COPY t FROM` a CSV or JSON Lines file, as one atomic bulk load.
///
/// The file is read in chunks cut at record boundaries, and the chunks are parsed on every core.
/// Their batches reach the ``BulkLoad`` in file order, so the rows, the first error reported and
/// its line number are those of a front-to-back read. JSON Lines chunks end at a line feed. CSV
/// chunks end at a line feed preceded by an even number of quotes: a record boundary, unless a
/// quote stands where RFC 4180 allows none (`ab"c`). Each chunk's parse must end exactly at the
/// chunk's end, which proves the cut before it was a boundary too (the first chunk starts at one);
/// if one does not, the cut fell inside a quoted field and the file is parsed again on one thread,
/// where each chunk ends where its parse did.
struct TextFileLoader {
    enum Syntax: Sendable {
        case csv(delimiter: UInt8, quote: UInt8?, escape: UInt8?, header: Bool, nullString: [UInt8])
        case jsonLines
    }

    let engine: Engine
    let schema: TableSchema
    let targets: [Int]
    let path: String
    let syntax: Syntax
    var timestampFormat: TimeFormat? = nil
    var dateFormat: TimeFormat? = nil
    let isCancelled: @Sendable () -> Bool
    let progress: (@Sendable (Double) -> Void)?
    /// Bytes read per chunk; a record longer than this makes its chunk longer.
    var chunkBytes = 8 << 20
    /// Chunks parsed at once.
    var workers = Processors.online

    /// Loads the file and returns the rows loaded.
    func load() throws(CairnError) -> Int {
        if workers > 1, try !isJSONArray(), let rows = try loadInParallel() { return rows }
        return try Self.loadInOrder([self])
    }

    /// Loads several files (a glob's matches) as one atomic load, in the order given, each parsed
    /// front to back on one thread.
    static func loadAll(_ loaders: [TextFileLoader]) throws(CairnError) -> Int {
        guard loaders.count > 1 else { return try loaders.first?.load() ?? 0 }
        return try loadInOrder(loaders)
    }

    /// Loads the files one after another into one bulk load, committed once all have loaded.
    private static func loadInOrder(_ loaders: [TextFileLoader]) throws(CairnError) -> Int {
        guard let first = loaders.first else { return 0 }
        let bulk = try first.engine.beginBulkLoad(table: first.schema.name)
        do throws(CairnError) {
            var rows = 0
            for loader in loaders { rows += try loader.isJSONArray() ? loader.loadJSONArray(into: bulk) : loader.loadInOrder(into: bulk) }
            try bulk.commit()
            first.progress?(1)
            return rows
        } catch {
            bulk.abort()
            throw error
        }
    }

    // MARK: Parsing one chunk

    /// The rows of one chunk, and how much of it they took.
    struct Parsed: Sendable {
        var columns: [ColumnVector]
        var rows: Int
        /// Bytes of complete records (all of them when parsed as the end of the file).
        var consumed: Int
        /// Line breaks in those bytes.
        var newlines: Int
    }

    /// Parses the complete records of `buf` (and an unterminated last one if `atEOF`); errors give
    /// lines counted from `firstLine`, the line `buf` starts on.
    func parse(_ buf: UnsafeBufferPointer<UInt8>, atEOF: Bool, skipHeader: Bool, firstLine: Int) throws(CairnError) -> Parsed {
        let lineFeeds = ByteCount.occurrences(of: 0x0A, in: buf)
        var converter = RowConverter(schema: schema, targets: targets, file: path, capacity: lineFeeds + 1,
                                     timestampFormat: timestampFormat, dateFormat: dateFormat)
        var line = firstLine
        var pos = 0
        switch syntax {
        case .csv(let delimiter, let quote, let escape, _, let nullString):
            let parser = CSVRecordParser(delimiter: delimiter, quote: quote, escape: escape)
            var skip = skipHeader
            var fields: [CSVField] = []
            while pos < buf.count {
                let step: (next: Int, newlines: Int)?
                do { step = try parser.next(buf, from: pos, atEOF: atEOF, fields: &fields) } catch {
                    throw CairnError(.invalidInput, error.message, file: path, line: line + error.newlines)
                }
                guard let (next, newlines) = step else { break }
                if skip {
                    skip = false
                } else if !(fields.count == 1 && fields[0].isEmpty && !fields[0].quoted) {   // not a blank line
                    try converter.addCSV(fields, buf, parser: parser, line: line, nullString: nullString)
                }
                pos = next
                line += newlines
            }
        case .jsonLines:
            while pos < buf.count {
                var end = pos
                while end < buf.count, buf[end] != 0x0A { end += 1 }
                if end == buf.count && !atEOF { break }
                var content = end
                if content > pos, buf[content - 1] == 0x0D { content -= 1 }
                let record = UnsafeBufferPointer(rebasing: buf[pos..<content])
                if !record.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    try converter.addJSON(record, line: line)
                }
                pos = min(buf.count, end + 1)
                line += 1
            }
        }
        let rows = converter.rows
        return Parsed(columns: converter.take(), rows: rows, consumed: pos, newlines: line - firstLine)
    }

    /// Where a chunk may end without parsing it: after its last record boundary, or nil if none is
    /// known (the chunk holds less than one record).
    private func boundary(_ buf: UnsafeBufferPointer<UInt8>) -> Int? {
        switch syntax {
        case .csv(_, let quote, _, _, _):
            return CSVRecordParser.lastBoundary(buf, quote: quote)
        case .jsonLines:
            guard let last = buf.lastIndex(of: 0x0A) else { return nil }
            return last + 1
        }
    }

    private var hasHeader: Bool {
        if case .csv(_, _, _, true, _) = syntax { return true }
        return false
    }

    // MARK: Parallel

    /// nil if a chunk was cut inside a quoted field, and the file must be parsed in order.
    private func loadInParallel() throws(CairnError) -> Int? {
        let file = try FileChunks(path: path)
        let bulk = try engine.beginBulkLoad(table: schema.name)
        let batches = OrderedBatches(bulk: bulk, inFlight: workers + 2, fileSize: file.size, progress: progress)
        var readFailure: CairnError?
        var carry: [UInt8] = []
        var index = 0
        reading: while !batches.stopped {
            if isCancelled() { readFailure = CairnError(.cancelled, "COPY cancelled"); break }
            var chunk = carry
            carry = []
            let eof: Bool
            do throws(CairnError) { eof = try file.fill(&chunk, adding: chunkBytes) } catch {
                readFailure = error
                break
            }
            if !eof {
                guard let cut = chunk.withUnsafeBufferPointer({ boundary($0) }) else {
                    carry = chunk   // no boundary yet: read on
                    continue
                }
                carry = Array(chunk[cut...])
                chunk.removeSubrange(cut...)
            }
            if !chunk.isEmpty {
                let skipHeader = index == 0 && hasHeader
                let loader = self
                let chunk = chunk
                batches.submit(index) { () -> OrderedBatches.Outcome in
                    do throws(CairnError) {
                        let parsed = try chunk.withUnsafeBufferPointer { (b) throws(CairnError) in
                            try loader.parse(b, atEOF: eof, skipHeader: skipHeader, firstLine: 1)
                        }
                        if parsed.consumed != chunk.count { return .reparseInOrder }
                        return .parsed(parsed, bytes: chunk.count)
                    } catch {
                        return .failed(error)
                    }
                }
                index += 1
            }
            if eof { break reading }
        }
        let stop = batches.finish()
        if readFailure == nil, stop == nil {
            do throws(CairnError) { try bulk.commit() } catch {
                bulk.abort()
                throw error
            }
            progress?(1)
            return batches.rows
        }
        bulk.abort()
        if let readFailure { throw readFailure }
        switch stop {
        case .failed(let e): throw e
        case .reparseInOrder, nil: return nil
        }
    }

    // MARK: A JSON array

    /// Whether a JSON file holds one array (`[{…}, {…}]`, as exporters write) rather than JSON Lines.
    private func isJSONArray() throws(CairnError) -> Bool {
        guard case .jsonLines = syntax else { return false }
        let file = try FileChunks(path: path)
        var head: [UInt8] = []
        while true {
            let eof = try file.fill(&head, adding: 4096)
            if let first = head.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) { return first == UInt8(ascii: "[") }
            if eof { return false }
        }
    }

    /// Loads a file holding one JSON array of objects, each a row. The file is read whole.
    private func loadJSONArray(into bulk: BulkLoad) throws(CairnError) -> Int {
        let file = try FileChunks(path: path)
        var text: [UInt8] = []
        while !(try file.fill(&text, adding: chunkBytes)) {}
        let sink = BatchSink(bulk: bulk)
        var rows = 0
        do throws(CairnError) {
            try text.withUnsafeBufferPointer { (d) throws(CairnError) in
                var converter = RowConverter(schema: schema, targets: targets, file: path, capacity: CopyLoader.batchRows,
                                             timestampFormat: timestampFormat, dateFormat: dateFormat)
                var line = 1, counted = 0
                func lineAt(_ p: Int) -> Int {
                    for k in counted..<p where d[k] == 0x0A { line += 1 }
                    counted = max(counted, p)
                    return line
                }
                func malformed(_ p: Int, _ what: String) -> CairnError {
                    CairnError(.invalidInput, "malformed JSON array: \(what)", file: path, line: lineAt(p))
                }
                var i = JSONScanner.skipSpace(d, JSONScanner.skipSpace(d, 0) + 1)   // past `[`
                if i < d.count, d[i] == UInt8(ascii: "]") {
                    i = JSONScanner.skipSpace(d, i + 1)
                } else {
                    while true {
                        if isCancelled() { throw CairnError(.cancelled, "COPY cancelled") }
                        guard let end = JSONScanner.validValueEnd(d, i) else { throw malformed(i, "expected a JSON value") }
                        try converter.addJSON(UnsafeBufferPointer(rebasing: d[i..<end]), line: lineAt(i))
                        if converter.rows == CopyLoader.batchRows {
                            rows += converter.rows
                            try sink.add(converter.take())
                        }
                        i = JSONScanner.skipSpace(d, end)
                        guard i < d.count else { throw malformed(i, "the array is never closed") }
                        if d[i] == UInt8(ascii: "]") { i = JSONScanner.skipSpace(d, i + 1); break }
                        guard d[i] == UInt8(ascii: ",") else { throw malformed(i, "expected ',' or ']' between elements") }
                        i = JSONScanner.skipSpace(d, i + 1)
                    }
                }
                guard i == d.count else { throw malformed(i, "text after the array") }
                rows += converter.rows
                if converter.rows > 0 { try sink.add(converter.take()) }
            }
            try sink.finish()
        } catch {
            _ = try? sink.finish()
            throw error
        }
        return rows
    }

    // MARK: In order

    /// One thread parses into `bulk`, which the caller commits; each chunk ends where its last
    /// complete record does.
    private func loadInOrder(into bulk: BulkLoad) throws(CairnError) -> Int {
        let file = try FileChunks(path: path)
        let sink = BatchSink(bulk: bulk)
        var rows = 0
        do throws(CairnError) {
            var buffer: [UInt8] = []
            var line = 1
            var skipHeader = hasHeader
            var eof = false
            while !eof {
                if isCancelled() { throw CairnError(.cancelled, "COPY cancelled") }
                eof = try file.fill(&buffer, adding: chunkBytes)
                let parsed = try buffer.withUnsafeBufferPointer { (b) throws(CairnError) in
                    try parse(b, atEOF: eof, skipHeader: skipHeader, firstLine: line)
                }
                guard parsed.consumed > 0 else { continue }   // a record longer than the buffer: read on
                skipHeader = false
                line += parsed.newlines
                rows += parsed.rows
                buffer.removeSubrange(..<parsed.consumed)
                if parsed.rows > 0 { try sink.add(parsed.columns) }
                if file.size > 0 { progress?(Double(file.consumed - buffer.count) / Double(file.size)) }
            }
            try sink.finish()
        } catch {
            _ = try? sink.finish()
            throw error
        }
        return rows
    }
}

/// Reads a file front to back into caller-owned buffers.
final class FileChunks {
    let path: String
    private let fd: Int32
    let size: Int
    private(set) var consumed = 0

    init(path: String) throws(CairnError) {
        self.path = path
        fd = try FileIO.openForReading(path)
        size = (try? FileIO.fileSize(fd, path: path)) ?? 0
    }

    deinit { close(fd) }

    /// Appends up to `count` bytes to `buffer`; returns true once the end of the file is reached.
    /// A UTF-8 byte-order mark opening the file (as Windows tools write) is dropped.
    func fill(_ buffer: inout [UInt8], adding requested: Int) throws(CairnError) -> Bool {
        let atStart = consumed == 0, old = buffer.count
        let eof = try readChunk(&buffer, adding: atStart ? max(requested, 4) : requested)   // a whole mark or magic number
        guard atStart else { return eof }
        let head = buffer[old...]
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { buffer.removeSubrange(old..<(old + 3)) }
        let bzip2 = Array("BZh".utf8) + [head.dropFirst(3).first.map { (0x31...0x39).contains($0) ? $0 : 0 } ?? 0] + Array("1AY&SY".utf8)
        for (magic, name) in [([0x1F, 0x8B] as [UInt8], "gzip"), ([0x28, 0xB5, 0x2F, 0xFD], "zstd"), (bzip2, "bzip2")]
        where head.starts(with: magic) {
            throw CairnError(.unsupported, "\"\(path)\" is \(name)-compressed; COPY reads uncompressed text, so decompress it first", file: path)
        }
        return eof
    }

    private func readChunk(_ buffer: inout [UInt8], adding requested: Int) throws(CairnError) -> Bool {
        // No more room than the file has left (plus slack, should it have grown): zeroing a whole
        // chunk for a small file costs more than reading it.
        let count = min(requested, max(size - consumed, 0) + 65_536)
        let old = buffer.count
        buffer.reserveCapacity(old + count)
        buffer.append(contentsOf: repeatElement(0, count: count))
        var got = 0
        var failed: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            while got < count {
                let n = read(fd, base + old + got, count - got)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = errno
                    return
                }
                if n == 0 { return }
                got += n
            }
        }
        buffer.removeLast(count - got)
        if failed != 0 {
            throw CairnError(.io, "read error on \"\(path)\": \(String(cString: strerror(failed)))", file: path)
        }
        consumed += got
        return got < count
    }
}

/// Hands parsed chunks to a bulk load in file order, whatever order they finish in, and stops at
/// the first failure. At most `inFlight` chunks are read and not yet added, which bounds memory.
final class OrderedBatches: @unchecked Sendable {
    enum Outcome: Sendable {
        case parsed(TextFileLoader.Parsed, bytes: Int)
        /// An error with a line number counted from the chunk's first line.
        case failed(CairnError)
        case reparseInOrder
    }

    enum Stop: Sendable {
        case failed(CairnError)
        case reparseInOrder
    }

    private let bulk: BulkLoad
    private let fileSize: Int
    private let progress: (@Sendable (Double) -> Void)?
    private let slots: InFlightSlots
    private let group = DispatchGroup()
    /// Adds batches one at a time; everything below is touched only on it.
    private let queue = DispatchQueue(label: "cairn.copy.ordered")
    private var arrived: [Int: Outcome] = [:]
    private var next = 0
    private var line = 1
    private var bytes = 0
    private var added = 0
    private let stopReason = Mutex<Stop?>(nil)

    init(bulk: BulkLoad, inFlight: Int, fileSize: Int, progress: (@Sendable (Double) -> Void)?) {
        self.bulk = bulk
        self.fileSize = fileSize
        self.progress = progress
        slots = InFlightSlots(inFlight)
    }

    /// Whether a chunk failed; the reader stops submitting.
    var stopped: Bool { stopReason.withLock { $0 != nil } }

    /// Rows added; read after ``finish()``.
    var rows: Int { queue.sync { added } }

    /// Parses chunk `index` on a worker thread (waiting while `inFlight` chunks are pending).
    func submit(_ index: Int, _ work: @escaping @Sendable () -> Outcome) {
        slots.acquire()
        group.enter()
        DispatchQueue.global().async { [self] in
            let outcome = stopped ? Outcome.reparseInOrder : work()
            queue.async { [self] in
                arrive(index, outcome)
                group.leave()
            }
        }
    }

    private func arrive(_ index: Int, _ outcome: Outcome) {
        arrived[index] = outcome
        while let outcome = arrived.removeValue(forKey: next) {
            next += 1
            slots.release()
            guard !stopped else { continue }
            switch outcome {
            case .parsed(let parsed, let size):
                do throws(CairnError) {
                    if parsed.rows > 0 {
                        try bulk.add(parsed.columns, encodingThreads: slots.encodingThreads)
                    }
                    added += parsed.rows
                    line += parsed.newlines
                    bytes += size
                    if fileSize > 0 { progress?(Double(bytes) / Double(fileSize)) }
                } catch {
                    stopReason.withLock { $0 = .failed(error) }
                }
            case .failed(var error):
                if let l = error.line { error.line = line + l - 1 }
                stopReason.withLock { $0 = .failed(error) }
            case .reparseInOrder:
                stopReason.withLock { $0 = .reparseInOrder }
            }
        }
    }

    /// Waits for every submitted chunk; returns why loading stopped early, if it did.
    func finish() -> Stop? {
        group.wait()
        queue.sync {}
        return stopReason.withLock { $0 }
    }
}
