import CairnFormat
import CairnTables

/// The columns an expression may reference: the output of a FROM clause.
package struct Scope: Sendable {
    package struct Column: Sendable {
        package var qualifier: String?
        package var name: String
        package var type: ColumnType
        /// The right side's copy of a `USING` key: found by its qualifier only, and not in `*`.
        package var hidden = false

        package init(qualifier: String?, name: String, type: ColumnType, hidden: Bool = false) {
            self.qualifier = qualifier; self.name = name; self.type = type; self.hidden = hidden
        }
    }
    package var columns: [Column]

    package static let empty = Scope(columns: [])

    package init(columns: [Column]) { self.columns = columns }

    /// The columns of a table, qualified by `qualifier` (an alias), else by the table's name.
    package init(table schema: TableSchema, qualifier: String? = nil) {
        columns = schema.columns.map { .init(qualifier: qualifier ?? schema.name, name: $0.name, type: $0.type) }
    }

    /// Resolves `qualifier.name` (case-insensitive) to a column index.
    package func resolve(qualifier: String?, name: String) -> Result<Int, LookupFailure> {
        let lname = name.lowercased(), lq = qualifier?.lowercased()
        var found: Int?
        for (i, c) in columns.enumerated() where c.name.lowercased() == lname && (lq != nil || !c.hidden) {
            if let lq, c.qualifier?.lowercased() != lq { continue }
            if found != nil { return .failure(.ambiguous) }
            found = i
        }
        return found.map { .success($0) } ?? .failure(.notFound)
    }

    package enum LookupFailure: Error { case notFound, ambiguous }
}
