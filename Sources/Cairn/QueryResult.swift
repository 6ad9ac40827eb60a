/// The materialized result of a statement: named, typed columns of values.
///
/// Iterate it as rows (`for row in result`), or read whole columns with ``column(_:)``.
/// Statements that return no rows (DDL, INSERT, COPY) have no columns and report
/// ``rowsAffected`` where that applies.
public struct QueryResult: Sendable, RandomAccessCollection {
    /// Column names: aliases, or DuckDB-style names for unaliased expressions (`count_star()`).
    public let columnNames: [String]
    /// The SQL type of each column.
    public let columnTypes: [ColumnType]
    /// Rows inserted, copied or deleted, for DML statements; nil for queries and DDL.
    public let rowsAffected: Int?
    let columns: [[Value]]

    public init(columnNames: [String], columnTypes: [ColumnType], columns: [[Value]], rowsAffected: Int? = nil) {
        self.columnNames = columnNames
        self.columnTypes = columnTypes
        self.columns = columns
        self.rowsAffected = rowsAffected
    }

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of rows.
    public var endIndex: Int { columns.first?.count ?? 0 }

    /// Row `position` (0-based).
    public subscript(position: Int) -> Row { Row(result: self, index: position) }

    /// All values of column `index`, top to bottom.
    public func column(_ index: Int) -> [Value] { columns[index] }

    /// All values of the column called `name`, or nil if there is none.
    public func column(named name: String) -> [Value]? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }
}

/// One row of a ``QueryResult``.
public struct Row: Sendable, RandomAccessCollection, CustomStringConvertible {
    let result: QueryResult
    let index: Int

    /// Always 0.
    public var startIndex: Int { 0 }
    /// The number of columns.
    public var endIndex: Int { result.columnNames.count }
    /// The value of column `position` (0-based).
    public subscript(position: Int) -> Value { result.columns[position][index] }

    /// The value of the column called `name`, or nil if the result has no such column.
    public subscript(name: String) -> Value? {
        result.columnNames.firstIndex(of: name).map { result.columns[$0][index] }
    }

    /// The row's values as text, e.g. `(acme, 42)`.
    public var description: String { "(" + map(\.description).joined(separator: ", ") + ")" }
}
