import CairnFormat

/// How a table's rows are split into directories of segments: by the day or month of one DATE,
/// TIMESTAMP or TIMESTAMPTZ column. Rows whose partition value is NULL go to a separate null partition.
package struct PartitionSpec: Sendable, Codable, Hashable {
    package enum Granularity: String, Sendable, Codable, Hashable {
        case day, month
    }
    package var column: String
    package var granularity: Granularity

    package init(column: String, granularity: Granularity) {
        self.column = column
        self.granularity = granularity
    }
}

/// One column of a table. `id` is stable for the life of the table and is what segments and log
/// records are keyed by, so columns added later can be told apart from columns an old segment lacks.
package struct ColumnSchema: Sendable, Codable, Hashable {
    package var id: UInt32
    package var name: String
    package var type: ColumnType
    package var notNull: Bool
    /// The dimension of a VECTOR column; nil for every other type.
    package var dimension: Int?

    package init(id: UInt32, name: String, type: ColumnType, notNull: Bool, dimension: Int? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.notNull = notNull
        self.dimension = dimension
    }

    /// The type as SQL spells it, with the dimension of a vector: `VECTOR(1536)`.
    package var typeName: String { dimension.map { "\(type)(\($0))" } ?? type.description }

    private enum CodingKeys: String, CodingKey { case id, name, type, notNull }

    // The type is stored by its SQL name, which keeps the manifest readable and independent of enum raw values.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(UInt32.self, forKey: .id)
        name = try c.decode(String.self, forKey: .name)
        let typeName = try c.decode(String.self, forKey: .type)
        var baseName = Substring(typeName)
        var dimension: Int?
        if typeName.hasSuffix(")"), let open = typeName.firstIndex(of: "(") {
            baseName = typeName[..<open]
            dimension = Int(typeName[typeName.index(after: open)..<typeName.index(before: typeName.endIndex)])
        }
        guard let type = ColumnType(sqlName: String(baseName)), (type == .vector) == (dimension != nil) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown column type \(typeName)")
        }
        self.type = type
        self.dimension = dimension
        notNull = try c.decode(Bool.self, forKey: .notNull)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(typeName, forKey: .type)
        try c.encode(notNull, forKey: .notNull)
    }
}

/// A table's name, columns (in declaration order) and optional partitioning. Names compare case-insensitively.
package struct TableSchema: Sendable, Codable, Hashable {
    package var name: String
    package var columns: [ColumnSchema]
    package var partition: PartitionSpec?
    /// Vector indexes on the table's VECTOR columns.
    package var indexes: [VectorIndexDefinition] = []
    /// `ORDER BY (a, b)` of CREATE TABLE: the columns segments are sorted by (empty: ``sortColumnIndex``).
    package var sortKey: [String] = []
    /// How long rows are kept (`RETENTION …`); nil keeps them forever.
    package var retention: RetentionPolicy?

    package init(name: String, columns: [ColumnSchema], partition: PartitionSpec? = nil) {
        self.name = name
        self.columns = columns
        self.partition = partition
    }

    private enum CodingKeys: String, CodingKey { case name, columns, partition, indexes, sortKey, retention }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        columns = try c.decode([ColumnSchema].self, forKey: .columns)
        partition = try c.decodeIfPresent(PartitionSpec.self, forKey: .partition)
        indexes = try c.decodeIfPresent([VectorIndexDefinition].self, forKey: .indexes) ?? []
        sortKey = try c.decodeIfPresent([String].self, forKey: .sortKey) ?? []
        retention = try c.decodeIfPresent(RetentionPolicy.self, forKey: .retention)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(columns, forKey: .columns)
        try c.encodeIfPresent(partition, forKey: .partition)
        if !indexes.isEmpty { try c.encode(indexes, forKey: .indexes) }
        if !sortKey.isEmpty { try c.encode(sortKey, forKey: .sortKey) }
        try c.encodeIfPresent(retention, forKey: .retention)
    }

    /// Floats a row holds across its VECTOR columns (what sizes blocks and segments of vector tables).
    var vectorFloatsPerRow: Int { columns.reduce(0) { $0 + ($1.dimension ?? 0) } }

    /// Index into ``columns`` of the column called `name` (case-insensitive).
    package func columnIndex(named name: String) -> Int? {
        let wanted = name.lowercased()
        return columns.firstIndex { $0.name.lowercased() == wanted }
    }

    /// Index of the partition column, if the table is partitioned.
    package var partitionColumnIndex: Int? { partition.flatMap { columnIndex(named: $0.column) } }

    /// The column segments are sorted by when flushed: the partition column, else the first temporal column.
    var sortColumnIndex: Int? { partitionColumnIndex ?? columns.firstIndex { $0.type.isTemporal } }

    /// The columns segments are sorted by: the declared sort key, else ``sortColumnIndex``.
    var sortColumnIndices: [Int] {
        sortKey.isEmpty ? sortColumnIndex.map { [$0] } ?? [] : sortKey.compactMap { columnIndex(named: $0) }
    }

    /// The column retention measures age by: the partition column, else the first temporal column.
    package var retentionColumnIndex: Int? { sortColumnIndex }

    /// Checks that the schema can be stored.
    func validate() throws(CairnError) {
        guard !name.isEmpty else { throw CairnError(.invalidInput, "a table name cannot be empty") }
        guard !columns.isEmpty else { throw CairnError(.invalidInput, "table \"\(name)\" must have at least one column") }
        var seen = Set<String>()
        for column in columns {
            guard seen.insert(column.name.lowercased()).inserted else {
                throw CairnError(.alreadyExists, "column \"\(column.name)\" is specified more than once in table \"\(name)\"")
            }
            guard column.type != .interval else {
                throw CairnError(.type, "column \"\(column.name)\" cannot be stored with type INTERVAL")
            }
            if column.type == .vector {
                guard let d = column.dimension, (1...VectorText.maxDimension).contains(d) else {
                    throw CairnError(.type, "column \"\(column.name)\": a VECTOR needs a dimension between 1 and "
                                     + "\(VectorText.maxDimension), e.g. VECTOR(1536)")
                }
            } else if column.dimension != nil {
                throw CairnError(.type, "column \"\(column.name)\": only VECTOR takes a dimension")
            }
        }
        for key in sortKey {
            guard let index = columnIndex(named: key) else {
                throw CairnError(.binder, "sort key column \"\(key)\" is not a column of table \"\(name)\"")
            }
            guard columns[index].type != .vector else {
                throw CairnError(.type, "sort key column \"\(key)\" cannot be a VECTOR")
            }
        }
        if retention != nil, retentionColumnIndex == nil {
            throw CairnError(.binder, "table \"\(name)\" needs a DATE or TIMESTAMP column for RETENTION")
        }
        if let partition {
            guard let index = partitionColumnIndex else {
                throw CairnError(.binder, "partition column \"\(partition.column)\" is not a column of table \"\(name)\"")
            }
            guard columns[index].type.isTemporal else {
                throw CairnError(.type, "partition column \"\(partition.column)\" must be DATE, TIMESTAMP or "
                                 + "TIMESTAMPTZ, not \(columns[index].type)")
            }
        }
    }
}
