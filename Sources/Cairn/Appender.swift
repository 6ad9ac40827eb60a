import CairnFormat
import CairnQuery
import CairnTables
import Foundation
import Synchronization

/// Appends rows to one table at high speed, column value by column value, like DuckDB's appender.
///
/// Rows are buffered in typed columns (no per-value boxing) and committed atomically and durably by
/// ``flush()``. Every 65,536 rows (fewer in tables with vectors: 64 MiB of them) the buffer goes to a
/// bulk load that sorts, encodes and writes segment files on another thread while appending goes
/// on; a flush of fewer rows is one log record. An `Appender` is meant for one task at a time.
///
/// ```swift
/// let appender = try db.appender(for: "events")
/// for e in events {
///     try appender.append(timestamp: e.micros)
///     try appender.append(e.tenant)
///     try appender.append(e.latency)
///     try appender.endRow()
/// }
/// try appender.flush()
/// ```
public final class Appender {
    private let engine: Engine
    private let schema: TableSchema
    /// Per column, read once, so appending a value does not copy a column's schema.
    private let types: [ColumnType]
    /// The current batch, one buffer per column.
    private var buffers: [AppendBuffer] { didSet { unretained = buffers.map(Unmanaged.passUnretained) } }
    /// `buffers` again, to call without retaining and releasing a buffer on every value. The
    /// per-value state is exempt from run-time exclusivity checks: an appender serves one task at a
    /// time, and the checks cost as much as appending a number.
    @exclusivity(unchecked) private var unretained: [Unmanaged<AppendBuffer>] = []
    @exclusivity(unchecked) private var column = 0
    /// Rows buffered and not yet flushed.
    @exclusivity(unchecked) public private(set) var pendingRows = 0
    /// Rows in `buffers` (the rest of `pendingRows` went to `load`).
    @exclusivity(unchecked) private var bufferedRows = 0
    /// Buffer sets the loader has copied out, for reuse.
    private let spare = SpareBuffers()
    /// A bulk load that full batches go to while appending continues; ``flush()`` commits it.
    private var load: (bulk: BulkLoad, sink: BatchSink)?
    /// Rows per batch handed to the bulk load; smaller flushes go through the log as one commit.
    /// 65,536, or fewer for tables with vectors, so that a batch's vectors fit in 64 MiB (like COPY's).
    private let batchRows: Int

    init(engine: Engine, table: String) throws {
        guard let t = engine.snapshot().table(table) else {
            throw CairnError(.notFound, "table \"\(table)\" does not exist")
        }
        self.engine = engine
        schema = t.schema
        types = schema.columns.map(\.type)
        let vectorBytes = schema.columns.reduce(0) { $0 + ($1.dimension ?? 0) * MemoryLayout<Float>.stride }
        batchRows = vectorBytes == 0 ? 65_536 : max(1, min(65_536, (64 << 20) / vectorBytes))
        buffers = []
        buffers = newBuffers()
        unretained = buffers.map(Unmanaged.passUnretained)
    }

    /// Column `c`'s buffer, for one call.
    @inline(__always)
    private func buffer<R>(_ c: Int, _ body: (AppendBuffer) throws -> R) rethrows -> R {
        try unretained[c]._withUnsafeGuaranteedRef(body)
    }

    /// Empty buffers for the next batch: a set the loader has finished with (their memory is already
    /// mapped, so filling them takes no page faults), or new ones with room for a little more string
    /// data than the last batch held.
    private func newBuffers() -> [AppendBuffer] {
        if let set = spare.sets.withLock({ $0.popLast() }) { return set }
        return schema.columns.enumerated().map { c, column in
            AppendBuffer(physical: column.type.physical, dimension: column.dimension ?? 0, rows: batchRows,
                         bytes: c < buffers.count ? buffers[c].stringBytes + buffers[c].stringBytes / 8 : 0)
        }
    }

    /// Rows appended and not flushed are discarded.
    deinit { discard() }

    /// The table's column names in append order.
    public var columnNames: [String] { schema.columns.map(\.name) }

    /// The column the next value goes to. A value that fails to append does not advance it.
    @inline(__always)
    private func next() throws -> Int {
        guard column < schema.columns.count else {
            throw CairnError(.invalidInput, "row has more values than table \"\(schema.name)\" has columns (\(schema.columns.count))")
        }
        return column
    }

    private func mismatch(_ c: Int, _ given: String) -> CairnError {
        CairnError(.type, "column \"\(schema.columns[c].name)\" is \(schema.columns[c].type), cannot append \(given)")
    }

    /// Appends an integer to the next column (integer, or floating point columns).
    public func append(_ v: Int64) throws {
        let c = try next()
        switch types[c] {
        case .smallint, .integer, .bigint:
            try Casts.checkRange(v, types[c])
            buffer(c) { $0.append(int: v) }
        case .double, .real: buffer(c) { $0.append(double: Double(v)) }
        default: throw mismatch(c, "an integer")
        }
        column += 1
    }

    /// Appends an integer to the next column.
    public func append(_ v: Int) throws { try append(Int64(v)) }

    /// Appends a floating-point value to the next column.
    public func append(_ v: Double) throws {
        let c = try next()
        guard types[c] == .double || types[c] == .real else { throw mismatch(c, "a double") }
        buffer(c) { $0.append(double: types[c] == .real ? Double(Float(v)) : v) }
        column += 1
    }

    /// Appends a boolean to the next column.
    public func append(_ v: Bool) throws {
        let c = try next()
        guard types[c] == .boolean else { throw mismatch(c, "a boolean") }
        buffer(c) { $0.append(int: v ? 1 : 0) }
        column += 1
    }

    /// Appends text to the next VARCHAR or JSON column (JSON text is validated).
    public func append(_ v: String) throws {
        let c = try next()
        switch types[c] {
        case .varchar: buffer(c) { $0.append(string: v) }
        case .json:
            // Validated and copied straight from the string's UTF-8, without an intermediate array.
            let valid = v.withUTF8Bytes { utf8 in
                guard JSONScanner.isValid(utf8) else { return false }
                buffer(c) { $0.append(bytes: utf8) }
                return true
            }
            guard valid else { throw CairnError(.type, "column \"\(schema.columns[c].name)\": malformed JSON") }
        default:
            // Text for other types is parsed like a SQL literal.
            let value = try Casts.castConstant(.string(v), from: .varchar, to: types[c])
            buffer(c) { $0.append(value) }
        }
        column += 1
    }

    /// Appends a timestamp given as microseconds since the Unix epoch (UTC).
    public func append(timestamp micros: Int64) throws {
        let c = try next()
        switch types[c] {
        case .timestamp, .timestamptz: buffer(c) { $0.append(int: micros) }
        case .date: buffer(c) { $0.append(int: Calendar.dayOf(micros: micros)) }
        default: throw mismatch(c, "a timestamp")
        }
        column += 1
    }

    /// Appends a `Date` to the next TIMESTAMP or DATE column.
    public func append(_ date: Date) throws {
        try append(timestamp: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
    }

    /// Appends a vector to the next VECTOR column: it must have the column's dimension and finite elements.
    public func append(_ v: [Float]) throws { try v.withUnsafeBufferPointer { try append($0) } }

    /// Appends a vector from a buffer (for example a row of a larger embedding matrix), copying it once.
    public func append(_ v: UnsafeBufferPointer<Float>) throws {
        let c = try next()
        guard schema.columns[c].type == .vector, let d = schema.columns[c].dimension else { throw mismatch(c, "a vector") }
        try checkVector(v, column: c, dimension: d)
        buffer(c) { $0.append(vector: v) }
        column += 1
    }

    private func checkVector(_ v: UnsafeBufferPointer<Float>, column c: Int, dimension d: Int) throws {
        let name = schema.columns[c].name
        guard v.count == d else {
            throw CairnError(.type, "row \(pendingRows + 1), column \"\(name)\": expected \(d) dimensions, not \(v.count)")
        }
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw CairnError(.invalidInput, "row \(pendingRows + 1), column \"\(name)\": NaN or infinity at element \(bad + 1)")
        }
    }

    /// Appends NULL to the next column.
    public func appendNull() throws {
        let c = try next()
        guard !schema.columns[c].notNull else {
            throw CairnError(.constraint, "NULL value in column \"\(schema.columns[c].name)\" violates NOT NULL constraint")
        }
        buffer(c) { $0.appendNull() }
        column += 1
    }

    /// Appends any ``Value``, converting it to the column's type.
    public func append(_ v: Value) throws {
        if v.isNull { return try appendNull() }
        let c = try next()
        let converted = try Casts.castConstant(v, from: Binder.typeOf(v), to: schema.columns[c].type)
        if case .vector(let f) = converted, let d = schema.columns[c].dimension {
            try f.withUnsafeBufferPointer { try checkVector($0, column: c, dimension: d) }
        }
        buffer(c) { $0.append(converted) }
        column += 1
    }

    /// Ends the current row; every column must have received a value.
    public func endRow() throws {
        guard column == schema.columns.count else {
            let missing = schema.columns[column].name
            throw CairnError(.invalidInput, "row ended after \(column) of \(schema.columns.count) values; next column is \"\(missing)\"")
        }
        column = 0
        pendingRows += 1
        bufferedRows += 1
        if bufferedRows >= batchRows { try handOff() }
    }

    /// Gives the buffered rows to the bulk load, which sorts, encodes and writes them on another
    /// thread while appending goes on; nothing becomes visible before ``flush()``.
    private func handOff() throws {
        let batch = buffers
        buffers = newBuffers()
        bufferedRows = 0
        if load == nil {
            let bulk = try engine.beginBulkLoad(table: schema.name)
            load = (bulk, BatchSink(bulk: bulk))
        }
        do {
            // The copy into column vectors happens on the sink's thread; nothing here touches `batch` again.
            try load?.sink.add { [spare] in
                let columns = batch.map { $0.columnVector() }
                spare.keep(batch)
                return columns
            }
        } catch {
            discard()
            throw error
        }
    }

    /// Commits all complete rows as one atomic, durable write. On error none of them is committed,
    /// and the appender is empty again.
    public func flush() throws {
        guard column == 0 else { throw CairnError(.invalidInput, "cannot flush in the middle of a row") }
        guard pendingRows > 0 else { return }
        do {
            if load == nil {
                let columns = buffers.map { $0.columnVector() }
                buffers.forEach { $0.removeAll() }
                bufferedRows = 0
                pendingRows = 0
                try engine.append(table: schema.name, columns: columns)
                return
            }
            if bufferedRows > 0 { try handOff() }
            guard let (bulk, sink) = load else { return }
            load = nil
            pendingRows = 0
            do {
                try sink.finish()
                try bulk.commit()
            } catch {
                bulk.abort()
                throw error
            }
        } catch {
            discard()
            throw error
        }
    }

    private func discard() {
        if let (bulk, sink) = load {
            _ = try? sink.finish()
            bulk.abort()
        }
        load = nil
        buffers.forEach { $0.removeAll() }
        bufferedRows = 0
        pendingRows = 0
        column = 0
    }
}

/// Buffer sets handed back by the loader's thread. At most two batches are in flight, so it holds at most two.
private final class SpareBuffers: Sendable {
    let sets = Mutex<[[AppendBuffer]]>([])

    func keep(_ set: [AppendBuffer]) {
        set.forEach { $0.removeAll() }
        sets.withLock { $0.append(set) }
    }
}

extension Database {
    /// An ``Appender`` for `table`.
    /// - Throws: ``CairnError/Code/notFound`` if there is no such table.
    public func appender(for table: String) throws -> Appender {
        try Appender(engine: core.engine, table: table)
    }

    /// Appends `rows` as one atomic commit, matching each `Encodable` property name to a column
    /// (case-insensitive). Missing properties and `nil`s become NULL; nested values are stored as
    /// JSON; `Date`s become timestamps.
    ///
    /// ```swift
    /// struct Event: Encodable { var ts: Date; var tenant_id: String; var metadata: [String: String] }
    /// try db.append(events, to: "events")
    /// ```
    public func append<T: Encodable>(_ rows: [T], to table: String) throws {
        let appender = try self.appender(for: table)
        let names = appender.columnNames.map { $0.lowercased() }
        for row in rows {
            let encoder = RowEncoder()
            try row.encode(to: encoder)
            let values = encoder.storage.values
            for name in names { try appender.append(values[name] ?? .null) }
            try appender.endRow()
        }
        try appender.flush()
    }
}
