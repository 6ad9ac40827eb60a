// The syntax tree produced by `Parser`. It knows nothing about storage: names are unresolved,
// types are spelled as written. Every node that can be the subject of an error carries the
// `SQLPosition` of its first token so that binder errors can point at it.

/// A 1-based line/column position in the statement text.
public struct SQLPosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// Byte offset from the start of the text, for carets.
    public var offset: Int
    public init(line: Int, column: Int, offset: Int) { self.line = line; self.column = column; self.offset = offset }
    public var description: String { "line \(line), column \(column)" }
}

/// A syntax error with the position of the offending token.
public struct SQLSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var position: SQLPosition
    public init(_ message: String, at position: SQLPosition) { self.message = message; self.position = position }
    public var description: String { "\(position): \(message)" }
}

public indirect enum Statement: Sendable, Hashable {
    case select(SelectStatement)
    case createTable(CreateTable)
    case dropTable(name: String, ifExists: Bool, position: SQLPosition)
    case alterTableAddColumn(table: String, column: ColumnDefinition, ifNotExists: Bool, position: SQLPosition)
    case insert(Insert)
    case copy(Copy)
    /// `EXPLAIN [ANALYZE] <select>`
    case explain(SelectStatement, analyze: Bool)
    /// `SET name = value` / `SET name TO value` (e.g. `SET ivfflat.probes = 16`).
    case set(name: String, value: Expr, position: SQLPosition)
    /// `CHECKPOINT`: flush the in-memory head to segments.
    case checkpoint
    case createIndex(CreateIndex)
    case dropIndex(name: String, ifExists: Bool, position: SQLPosition)
    /// `REINDEX [INDEX] name`: retrain an index.
    case reindex(name: String, position: SQLPosition)
    /// `DELETE FROM t [WHERE …]`
    case delete(table: String, whereClause: Expr?, position: SQLPosition)
    /// `ALTER TABLE t SET RETENTION …` (retention set) and `ALTER TABLE t RESET RETENTION` (nil).
    case alterTableRetention(table: String, retention: RetentionClause?, position: SQLPosition)
    /// `VACUUM [t]`: apply retention and purge deleted and expired rows, for one table or all.
    case vacuum(table: String?, position: SQLPosition)
    /// `COMPACT [TABLE] t`: merge each partition's segments into sorted ones.
    case compact(table: String, position: SQLPosition)
    /// `BACKUP [DATABASE] TO 'directory'`: an online, consistent copy.
    case backup(path: String, position: SQLPosition)
    /// `CHECK [DATABASE]`: verify every checksum in the database.
    case check
    /// `DESCRIBE t` / `SHOW t`: a table's columns; `DESCRIBE SELECT …`: a query's result columns.
    case describe(DescribeTarget)
    /// `SHOW TABLES`
    case showTables
}

/// What `DESCRIBE` describes.
public enum DescribeTarget: Sendable, Hashable {
    case table(String, position: SQLPosition)
    case query(SelectStatement)
}

/// `RETENTION INTERVAL '90 days' [, INTERVAL '7 years' WHERE predicate …]`: how long rows are kept.
/// The rule without `WHERE` (at most one) applies to rows no `WHERE` rule matches.
public struct RetentionClause: Sendable, Hashable {
    public struct Rule: Sendable, Hashable {
        public var interval: Expr
        public var predicate: Expr
        /// The predicate as written, stored in the catalog and parsed again when bound.
        public var predicateText: String
        public init(interval: Expr, predicate: Expr, predicateText: String) {
            self.interval = interval; self.predicate = predicate; self.predicateText = predicateText
        }
    }
    public var interval: Expr?
    public var rules: [Rule]
    public var position: SQLPosition
    public init(interval: Expr?, rules: [Rule], position: SQLPosition) {
        self.interval = interval; self.rules = rules; self.position = position
    }
}

/// `CREATE INDEX [name] ON table USING ivfflat (column vector_cosine_ops) WITH (lists = 100)`.
public struct CreateIndex: Sendable, Hashable {
    /// nil when unnamed; the index is then named `<table>_<column>_idx` like PostgreSQL.
    public var name: String?
    public var ifNotExists: Bool
    public var table: String
    /// Lower-cased access method (`ivfflat`).
    public var method: String
    public var column: String
    /// Lower-cased operator class, nil if omitted.
    public var opclass: String?
    /// `WITH (…)` options, keys lower-cased.
    public var options: [String: Expr]
    public var position: SQLPosition
    public init(name: String?, ifNotExists: Bool, table: String, method: String, column: String, opclass: String?,
                options: [String: Expr], position: SQLPosition) {
        self.name = name; self.ifNotExists = ifNotExists; self.table = table; self.method = method
        self.column = column; self.opclass = opclass; self.options = options; self.position = position
    }
}

/// A type as written: `VARCHAR`, `TIMESTAMP WITH TIME ZONE`, `VECTOR(1536)`, `DECIMAL(10,2)`.
public struct TypeName: Sendable, Hashable {
    /// Upper-cased name with multi-word names joined by single spaces (`DOUBLE PRECISION`).
    public var name: String
    public var parameters: [Int]
    public var position: SQLPosition
    public init(name: String, parameters: [Int] = [], position: SQLPosition) {
        self.name = name; self.parameters = parameters; self.position = position
    }
}

public struct ColumnDefinition: Sendable, Hashable {
    public var name: String
    public var type: TypeName
    public var notNull: Bool
    public var primaryKey: Bool
    public var defaultValue: Expr?
    public var position: SQLPosition
    public init(name: String, type: TypeName, notNull: Bool = false, primaryKey: Bool = false,
                defaultValue: Expr? = nil, position: SQLPosition) {
        self.name = name; self.type = type; self.notNull = notNull; self.primaryKey = primaryKey
        self.defaultValue = defaultValue; self.position = position
    }
}

public struct CreateTable: Sendable, Hashable {
    public var name: String
    public var ifNotExists: Bool
    public var columns: [ColumnDefinition]
    /// `PARTITION BY day(ts)` → function "day", column "ts"; `month(ts)` → "month". nil if unpartitioned.
    public var partitionFunction: String?
    public var partitionColumn: String?
    /// Options from a trailing `WITH (key = value, …)`, keys lower-cased.
    public var options: [String: Expr]
    /// `ORDER BY (a, b)`: the columns segments are sorted by; empty for the default.
    public var sortKey: [String]
    public var retention: RetentionClause?
    public var position: SQLPosition
    public init(name: String, ifNotExists: Bool, columns: [ColumnDefinition], partitionFunction: String? = nil,
                partitionColumn: String? = nil, options: [String: Expr] = [:], sortKey: [String] = [],
                retention: RetentionClause? = nil, position: SQLPosition) {
        self.name = name; self.ifNotExists = ifNotExists; self.columns = columns
        self.partitionFunction = partitionFunction; self.partitionColumn = partitionColumn
        self.options = options; self.sortKey = sortKey; self.retention = retention; self.position = position
    }
}

public struct Insert: Sendable, Hashable {
    public var table: String
    /// Explicit column list, or nil for all columns in table order.
    public var columns: [String]?
    public var source: InsertSource
    public var position: SQLPosition
    public init(table: String, columns: [String]?, source: InsertSource, position: SQLPosition) {
        self.table = table; self.columns = columns; self.source = source; self.position = position
    }
}

public indirect enum InsertSource: Sendable, Hashable {
    case values([[Expr]])
    case select(SelectStatement)
}

/// `COPY table [(cols)] FROM 'path' [(FORMAT csv, HEADER, DELIMITER ',')]` and
/// `COPY table FROM 'path' WITH (…)`. Option keys are lower-cased; a bare option (`HEADER`) has value `true`.
public struct Copy: Sendable, Hashable {
    public var table: String
    public var columns: [String]?
    public var path: String
    public var options: [String: Expr]
    public var position: SQLPosition
    public init(table: String, columns: [String]?, path: String, options: [String: Expr], position: SQLPosition) {
        self.table = table; self.columns = columns; self.path = path; self.options = options; self.position = position
    }
}

public struct SelectStatement: Sendable, Hashable {
    public var distinct: Bool
    /// `DISTINCT ON (e, …)` (then `distinct` is false).
    public var distinctOn: [Expr] = []
    public var items: [SelectItem]
    /// nil for `SELECT 1 + 1` without FROM.
    public var from: TableRef?
    public var whereClause: Expr?
    public var groupBy: [Expr]
    /// `GROUP BY ALL`: every select item without an aggregate is a key (`groupBy` is empty).
    public var groupByAll = false
    /// `GROUP BY ROLLUP (…)`, `CUBE (…)`, `GROUPING SETS (…)` (with any plain keys beside them):
    /// the key lists to group by in turn (`groupBy` is empty).
    public var groupingSets: [[Expr]] = []
    public var having: Expr?
    /// `QUALIFY condition`: filters rows after window functions are computed.
    public var qualify: Expr?
    public var orderBy: [OrderItem]
    /// `ORDER BY ALL [ASC|DESC] [NULLS FIRST|LAST]`: every select item, left to right (`orderBy` is empty).
    public var orderByAll: SortDirection?
    public var limit: Expr?
    public var offset: Expr?
    /// `UNION|EXCEPT|INTERSECT [ALL] query`, applied left to right to this query's rows; `orderBy`,
    /// `limit` and `offset` then order and limit the combined rows.
    public var setOperations: [SetOperation] = []
    /// Names for the first output columns, from a WITH query's column list (`WITH t(a, b) AS …`);
    /// they rename the result, while the query itself still uses its own aliases.
    public var columnAliases: [String] = []
    public var position: SQLPosition
    public init(distinct: Bool = false, items: [SelectItem], from: TableRef? = nil, whereClause: Expr? = nil,
                groupBy: [Expr] = [], having: Expr? = nil, orderBy: [OrderItem] = [], limit: Expr? = nil,
                offset: Expr? = nil, position: SQLPosition) {
        self.distinct = distinct; self.items = items; self.from = from; self.whereClause = whereClause
        self.groupBy = groupBy; self.having = having; self.orderBy = orderBy; self.limit = limit
        self.offset = offset; self.position = position
    }
}

/// A set operator: `UNION`, `EXCEPT` or `INTERSECT`, with `ALL` (keep duplicates) or not.
public struct SetOperator: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case union = "UNION", except = "EXCEPT", intersect = "INTERSECT" }
    public var kind: Kind
    /// `ALL`: keep duplicate rows (UNION) or match them one for one (EXCEPT, INTERSECT).
    public var all: Bool
    /// `UNION [ALL] BY NAME`: columns are matched by name, not position; a column only one side has
    /// is NULL in the other side's rows.
    public var byName: Bool
    public init(kind: Kind, all: Bool, byName: Bool = false) { self.kind = kind; self.all = all; self.byName = byName }
}

/// One `op query` step of a compound SELECT.
public struct SetOperation: Sendable, Hashable {
    public var op: SetOperator
    /// The right-hand query; its own ORDER BY and LIMIT only when it was written in parentheses.
    public var query: SelectStatement
    public init(op: SetOperator, query: SelectStatement) { self.op = op; self.query = query }
}

public indirect enum TableRef: Sendable, Hashable {
    /// `name [AS alias]`
    case table(name: String, alias: String?, position: SQLPosition)
    /// `(SELECT …) [AS] alias`
    case subquery(SelectStatement, alias: String?, position: SQLPosition)
    /// `left [INNER|{LEFT|RIGHT|FULL} [OUTER]|CROSS] JOIN right [ON condition | USING (columns)]`,
    /// or `left, right`; a cross join has neither condition.
    case join(TableRef, TableRef, kind: JoinKind, on: Expr?, using: [String], position: SQLPosition)
    /// A table function: `generate_series(…)`, `range(…)` `[AS] alias[(column)]`; name lower-cased.
    case function(name: String, args: [Expr], alias: String?, columnAliases: [String], position: SQLPosition)
}

/// How a join pairs rows: only matching pairs (`INNER`), those plus each unmatched left row with
/// NULLs (`LEFT`), or every row with every row (`CROSS`, and a comma).
public enum JoinKind: String, Sendable, Hashable {
    case inner = "INNER", left = "LEFT", right = "RIGHT", full = "FULL", cross = "CROSS"
}

extension TableRef {
    /// The name columns of this source are qualified by: its alias, else its table's name; for a
    /// join, that of its right-most source (what `USING` compares against).
    public var qualifier: String? {
        switch self {
        case .table(let name, let alias, _): alias ?? name
        case .subquery(_, let alias, _): alias
        case .join(_, let right, _, _, _, _): right.qualifier
        case .function(let name, _, let alias, _, _): alias ?? name
        }
    }
}

public enum SelectItem: Sendable, Hashable {
    /// `*` or `t.*`, with DuckDB's `EXCLUDE (a, b)` and `REPLACE (expr AS a)`.
    case star(qualifier: String?, modifiers: StarModifiers = StarModifiers(), position: SQLPosition)
    case expr(Expr, alias: String?)
}

/// What `* EXCLUDE (…) REPLACE (…)` leaves out of and swaps into the expanded columns.
public struct StarModifiers: Sendable, Hashable {
    public var exclude: [String] = []
    /// Expressions that take the place of the column of their name (keeping its position).
    public var replace: [(name: String, expr: Expr)] = []
    public init() {}

    public static func == (a: StarModifiers, b: StarModifiers) -> Bool {
        a.exclude == b.exclude && a.replace.map(\.name) == b.replace.map(\.name) && a.replace.map(\.expr) == b.replace.map(\.expr)
    }
    public func hash(into h: inout Hasher) {
        h.combine(exclude)
        for r in replace { h.combine(r.name); h.combine(r.expr) }
    }
}

public struct OrderItem: Sendable, Hashable {
    public var expr: Expr
    public var descending: Bool
    /// nil = default (DuckDB: NULLS LAST for both ASC and DESC).
    public var nullsFirst: Bool?
    public init(expr: Expr, descending: Bool = false, nullsFirst: Bool? = nil) {
        self.expr = expr; self.descending = descending; self.nullsFirst = nullsFirst
    }
}

/// `[ASC|DESC] [NULLS FIRST|LAST]` on its own, for `ORDER BY ALL`.
public struct SortDirection: Sendable, Hashable {
    /// `DESC` (false: `ASC`, the default).
    public var descending: Bool
    /// nil = default, as in ``OrderItem``.
    public var nullsFirst: Bool?
    /// A direction; the defaults are `ASC` with the default NULL placement.
    public init(descending: Bool = false, nullsFirst: Bool? = nil) { self.descending = descending; self.nullsFirst = nullsFirst }
}

public enum Literal: Sendable, Hashable {
    case null
    case bool(Bool)
    /// Integer literal that fits in Int64.
    case integer(Int64)
    /// Decimal or exponent literal, e.g. `1.5`, `2e3`.
    case decimal(Double)
    case string(String)
    /// `TIMESTAMP '…'`, `DATE '…'`, `INTERVAL '…'`, `JSON '…'`: a typed string literal.
    case typed(TypeName, String)
    /// `INTERVAL 7 DAY`, `INTERVAL '7' DAY`: quantity and unit (unit lower-cased, singular or plural as written).
    case interval(quantity: String, unit: String)
}

public enum BinaryOperator: String, Sendable, Hashable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
    /// `//`: DuckDB's integer division (truncating; on floating-point operands the same as `/`).
    case integerDivide = "//"
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case and = "AND", or = "OR"
    case concat = "||"
    /// `->` (JSON value) and `->>` (JSON text)
    case jsonGet = "->", jsonGetText = "->>"
    /// pgvector distance operators: `<->` L2, `<#>` negative inner product, `<=>` cosine.
    case l2Distance = "<->", negativeInnerProduct = "<#>", cosineDistance = "<=>"
}

public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-", plus = "+", not = "NOT"
}

public indirect enum Expr: Sendable, Hashable {
    case literal(Literal, SQLPosition)
    /// `col` or `t.col`
    case column(qualifier: String?, name: String, SQLPosition)
    /// `$1` (1-based) or `?` (numbered left to right from 1).
    case parameter(Int, SQLPosition)
    case unary(UnaryOperator, Expr, SQLPosition)
    case binary(BinaryOperator, Expr, Expr, SQLPosition)
    /// `f(args)`, `f(DISTINCT args)`, `count(*)` (star = true, args empty),
    /// `percentile_cont(0.5) WITHIN GROUP (ORDER BY x [DESC])` (withinGroup set),
    /// `agg(…) FILTER (WHERE cond)` (filter set). Name lower-cased.
    case function(name: String, args: [Expr], distinct: Bool, star: Bool, withinGroup: OrderItem?, filter: Expr?, SQLPosition)
    /// `CAST(e AS T)`, `e::T`, `TRY_CAST(e AS T)` (tryCast).
    case cast(Expr, TypeName, tryCast: Bool, SQLPosition)
    /// `e [NOT] IN (a, b, …)`
    case inList(Expr, [Expr], negated: Bool, SQLPosition)
    /// `e [NOT] IN (SELECT …)`
    case inSubquery(Expr, SelectStatement, negated: Bool, SQLPosition)
    /// `e [NOT] BETWEEN lo AND hi`
    case between(Expr, low: Expr, high: Expr, negated: Bool, SQLPosition)
    /// `e [NOT] LIKE p [ESCAPE c]`, `ILIKE` (caseInsensitive)
    case like(Expr, pattern: Expr, negated: Bool, caseInsensitive: Bool, escape: Expr?, SQLPosition)
    /// `e IS [NOT] NULL`
    case isNull(Expr, negated: Bool, SQLPosition)
    /// `CASE [operand] WHEN … THEN … [ELSE …] END`
    case caseWhen(operand: Expr?, branches: [CaseBranch], elseResult: Expr?, SQLPosition)
    /// `EXTRACT(field FROM e)`; field lower-cased.
    case extract(field: String, Expr, SQLPosition)
    /// `(SELECT …)` used as a value.
    case subquery(SelectStatement, SQLPosition)
    /// `EXISTS (SELECT …)`
    case exists(SelectStatement, SQLPosition)
    /// `[1.0, 2.0, …]` array literal (vectors).
    case array([Expr], SQLPosition)
    /// `f(args) OVER (PARTITION BY … ORDER BY … [frame])`: `function` is the `.function` call.
    case window(WindowCall, SQLPosition)
    /// DuckDB's `COLUMNS('regex')` (pattern set) or `COLUMNS(* [EXCLUDE (a, …)])` (pattern nil): each
    /// matching column of the FROM clause in turn. The planner repeats the SELECT item once per column
    /// (a WHERE condition: once per column, joined by AND); anywhere else it is an error.
    case columns(pattern: String?, exclude: [String], SQLPosition)

    public var position: SQLPosition {
        switch self {
        case .literal(_, let p), .column(_, _, let p), .parameter(_, let p), .unary(_, _, let p),
             .binary(_, _, _, let p), .function(_, _, _, _, _, _, let p), .cast(_, _, _, let p),
             .inList(_, _, _, let p), .inSubquery(_, _, _, let p), .between(_, _, _, _, let p),
             .like(_, _, _, _, _, let p), .isNull(_, _, let p), .caseWhen(_, _, _, let p),
             .extract(_, _, let p), .subquery(_, let p), .exists(_, let p), .array(_, let p), .window(_, let p),
             .columns(_, _, let p):
            p
        }
    }
}

/// The call and window of a window function.
public struct WindowCall: Sendable, Hashable {
    /// A `.function` expression (name, arguments; no WITHIN GROUP).
    public var function: Expr
    /// `PARTITION BY` expressions; empty: one partition of all rows.
    public var partitionBy: [Expr]
    /// `ORDER BY` within each partition; empty: no order (and the frame is the whole partition).
    public var orderBy: [OrderItem]
    /// nil: the default frame (the whole partition without ORDER BY, else up to the current row's last peer).
    public var frame: WindowFrame?
    /// `OVER w` or `OVER (w ORDER BY …)`: a window of the query's `WINDOW w AS (…)` clause this one
    /// builds on; the parser replaces it with what it names once the clause is read.
    public var base: String? = nil
    public init(function: Expr, partitionBy: [Expr], orderBy: [OrderItem], frame: WindowFrame?) {
        self.function = function; self.partitionBy = partitionBy; self.orderBy = orderBy; self.frame = frame
    }
}

/// `ROWS|RANGE BETWEEN start AND end` (or `ROWS|RANGE start`, which ends at the current row).
public struct WindowFrame: Sendable, Hashable {
    /// One end of a frame; `n` counts rows (ROWS), or is a distance in the ORDER BY key's units
    /// (RANGE), as the value forms are (`INTERVAL 1 HOUR PRECEDING`, `0.5 FOLLOWING`).
    public enum Bound: Sendable, Hashable {
        case unboundedPreceding, preceding(Int), currentRow, following(Int), unboundedFollowing
        case precedingValue(Expr), followingValue(Expr)
    }
    /// `ROWS` counts rows; `RANGE` (with these bounds) treats the current row's peers as one.
    public var rows: Bool
    public var start: Bound
    public var end: Bound
    public init(rows: Bool, start: Bound, end: Bound) { self.rows = rows; self.start = start; self.end = end }
}

public struct CaseBranch: Sendable, Hashable {
    public var condition: Expr
    public var result: Expr
    public init(condition: Expr, result: Expr) { self.condition = condition; self.result = result }
}
