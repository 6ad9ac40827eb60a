import CairnFormat
import CairnSQL
import CairnTables

/// `INSERT INTO t [(cols)] VALUES … | SELECT …`: converts rows to the table's column types and
/// appends them as one atomic commit.
struct Inserter {
    let session: Session
    let context: QueryContext

    func insert(_ ins: Insert) throws(CairnError) -> Int {
        let snapshot = session.engine.snapshot()
        guard let table = snapshot.table(ins.table) else {
            throw CairnError(.notFound, "table \"\(ins.table)\" does not exist",
                             location: SourceLocation(line: ins.position.line, column: ins.position.column))
        }
        let schema = table.schema
        // Target position of each supplied value.
        var targets: [Int] = []
        if let cols = ins.columns {
            for c in cols {
                guard let i = schema.columns.firstIndex(where: { $0.name.lowercased() == c.lowercased() }) else {
                    throw CairnError(.binder, "table \"\(schema.name)\" has no column \"\(c)\"",
                                     location: SourceLocation(line: ins.position.line, column: ins.position.column))
                }
                if targets.contains(i) {
                    throw CairnError(.binder, "column \"\(c)\" specified more than once",
                                     location: SourceLocation(line: ins.position.line, column: ins.position.column))
                }
                targets.append(i)
            }
        } else {
            targets = Array(schema.columns.indices)
        }

        var builders = schema.columns.map { VectorBuilder(type: $0.type) }
        var rowCount = 0
        switch ins.source {
        case .values(let rows):
            var binder = Binder(scope: .empty, context: context)
            for row in rows {
                guard row.count == targets.count else {
                    let p = row.first?.position ?? ins.position
                    throw CairnError(.binder, "INSERT has \(row.count) values but \(targets.count) target columns",
                                     location: SourceLocation(line: p.line, column: p.column))
                }
                var values = [Value](repeating: .null, count: schema.columns.count)
                for (k, e) in row.enumerated() {
                    let col = schema.columns[targets[k]]
                    let b = try binder.coerceForInsert(try binder.bind(e), to: col.type, column: col.name, e.position)
                    values[targets[k]] = b
                }
                try append(values, &builders, schema, row: rowCount + 1)
                rowCount += 1
            }
        case .select(let sel):
            let plan = try Planner(snapshot: snapshot, context: context).plan(sel)
            let result = try Executor(context: context).run(plan).result
            guard result.columns.count == targets.count else {
                throw CairnError(.binder, "INSERT has \(result.columns.count) expressions but \(targets.count) target columns",
                                 location: SourceLocation(line: ins.position.line, column: ins.position.column))
            }
            let n = result.columns.first?.count ?? 0
            for r in 0..<n {
                var values = [Value](repeating: .null, count: schema.columns.count)
                for k in 0..<targets.count {
                    let col = schema.columns[targets[k]]
                    values[targets[k]] = try Casts.castConstant(result.columns[k][r], from: result.types[k], to: col.type)
                }
                try append(values, &builders, schema, row: rowCount + 1)
                rowCount += 1
            }
        }
        if rowCount > 0 {
            try session.engine.append(table: schema.name, columns: builders.map { $0.finish() })
        }
        return rowCount
    }

    private func append(_ values: [Value], _ builders: inout [VectorBuilder], _ schema: TableSchema, row: Int) throws(CairnError) {
        for (i, v) in values.enumerated() {
            if v.isNull && schema.columns[i].notNull {
                throw CairnError(.constraint, "NULL value in column \"\(schema.columns[i].name)\" violates NOT NULL constraint")
            }
            if case .vector(let f) = v {
                do { try Casts.checkDimension(f, schema.columns[i].dimension) } catch {
                    throw CairnError(.type, "row \(row), column \"\(schema.columns[i].name)\": \(error.message)")
                }
            }
            builders[i].append(v)
        }
    }
}

extension Binder {
    /// Converts a bound constant to a column's type for INSERT, naming the column on failure.
    func coerceForInsert(_ b: BoundExpr, to t: ColumnType, column: String, _ p: SQLPosition) throws(CairnError) -> Value {
        // A volatile function of constants (`uuid()`, `random()`) is computed for its row.
        var value = b
        if !b.isConstant, !b.readsInput { value = .constant(try Evaluator(context: context).evaluateConstant(b), b.type) }
        guard case .constant(let v, let vt) = value else {
            throw CairnError(.binder, "INSERT values must be constants", location: SourceLocation(line: p.line, column: p.column))
        }
        do {
            return try Casts.castConstant(v, from: vt, to: t)
        } catch {
            throw CairnError(.type, "column \"\(column)\": \(error.message)", location: SourceLocation(line: p.line, column: p.column))
        }
    }
}
