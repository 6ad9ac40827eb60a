import CairnFormat
import CairnLog

extension Engine {
    /// Appends rows to `table` as one atomic, durable commit: one log record, then the head.
    ///
    /// `columns` holds one vector per table column in schema order, all the same length, in each
    /// column's physical type. With `.fsync` durability the rows survive power loss once this returns;
    /// see ``Durability`` for the others. May flush the head to segments before returning.
    /// - Throws: `.notFound`, `.invalidInput` (shape), `.type`, `.constraint` (NOT NULL), `.readOnly`, `.io`.
    package func append(table: String, columns: [ColumnVector]) throws(CairnError) {
        try checkWritable()
        let needsFlush = try state.withLock { (s) throws(CairnError) -> Bool in
            try s.checkOpen(path)
            guard let index = s.catalog.tableIndex(named: table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist")
            }
            return try append(to: s.catalog.tables[index], columns: columns, state: &s)
        }
        if needsFlush { try flushIfNeeded() }
    }

    /// Appends to the table with `tableID`, so a bulk load never lands in a table re-created under the same name.
    func append(tableID: UInt32, columns: [ColumnVector]) throws(CairnError) {
        let needsFlush = try state.withLock { (s) throws(CairnError) -> Bool in
            try s.checkOpen(path)
            guard let entry = s.catalog.table(id: tableID) else {
                throw CairnError(.notFound, "the table being loaded was dropped")
            }
            return try append(to: entry, columns: columns, state: &s)
        }
        if needsFlush { try flushIfNeeded() }
    }

    /// Requires: `state` is the locked engine state. Returns whether the head passed a flush threshold.
    private func append(to entry: TableEntry, columns: [ColumnVector], state s: inout EngineState) throws(CairnError) -> Bool {
        let rowCount = try BatchValidator.validate(columns, schema: entry.schema)
        guard rowCount > 0 else { return false }
        guard let wal = s.wal else { throw CairnError(.io, "database \"\(path)\" is closed") }
        var record = WALRecordBuffer.insert(tableID: entry.id, columnIDs: entry.schema.columns.map(\.id),
                                            columns: columns, rowCount: rowCount)
        try wal.append(&record)
        s.applyInsert(table: entry, columns: columns, rowCount: rowCount)
        return s.pendingRows >= options.flushRows || s.pendingBytes >= options.flushBytes
    }
}

/// Checks a batch against a table schema before it is logged.
enum BatchValidator {
    /// Returns the batch's row count.
    static func validate(_ columns: [ColumnVector], schema: TableSchema) throws(CairnError) -> Int {
        guard columns.count == schema.columns.count else {
            throw CairnError(.invalidInput, "table \"\(schema.name)\" has \(schema.columns.count) columns "
                             + "but \(columns.count) were supplied")
        }
        let rowCount = columns.first?.count ?? 0
        for (column, vector) in zip(schema.columns, columns) {
            guard vector.physical == column.type.physical else {
                throw CairnError(.type, "column \"\(column.name)\" is \(column.type) but was given \(vector.physical) values")
            }
            guard vector.count == rowCount else {
                throw CairnError(.invalidInput, "column \"\(column.name)\" has \(vector.count) values but the first "
                                 + "column has \(rowCount)")
            }
            if case .bytes(let b) = vector.storage {
                guard b.offsets.count == rowCount + 1, b.offsets.first == 0, b.offsets.last == b.data.count else {
                    throw CairnError(.invalidInput, "column \"\(column.name)\" has inconsistent string offsets")
                }
            }
            if case .vectors(let v) = vector.storage {
                try validateVectors(v, validity: vector.validity, column: column)
            }
            if let validity = vector.validity {
                guard validity.count == rowCount else {
                    throw CairnError(.invalidInput, "column \"\(column.name)\" has \(validity.count) validity entries "
                                     + "for \(rowCount) values")
                }
                if column.notNull && validity.contains(false) {
                    throw CairnError(.constraint, "NULL value in column \"\(column.name)\" violates NOT NULL")
                }
            }
        }
        return rowCount
    }

    /// Every non-NULL row must have the column's dimension and finite elements.
    private static func validateVectors(_ v: VectorArray, validity: [Bool]?, column: ColumnSchema) throws(CairnError) {
        let expected = column.dimension ?? 0
        if v.dimension != expected {
            let anyValue = validity.map { $0.contains(true) } ?? (v.count > 0)
            guard !anyValue else {
                throw CairnError(.type, "column \"\(column.name)\" expects vectors of \(expected) dimensions, not \(v.dimension)")
            }
            return
        }
        let bad = v.floats.withUnsafeBufferPointer { f in f.firstIndex { !$0.isFinite } }
        if let bad {
            throw CairnError(.invalidInput, "NaN or infinity in vector column \"\(column.name)\" at row \(bad / expected + 1)")
        }
    }
}
