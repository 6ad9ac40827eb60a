import CairnFormat
import CairnSQL
import CairnTables
import CairnVector
import Foundation
import Synchronization

/// Executes SQL text against an ``Engine``: parses, dispatches each statement, and returns the
/// last statement's result. One `Session` serves many tasks; each statement takes its own snapshot.
package final class Session: Sendable {
    package let engine: Engine
    private let settings = Mutex<[String: Value]>([:])
    /// Flags of the statements running now, so `interrupt()` reaches each of them.
    private let running = Mutex<[ObjectIdentifier: CancelFlag]>([:])
    /// Source of `now()`; injectable for tests.
    private let clock: @Sendable () -> Int64
    /// The parsed candidate queries of vector searches from the Swift API, by request shape: a
    /// service asks the same few shapes over and over, and parsing cost 8% of a small search.
    let nearestStatements = Mutex<[NearestRequest.Shape: SelectStatement]>([:])

    package init(engine: Engine, clock: @escaping @Sendable () -> Int64 = Session.wallClock) {
        self.engine = engine
        self.clock = clock
        engine.installExpiryBinder(RetentionFilter.expiryBinder)
    }

    package static let wallClock: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// Makes the statements running now fail with `.cancelled` at their next batch boundary.
    package func interrupt() {
        running.withLock { for flag in $0.values { flag.set(true) } }
    }

    /// Runs `sql`; `probes` overrides `SET ivfflat.probes` for these statements.
    package func execute(_ sql: String, _ parameters: [Value], probes: Int? = nil,
                         progress: (@Sendable (Double) -> Void)? = nil) throws(CairnError) -> MaterializedResult {
        let statements: [Statement]
        do {
            statements = try SQLParser.parse(sql)
        } catch {
            throw CairnError(.syntax, error.message, location: SourceLocation(line: error.position.line, column: error.position.column))
        }
        let flag = CancelFlag()
        running.withLock { $0[ObjectIdentifier(flag)] = flag }
        defer { _ = running.withLock { $0.removeValue(forKey: ObjectIdentifier(flag)) } }
        var last = MaterializedResult(names: [], types: [], columns: [])
        for s in statements {
            do {
                last = try run(s, parameters, probes: probes, flag: flag, progress: progress)
            } catch where engine.readOnly && error.code == .notFound && error.file != nil {
                // The writer compacted away a file this read-only snapshot named: run again on the new state.
                last = try run(s, parameters, probes: probes, flag: flag, progress: progress)
            }
        }
        return last
    }

    /// The context of one statement: its parameters, `now()`, cancel flag, and one snapshot that
    /// the statement and its subqueries all read.
    func makeContext(_ parameters: [Value], _ flag: CancelFlag, _ snapshot: Snapshot, probes: Int?) -> QueryContext {
        let now = clock()
        let cancel: @Sendable () -> Bool = { flag.isSet }
        let probes = probes ?? settings.withLock { s in if case .int(let p)? = s["ivfflat.probes"] { Int(p) } else { nil } }
        // Each subquery runs with a context whose own subqueries go one level deeper.
        @Sendable func context(depth: Int) -> QueryContext {
            var context = QueryContext(parameters: parameters, now: now, isCancelled: cancel, runSubquery: { sub, values, nullTypes throws(CairnError) in
                guard depth < Self.maximumSubqueryDepth else {
                    throw CairnError(.unsupported, "subqueries nest too deeply (more than \(Self.maximumSubqueryDepth) levels)")
                }
                var inner = context(depth: depth + 1)
                inner.parameters = values
                inner.nullParameterTypes = nullTypes
                let plan = try Planner(snapshot: snapshot, context: inner).plan(sub)
                return try Executor(context: inner).run(plan).result
            })
            context.ivfProbes = probes
            return context
        }
        return context(depth: 0)
    }

    /// Scalar, IN and EXISTS subqueries inside one another, at most (each level holds a stack of binder and planner frames).
    static let maximumSubqueryDepth = 32

    private func run(_ s: Statement, _ parameters: [Value], probes: Int?, flag: CancelFlag,
                     progress: (@Sendable (Double) -> Void)?) throws(CairnError) -> MaterializedResult {
        let snapshot = engine.snapshot()
        let context = makeContext(parameters, flag, snapshot, probes: probes)
        switch s {
        case .select(let sel):
            let plan = try Planner(snapshot: snapshot, context: context).plan(sel)
            return try Executor(context: context, workerCount: threads, progress: progress).run(plan).result
        case .describe(.table(let name, let p)):
            guard let t = snapshot.table(name) else {
                throw CairnError(.notFound, "table \"\(name)\" does not exist", location: SourceLocation(line: p.line, column: p.column))
            }
            return describe(t.schema.columns.map { ($0.name, $0.typeName, !$0.notNull) })
        case .describe(.query(let sel)):
            let plan = try Planner(snapshot: snapshot, context: context).plan(sel)
            return describe(zip(plan.names, plan.types).map { ($0, $1.description, true) })
        case .showTables:
            let names = snapshot.tableNames
            return MaterializedResult(names: ["name"], types: [.varchar], columns: [names.map { .string($0) }])
        case .explain(let sel, let analyze):
            let plan = try Planner(snapshot: snapshot, context: context).plan(sel)
            var stats: ExecutionStats?
            if analyze { stats = try Executor(context: context, workerCount: threads).run(plan).stats }
            let lines = try Explain.render(plan, stats: stats, analyzed: analyze)
            return MaterializedResult(names: ["plan"], types: [.varchar], columns: [lines.map { .string($0) }])
        case .createTable(let ct):
            let schema = try tableSchema(ct)
            _ = try engine.createTable(schema, ifNotExists: ct.ifNotExists)
            return MaterializedResult(names: [], types: [], columns: [])
        case .dropTable(let name, let ifExists, _):
            _ = try engine.dropTable(name, ifExists: ifExists)
            return MaterializedResult(names: [], types: [], columns: [])
        case .alterTableAddColumn(let table, let col, let ifNotExists, let p):
            guard engine.snapshot().table(table) != nil else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist", location: SourceLocation(line: p.line, column: p.column))
            }
            let (type, dimension) = try columnType(col.type)
            if col.defaultValue != nil {
                throw CairnError(.unsupported, "DEFAULT values are not supported",
                                 location: SourceLocation(line: col.position.line, column: col.position.column))
            }
            if col.notNull || col.primaryKey {
                throw CairnError(.constraint, "cannot add NOT NULL column \"\(col.name)\": existing rows would be NULL",
                                 location: SourceLocation(line: col.position.line, column: col.position.column))
            }
            try engine.addColumn(table: table, name: col.name, type: type, dimension: dimension, notNull: false,
                                 ifNotExists: ifNotExists)
            return MaterializedResult(names: [], types: [], columns: [])
        case .insert(let ins):
            let n = try Inserter(session: self, context: context).insert(ins)
            return MaterializedResult(names: ["Count"], types: [.bigint], columns: [[.int(Int64(n))]], rowsAffected: n)
        case .copy(let c):
            let n = try CopyLoader(engine: engine, isCancelled: context.isCancelled, progress: progress).copy(c)
            return MaterializedResult(names: ["Count"], types: [.bigint], columns: [[.int(Int64(n))]], rowsAffected: n)
        case .set(let name, let valueExpr, let p):
            var binder = Binder(scope: .empty, context: context)
            guard case .constant(let v, _) = try binder.bind(valueExpr) else {
                throw CairnError(.binder, "SET value must be a constant", location: SourceLocation(line: p.line, column: p.column))
            }
            let key = name.lowercased()
            switch key {
            case "threads", "worker_threads":
                guard case .int(let t) = v, t >= 1 else {
                    throw CairnError(.binder, "threads must be a positive integer", location: SourceLocation(line: p.line, column: p.column))
                }
            case "ivfflat.probes":
                guard case .int(let n) = v, n >= 1 else {
                    throw CairnError(.binder, "ivfflat.probes must be a positive integer", location: SourceLocation(line: p.line, column: p.column))
                }
            case "timezone", "time zone":
                guard case .string(let tz) = v, ["utc", "gmt", "etc/utc"].contains(tz.lowercased()) else {
                    throw CairnError(.unsupported, "only the UTC time zone is supported", location: SourceLocation(line: p.line, column: p.column))
                }
            default:
                throw CairnError(.binder, "unrecognized configuration parameter \"\(name)\"",
                                 location: SourceLocation(line: p.line, column: p.column))
            }
            settings.withLock { $0[key] = v }
            return MaterializedResult(names: [], types: [], columns: [])
        case .checkpoint:
            try engine.checkpoint()
            return MaterializedResult(names: [], types: [], columns: [])
        case .createIndex(let ci):
            try createIndex(ci, context, progress: progress)
            return MaterializedResult(names: [], types: [], columns: [])
        case .dropIndex(let name, let ifExists, let p):
            do { _ = try engine.dropVectorIndex(name, ifExists: ifExists) } catch { throw error.at(line: p.line, column: p.column) }
            return MaterializedResult(names: [], types: [], columns: [])
        case .reindex(let name, let p):
            do { try engine.reindex(name, progress: progress) } catch { throw error.at(line: p.line, column: p.column) }
            return MaterializedResult(names: [], types: [], columns: [])
        case .delete(let table, let condition, let p):
            guard let t = snapshot.table(table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist", location: SourceLocation(line: p.line, column: p.column))
            }
            // Only visible rows count: expired ones are already gone as far as queries can tell.
            let conditions = [condition, try RetentionFilter.visible(t.schema, now: context.now)].compactMap { $0 }
            let predicate = try conditions.first.map { (first: Expr) throws(CairnError) -> RowPredicate in
                let all = conditions.dropFirst().reduce(first) { .binary(.and, $0, $1, p) }
                return try RetentionFilter.rowPredicate(all, schema: t.schema, context: context)
            }
            let n = try engine.delete(table: t.schema.name, where: predicate)
            return MaterializedResult(names: ["Count"], types: [.bigint], columns: [[.int(Int64(n))]], rowsAffected: n)
        case .alterTableRetention(let table, let clause, let p):
            guard let t = snapshot.table(table) else {
                throw CairnError(.notFound, "table \"\(table)\" does not exist", location: SourceLocation(line: p.line, column: p.column))
            }
            let policy = try clause.map { (c: RetentionClause) throws(CairnError) -> RetentionPolicy in
                try retentionPolicy(c, schema: t.schema, RetentionFilter.context(now: clock()))
            }
            try engine.setRetention(table: t.schema.name, policy)
            return MaterializedResult(names: [], types: [], columns: [])
        case .vacuum(let table, let p):
            let report: CompactionReport
            do { report = try engine.compact(table: table, mode: .purge, now: context.now) } catch { throw error.at(line: p.line, column: p.column) }
            return Self.compactionResult(report)
        case .compact(let table, let p):
            let report: CompactionReport
            do { report = try engine.compact(table: table, mode: .full, now: context.now) } catch { throw error.at(line: p.line, column: p.column) }
            return Self.compactionResult(report)
        case .backup(let target, let p):
            let report: BackupReport
            do { report = try engine.backup(to: target) } catch { throw error.at(line: p.line, column: p.column) }
            return MaterializedResult(names: ["files", "bytes", "linked"], types: [.bigint, .bigint, .bigint],
                                      columns: [[.int(Int64(report.files))], [.int(Int64(report.bytes))], [.int(Int64(report.linked))]])
        case .check:
            let report = engine.check()
            guard !report.problems.isEmpty else {
                return MaterializedResult(names: ["status", "file", "detail"], types: [.varchar, .varchar, .varchar],
                                          columns: [[.string("ok")], [.null],
                                                    [.string("\(report.filesChecked) files and \(report.blocksChecked) blocks verified")]])
            }
            return MaterializedResult(names: ["status", "file", "detail"], types: [.varchar, .varchar, .varchar],
                                      columns: [report.problems.map { _ in .string("error") }, report.problems.map { .string($0.file) },
                                                report.problems.map { .string($0.message) }])
        }
    }

    private static func compactionResult(_ r: CompactionReport) -> MaterializedResult {
        let names = ["partitions_dropped", "partitions_rewritten", "segments_removed", "segments_written", "rows_purged"]
        let values = [r.partitionsDropped, r.partitionsRewritten, r.segmentsRemoved, r.segmentsWritten, r.rowsPurged]
        return MaterializedResult(names: names, types: names.map { _ in .bigint }, columns: values.map { [.int(Int64($0))] })
    }

    /// Binds a RETENTION clause: constant positive intervals, and predicates that are boolean over the table.
    private func retentionPolicy(_ clause: RetentionClause, schema: TableSchema, _ context: QueryContext) throws(CairnError) -> RetentionPolicy {
        guard schema.retentionColumnIndex != nil else {
            throw CairnError(.binder, "RETENTION needs a DATE or TIMESTAMP column in table \"\(schema.name)\" to measure age by",
                             location: SourceLocation(line: clause.position.line, column: clause.position.column))
        }
        func interval(_ e: Expr) throws(CairnError) -> RetentionInterval {
            var binder = Binder(scope: .empty, context: context)
            guard case .constant(.interval(let m, let d, let us), _) = try binder.bind(e), m >= 0, d >= 0, us >= 0, m > 0 || d > 0 || us > 0 else {
                throw CairnError(.binder, "RETENTION takes a positive constant interval such as INTERVAL '90 days'",
                                 location: SourceLocation(line: e.position.line, column: e.position.column))
            }
            return RetentionInterval(months: m, days: d, micros: us)
        }
        var rules: [RetentionRule] = []
        for rule in clause.rules {
            var binder = Binder(scope: Scope(table: schema), context: context)
            _ = try binder.coerce(try binder.bind(rule.predicate), to: .boolean, rule.predicate.position)
            rules.append(RetentionRule(interval: try interval(rule.interval), predicate: rule.predicateText))
        }
        return RetentionPolicy(interval: try clause.interval.map { (e: Expr) throws(CairnError) in try interval(e) }, rules: rules)
    }

    /// `CREATE INDEX … USING ivfflat (column opclass) WITH (lists = n)`; pgvector's defaults:
    /// `vector_l2_ops` and 100 lists. Extra options: `iterations` and `training_rows` (k-means).
    private func createIndex(_ ci: CreateIndex, _ context: QueryContext,
                             progress: (@Sendable (Double) -> Void)?) throws(CairnError) {
        let p = ci.position
        guard ci.method == "ivfflat" else {
            throw CairnError(.unsupported, "index method \"\(ci.method)\" is not supported (use ivfflat)", location: SourceLocation(line: p.line, column: p.column))
        }
        let opclass = ci.opclass ?? VectorMetric.l2.opclass
        guard let metric = VectorMetric(opclass: opclass) else {
            throw CairnError(.binder, "unknown operator class \"\(opclass)\" for ivfflat (use vector_l2_ops, vector_ip_ops or vector_cosine_ops)",
                             location: SourceLocation(line: p.line, column: p.column))
        }
        var options = VectorIndexOptions(lists: 100)
        var binder = Binder(scope: .empty, context: context)
        for (key, expr) in ci.options {
            let at = SourceLocation(line: expr.position.line, column: expr.position.column)
            let value = try binder.bind(expr)
            if key == "quantization" {
                guard case .constant(.string(let text), _) = value, ["sq8", "none"].contains(text.lowercased()) else {
                    throw CairnError(.binder, "index option \"quantization\" must be 'sq8' or 'none'", location: at)
                }
                options.quantization = text.lowercased() == "sq8" ? .sq8 : nil
                continue
            }
            guard case .constant(.int(let n), _) = value, n >= 1, n <= Int64(Int32.max) else {
                throw CairnError(.binder, "index option \"\(key)\" must be a positive integer", location: at)
            }
            switch key {
            case "lists": options.lists = Int(n)
            case "iterations": options.iterations = Int(n)
            case "training_rows": options.maxTrainingRows = Int(n)
            default:
                throw CairnError(.binder, "unrecognized parameter \"\(key)\" (ivfflat takes lists, iterations, training_rows, quantization)",
                                 location: at)
            }
        }
        let name = ci.name ?? "\(ci.table)_\(ci.column)_idx"
        if ci.ifNotExists, engine.snapshot().tables.contains(where: { $0.schema.indexes.contains { $0.name.lowercased() == name.lowercased() } }) {
            return
        }
        do {
            try engine.createVectorIndex(table: ci.table, name: name, column: ci.column, metric: metric, options: options, progress: progress)
        } catch {
            throw error.at(line: p.line, column: p.column)
        }
    }

    var threads: Int {
        settings.withLock { s in
            if case .int(let t)? = s["threads"] ?? s["worker_threads"] { return Int(t) }
            return Executor.defaultWorkers
        }
    }

    // MARK: - DDL helpers

    /// A column's storage type and, for VECTOR(n), its dimension.
    private func columnType(_ tn: TypeName) throws(CairnError) -> (ColumnType, dimension: Int?) {
        let at = SourceLocation(line: tn.position.line, column: tn.position.column)
        guard let t = ColumnType(sqlName: tn.name), t != .interval else {
            throw CairnError(.binder, "unknown column type \"\(tn.name)\"", location: at)
        }
        guard t == .vector else { return (t, nil) }
        guard tn.parameters.count == 1, let d = tn.parameters.first, (1...VectorText.maxDimension).contains(d) else {
            throw CairnError(.type, "VECTOR needs one dimension between 1 and \(VectorText.maxDimension), e.g. VECTOR(1536)",
                             location: at)
        }
        return (t, d)
    }

    private func tableSchema(_ ct: CreateTable) throws(CairnError) -> TableSchema {
        guard !ct.columns.isEmpty else {
            throw CairnError(.binder, "a table needs at least one column", location: SourceLocation(line: ct.position.line, column: ct.position.column))
        }
        if let option = ct.options.keys.sorted().first {
            throw CairnError(.unsupported, "unknown table option \"\(option)\" (CREATE TABLE … WITH takes none)",
                             location: SourceLocation(line: ct.position.line, column: ct.position.column))
        }
        var columns: [ColumnSchema] = []
        var seen = Set<String>()
        for (i, c) in ct.columns.enumerated() {
            guard seen.insert(c.name.lowercased()).inserted else {
                throw CairnError(.binder, "column \"\(c.name)\" specified more than once",
                                 location: SourceLocation(line: c.position.line, column: c.position.column))
            }
            if c.defaultValue != nil {
                throw CairnError(.unsupported, "DEFAULT values are not supported",
                                 location: SourceLocation(line: c.position.line, column: c.position.column))
            }
            let (type, dimension) = try columnType(c.type)
            columns.append(ColumnSchema(id: UInt32(i), name: c.name, type: type, notNull: c.notNull || c.primaryKey,
                                        dimension: dimension))
        }
        var partition: PartitionSpec?
        if let fn = ct.partitionFunction, let col = ct.partitionColumn {
            guard let c = columns.first(where: { $0.name.lowercased() == col.lowercased() }) else {
                throw CairnError(.binder, "partition column \"\(col)\" is not a column of \"\(ct.name)\"",
                                 location: SourceLocation(line: ct.position.line, column: ct.position.column))
            }
            guard c.type.isTemporal else {
                throw CairnError(.binder, "partition column \"\(col)\" must be a DATE or TIMESTAMP, not \(c.type)",
                                 location: SourceLocation(line: ct.position.line, column: ct.position.column))
            }
            let granularity: PartitionSpec.Granularity
            switch fn.lowercased() {
            case "day", "days", "date", "toyyyymmdd": granularity = .day
            case "month", "months", "toyyyymm": granularity = .month
            default:
                throw CairnError(.binder, "PARTITION BY supports day(column) or month(column), not \(fn)",
                                 location: SourceLocation(line: ct.position.line, column: ct.position.column))
            }
            partition = PartitionSpec(column: c.name, granularity: granularity)
        }
        var schema = TableSchema(name: ct.name, columns: columns, partition: partition)
        for key in ct.sortKey {
            guard let c = columns.first(where: { $0.name.lowercased() == key.lowercased() }) else {
                throw CairnError(.binder, "ORDER BY column \"\(key)\" is not a column of \"\(ct.name)\"",
                                 location: SourceLocation(line: ct.position.line, column: ct.position.column))
            }
            guard c.type != .vector else {
                throw CairnError(.binder, "cannot sort a table by VECTOR column \"\(c.name)\"",
                                 location: SourceLocation(line: ct.position.line, column: ct.position.column))
            }
            schema.sortKey.append(c.name)
        }
        if let clause = ct.retention {
            schema.retention = try retentionPolicy(clause, schema: schema, RetentionFilter.context(now: clock()))
        }
        return schema
    }

    /// DuckDB's `DESCRIBE` columns for `columns` (name, type name, nullable); key, default and extra are always NULL.
    private func describe(_ columns: [(name: String, type: String, nullable: Bool)]) -> MaterializedResult {
        let names = ["column_name", "column_type", "null", "key", "default", "extra"]
        let nulls = [Value](repeating: .null, count: columns.count)
        return MaterializedResult(names: names, types: [ColumnType](repeating: .varchar, count: names.count),
                                  columns: [columns.map { .string($0.name) }, columns.map { .string($0.type) },
                                            columns.map { .string($0.nullable ? "YES" : "NO") }, nulls, nulls, nulls])
    }

    /// The `CREATE TABLE` statement of a table and the `CREATE INDEX` statements of its indexes, as `.schema` prints them.
    package func tableDefinition(_ name: String) -> String? {
        guard let t = engine.snapshot().table(name) else { return nil }
        let cols = t.schema.columns.map { "    \($0.name) \($0.typeName)\($0.notNull ? " NOT NULL" : "")" }
        var s = "CREATE TABLE \(t.schema.name) (\n" + cols.joined(separator: ",\n") + "\n)"
        if let p = t.schema.partition { s += " PARTITION BY \(p.granularity == .day ? "day" : "month")(\(p.column))" }
        if !t.schema.sortKey.isEmpty { s += " ORDER BY (\(t.schema.sortKey.joined(separator: ", ")))" }
        if let r = t.schema.retention { s += " " + r.sql }
        s += ";"
        for index in t.schema.indexes {
            guard let column = t.schema.columns.first(where: { $0.id == index.columnID }) else { continue }
            var options = ["lists = \(index.lists)"]
            if let n = index.iterations { options.append("iterations = \(n)") }
            if let n = index.trainingRows { options.append("training_rows = \(n)") }
            if let q = index.quantization { options.append("quantization = '\(q.rawValue)'") }
            s += "\nCREATE INDEX \(index.name) ON \(t.schema.name) USING ivfflat (\(column.name) \(index.metric.opclass))"
                + " WITH (\(options.joined(separator: ", ")));"
        }
        return s
    }
}

/// A flag shared between a statement and whoever may interrupt it.
final class CancelFlag: Sendable {
    private let value = Mutex<Bool>(false)
    func set(_ v: Bool) { value.withLock { $0 = v } }
    var isSet: Bool { value.withLock { $0 } }
}
