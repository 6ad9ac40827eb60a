import CairnSQL
import Testing

@Suite struct StatementTests {
    private func select(_ sql: String) throws -> SelectStatement {
        guard case .select(let select) = try parseOne(sql) else {
            Issue.record("not a SELECT: \(sql)")
            throw SQLSyntaxError("not a SELECT", at: pos(0, 0, 0))
        }
        return select
    }

    private func itemTexts(_ select: SelectStatement) -> [String] {
        select.items.map { item in
            switch item {
            case .star(let qualifier, _, _): (qualifier.map { $0 + "." } ?? "") + "*"
            case .expr(let expr, let alias): render(expr) + (alias.map { " AS " + $0 } ?? "")
            }
        }
    }

    @Test func fullSelect() throws {
        let s = try select("""
            SELECT DISTINCT level, count(*) AS n FROM logs AS l
            WHERE ts >= now() - INTERVAL 7 DAY AND msg LIKE '%x%'
            GROUP BY level HAVING count(*) > 10
            ORDER BY n DESC NULLS LAST, level ASC, 1 NULLS FIRST
            LIMIT 10 OFFSET 5
            """)
        #expect(s.distinct)
        #expect(itemTexts(s) == ["level", "count(*) AS n"])
        #expect(s.from == .table(name: "logs", alias: "l", position: pos(1, 43, 42)))
        #expect(s.whereClause.map(render) == "(AND (>= ts (- now() INTERVAL(7 day))) (LIKE msg '%x%'))")
        #expect(s.groupBy.map(render) == ["level"])
        #expect(s.having.map(render) == "(> count(*) 10)")
        #expect(s.orderBy.map(render) == ["n DESC NULLS LAST", "level", "1 NULLS FIRST"])
        #expect(s.limit.map(render) == "10")
        #expect(s.offset.map(render) == "5")
        #expect(s.position == pos(1, 1, 0))
    }

    @Test func groupByAllOrderByAllAndAggregateFilters() throws {
        let s = try select("SELECT a, count(*) FILTER (WHERE b > 1) AS n, sum(c) filter (where c IS NOT NULL) FROM t GROUP BY ALL ORDER BY ALL DESC NULLS FIRST")
        #expect(itemTexts(s) == ["a", "count(*) FILTER (> b 1) AS n", "sum(c) FILTER (IS NOT NULL c)"])
        #expect(s.groupByAll && s.groupBy.isEmpty)
        #expect(s.orderByAll == SortDirection(descending: true, nullsFirst: true) && s.orderBy.isEmpty)
        let plain = try select("SELECT a FROM t GROUP BY a ORDER BY a")
        #expect(!plain.groupByAll && plain.orderByAll == nil)
        // `filter` stays usable as a name when no parenthesis follows it.
        #expect(itemTexts(try select("SELECT count(x) filter FROM t")) == ["count(x) AS filter"])
    }

    @Test func minimalSelectTree() throws {
        #expect(try parseOne("SELECT 1") == .select(SelectStatement(
            items: [.expr(.literal(.integer(1), pos(1, 8, 7)), alias: nil)], position: pos(1, 1, 0))))
    }

    @Test func offsetBeforeLimitAndLimitAll() throws {
        let s = try select("SELECT * FROM t OFFSET 3 ROWS LIMIT 2")
        #expect(s.limit.map(render) == "2")
        #expect(s.offset.map(render) == "3")
        let all = try select("SELECT * FROM t LIMIT ALL")
        #expect(all.limit == nil)
    }

    @Test func starsAndAliases() throws {
        let s = try select("SELECT *, t.*, \"Q\".*, a b, a + 1 \"Total\", x AS from, y AS \"Y\" FROM t")
        #expect(itemTexts(s) == ["*", "t.*", "Q.*", "a AS b", "(+ a 1) AS Total", "x AS from", "y AS Y"])
        #expect(s.items[1] == .star(qualifier: "t", position: pos(1, 11, 10)))
    }

    @Test func fromSubqueryAndTableAliases() throws {
        let s = try select("SELECT x FROM (SELECT a AS x FROM t WHERE a > 1) AS sub WHERE x < 5")
        guard case .subquery(let inner, let alias, let position) = s.from else {
            Issue.record("expected a subquery")
            return
        }
        #expect(alias == "sub")
        #expect(position == pos(1, 15, 14))
        #expect(inner.whereClause.map(render) == "(> a 1)")
        guard case .subquery(_, let bareAlias, _) = try select("SELECT 1 FROM (SELECT 1) s").from else {
            Issue.record("expected a subquery")
            return
        }
        #expect(bareAlias == "s")
        #expect(try select("SELECT * FROM t x").from == .table(name: "t", alias: "x", position: pos(1, 15, 14)))
        #expect(try select("SELECT * FROM \"Logs\"").from == .table(name: "Logs", alias: nil, position: pos(1, 15, 14)))
    }

    @Test func duckDBSelectForms() throws {
        // * EXCLUDE / REPLACE
        guard case .star(nil, let m, _) = try select("SELECT * EXCLUDE (a, \"B\") REPLACE (a + 1 AS c) FROM t").items[0] else {
            Issue.record("expected a star")
            return
        }
        #expect(m.exclude == ["a", "B"])
        #expect(m.replace.map(\.name) == ["c"] && m.replace.map { render($0.expr) } == ["(+ a 1)"])
        guard case .star("t", let single, _) = try select("SELECT t.* EXCLUDE a FROM t").items[0] else {
            Issue.record("expected t.*")
            return
        }
        #expect(single.exclude == ["a"])
        // `//` is one operator; `/ /` is a syntax error.
        #expect(itemTexts(try select("SELECT a // 2")) == ["(// a 2)"])
        #expect(throws: SQLSyntaxError.self) { try parseOne("SELECT a / / 2") }
        // EXISTS, = ANY and <> ALL
        #expect(render(try select("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t)").whereClause!) == "(NOT EXISTS(SUBQUERY))")
        guard case .inSubquery(_, _, let negated, _)? = try select("SELECT 1 WHERE a <> ALL (SELECT b FROM t)").whereClause else {
            Issue.record("expected NOT IN")
            return
        }
        #expect(negated)
        #expect(throws: SQLSyntaxError.self) { try parseOne("SELECT 1 WHERE a < ANY (SELECT b FROM t)") }
        // RIGHT / FULL joins and table functions
        guard case .join(_, let right, .full, _, _, _)? = try select("SELECT 1 FROM t FULL OUTER JOIN range(3) AS r(i) ON t.a = r.i").from,
              case .function("range", let args, "r", ["i"], _) = right else {
            Issue.record("expected a FULL join to range(3)")
            return
        }
        #expect(args.map(render) == ["3"])
        guard case .join(_, _, .right, _, let using, _)? = try select("SELECT 1 FROM t RIGHT JOIN u USING (a)").from else {
            Issue.record("expected a RIGHT join")
            return
        }
        #expect(throws: SQLSyntaxError.self) { try parseOne("SELECT 1 FROM t NATURAL JOIN u") }
    }

    @Test func selectWithoutFrom() throws {
        let s = try select("select 1 + 1, 'a'")
        #expect(s.from == nil)
        #expect(itemTexts(s) == ["(+ 1 1)", "'a'"])
    }

    @Test func createTableTree() throws {
        let sql = """
            CREATE TABLE IF NOT EXISTS events (
              id BIGINT PRIMARY KEY,
              ts TIMESTAMP WITH TIME ZONE NOT NULL,
              msg VARCHAR(255) DEFAULT 'none' NULL,
              score DOUBLE PRECISION,
              embedding VECTOR(1536),
              amount DECIMAL(10, 2) NOT NULL DEFAULT 0
            ) PARTITION BY day(ts) WITH (ttl = '30 days', compression = zstd, Level = 3, Flag)
            """
        guard case .createTable(let table) = try parseOne(sql) else {
            Issue.record("not CREATE TABLE")
            return
        }
        #expect(table.name == "events")
        #expect(table.ifNotExists)
        #expect(table.position == pos(1, 28, 27))
        #expect(table.columns[0] == ColumnDefinition(
            name: "id", type: TypeName(name: "BIGINT", position: pos(2, 6, 41)), primaryKey: true, position: pos(2, 3, 38)))
        #expect(table.columns.map(\.name) == ["id", "ts", "msg", "score", "embedding", "amount"])
        #expect(table.columns.map { render($0.type) }
            == ["BIGINT", "TIMESTAMP WITH TIME ZONE", "VARCHAR(255)", "DOUBLE PRECISION", "VECTOR(1536)", "DECIMAL(10,2)"])
        #expect(table.columns.map(\.notNull) == [false, true, false, false, false, true])
        #expect(table.columns.map { $0.defaultValue.map(render) } == [nil, nil, "'none'", nil, nil, "0"])
        #expect(table.partitionFunction == "day")
        #expect(table.partitionColumn == "ts")
        #expect(table.options.mapValues(render)
            == ["ttl": "'30 days'", "compression": "'zstd'", "level": "3", "flag": "TRUE"])
    }

    @Test func createTableVariants() throws {
        guard case .createTable(let table) = try parseOne(
            "create table t (a int, \"B\" text, date date, PRIMARY KEY (a)) partition by month(date)") else {
            Issue.record("not CREATE TABLE")
            return
        }
        #expect(!table.ifNotExists)
        #expect(table.columns.map(\.name) == ["a", "B", "date"])
        #expect(table.columns.map(\.primaryKey) == [true, false, false])
        #expect(table.partitionFunction == "month")
        #expect(table.options.isEmpty)
    }

    @Test func dropAndAlter() throws {
        #expect(try parseOne("DROP TABLE IF EXISTS t") == .dropTable(name: "t", ifExists: true, position: pos(1, 22, 21)))
        #expect(try parseOne("drop table T") == .dropTable(name: "t", ifExists: false, position: pos(1, 12, 11)))
        let column = ColumnDefinition(name: "c", type: TypeName(name: "TEXT", position: pos(1, 42, 41)),
                                      notNull: true, position: pos(1, 40, 39))
        #expect(try parseOne("ALTER TABLE t ADD COLUMN IF NOT EXISTS c TEXT NOT NULL")
            == .alterTableAddColumn(table: "t", column: column, ifNotExists: true, position: pos(1, 13, 12)))
        guard case .alterTableAddColumn(_, let bare, false, _) = try parseOne("ALTER TABLE t ADD n INT") else {
            Issue.record("not ALTER TABLE")
            return
        }
        #expect(bare.name == "n" && !bare.notNull)
    }

    @Test func insertValues() throws {
        let expected = Statement.insert(Insert(
            table: "t", columns: ["a", "b"],
            source: .values([
                [.literal(.integer(1), pos(1, 30, 29)), .literal(.string("x"), pos(1, 33, 32))],
                [.literal(.integer(-2), pos(1, 40, 39)), .literal(.null, pos(1, 44, 43))],
            ]),
            position: pos(1, 13, 12)))
        #expect(try parseOne("INSERT INTO t (a, b) VALUES (1, 'x'), (-2, NULL);") == expected)
    }

    @Test func insertSelect() throws {
        guard case .insert(let insert) = try parseOne("INSERT INTO t SELECT a FROM u WHERE a > 0"),
              case .select(let query) = insert.source else {
            Issue.record("not INSERT … SELECT")
            return
        }
        #expect(insert.columns == nil)
        #expect(query.whereClause.map(render) == "(> a 0)")
        guard case .insert(let withColumns) = try parseOne("INSERT INTO t (x) SELECT 1") else { return }
        #expect(withColumns.columns == ["x"])
    }

    @Test func windowCallsAndQualify() throws {
        guard case .select(let q) = try parseOne("""
            SELECT row_number() OVER (PARTITION BY a, b ORDER BY c DESC NULLS FIRST) AS rn,
                   sum(x) OVER (ORDER BY c ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING), count(*) OVER (),
                   avg(x) OVER (ORDER BY c RANGE UNBOUNDED PRECEDING)
            FROM t QUALIFY rn = 1
            """) else { Issue.record("not a SELECT"); return }
        #expect(q.items.compactMap { if case .expr(let e, _) = $0 { render(e) } else { nil } } == [
            "row_number() OVER(PARTITION a, b; ORDER c DESC NULLS FIRST)",
            "sum(x) OVER(ORDER c; ROWS preceding(2) following(1))",
            "count(*) OVER()",
            "avg(x) OVER(ORDER c; RANGE unboundedPreceding currentRow)",
        ])
        #expect(q.qualify.map(render) == "(= rn 1)")
    }

    /// WITH queries are inlined: a FROM naming one reads it as a subquery under that name, later ones
    /// and nested subqueries see earlier ones, and a WITH query shadows a table of the same name.
    @Test func withQueriesAreInlinedAsSubqueries() throws {
        let sql = "WITH a(k, n) AS (SELECT x, count(*) FROM t GROUP BY x), b AS (SELECT k FROM a WHERE n > 1) "
            + "SELECT k FROM b WHERE k IN (SELECT k FROM a AS z) AND k <> (SELECT min(k) FROM t)"
        guard case .select(let query) = try parseOne(sql),
              case .subquery(let b, alias: "b", _) = query.from,
              case .subquery(let a, alias: "a", _) = b.from,
              case .binary(.and, .inSubquery(_, let inner, negated: false, _), .binary(.notEqual, _, .subquery(let scalar, _), _), _) = query.whereClause,
              case .subquery(let aliased, alias: "z", _) = inner.from else {
            Issue.record("WITH queries not inlined")
            return
        }
        #expect(aliased == a)
        #expect(a.items.map { item in
            guard case .expr(let e, let alias) = item else { return "*" }
            return render(e) + " AS " + (alias ?? "-")
        } == ["x AS -", "count(*) AS -"])
        #expect(a.columnAliases == ["k", "n"])
        guard case .table(name: "t", alias: nil, _) = scalar.from else { Issue.record("a table read as a WITH query"); return }
        guard case .select(let shadowing) = try parseOne("WITH t AS (SELECT * FROM t WHERE a > 0) SELECT * FROM t"),
              case .subquery(let body, alias: "t", _) = shadowing.from, case .table(name: "t", _, _) = body.from else {
            Issue.record("a WITH query did not shadow its table, or read itself")
            return
        }
        guard case .explain(let explained, analyze: false) = try parseOne("EXPLAIN WITH c AS (SELECT 1 AS one) SELECT one FROM c"),
              case .subquery = explained.from else {
            Issue.record("EXPLAIN WITH not parsed")
            return
        }
    }

    @Test(arguments: [
        ("COPY t FROM '/data/a.csv' (FORMAT csv, HEADER, DELIMITER ',')",
         ["format": "'csv'", "header": "TRUE", "delimiter": "','"]),
        ("COPY t FROM 'a.csv' WITH (format CSV, header false)", ["format": "'csv'", "header": "FALSE"]),
        ("COPY t FROM 'a.json' FORMAT json", ["format": "'json'"]),
        ("COPY t FROM 'a.csv' FORMAT csv HEADER DELIMITER '|'",
         ["format": "'csv'", "header": "TRUE", "delimiter": "'|'"]),
        ("COPY t FROM 'a.csv' CSV HEADER true", ["format": "'csv'", "header": "TRUE"]),
        ("COPY t FROM 'a.csv'", [:]),
        ("COPY t FROM 'a.csv' (FORMAT \"CSV\", quote '\"')", ["format": "'CSV'", "quote": "'\"'"]),
    ])
    func copyOptions(sql: String, expected: [String: String]) throws {
        guard case .copy(let copy) = try parseOne(sql) else {
            Issue.record("not COPY")
            return
        }
        #expect(copy.table == "t")
        #expect(copy.options.mapValues(render) == expected)
    }

    @Test func copyTree() throws {
        #expect(try parseOne("COPY logs (ts, msg) FROM 'x.csv' (HEADER)") == .copy(Copy(
            table: "logs", columns: ["ts", "msg"], path: "x.csv",
            options: ["header": .literal(.bool(true), pos(1, 35, 34))], position: pos(1, 6, 5))))
    }

    @Test func globPostgresLikeOperatorsFilterWithoutWhereAndKeyTuples() throws {
        guard case .select(let s) = try parseOne("SELECT count(*) FILTER (x > 1) FROM t WHERE a GLOB 'x*' AND b NOT GLOB 'y?' AND c !~~* 'z%' GROUP BY (a, b), c") else {
            Issue.record("not a SELECT")
            return
        }
        #expect(s.groupBy.count == 3)
        guard case .binary(.and, .binary(.and, .function(name: "glob", _, _, _, _, _, _), .unary(.not, .function(name: "glob", _, _, _, _, _, _), _), _),
                           .like(_, _, negated: true, caseInsensitive: true, _, _), _)? = s.whereClause else {
            Issue.record("unexpected WHERE \(String(describing: s.whereClause))")
            return
        }
        guard case .select(let single) = try parseOne("SELECT 1 FROM t GROUP BY (a + 1) * 2") else { return }
        #expect(single.groupBy.count == 1)
    }

    @Test func describeAndShowTables() throws {
        #expect(try parseOne("DESCRIBE events") == .describe(.table("events", position: pos(1, 10, 9))))
        #expect(try parseOne("show \"My Table\"") == .describe(.table("My Table", position: pos(1, 6, 5))))
        #expect(try parseOne("SHOW TABLES") == .showTables)
        guard case .describe(.query(let query)) = try parseOne("DESCRIBE SELECT a FROM t") else {
            Issue.record("not DESCRIBE SELECT")
            return
        }
        #expect(query.from == .table(name: "t", alias: nil, position: pos(1, 24, 23)))
        #expect(throws: SQLSyntaxError.self) { try parseOne("DESCRIBE") }
        #expect(throws: SQLSyntaxError.self) { try parseOne("SHOW TABLES t") }
    }

    @Test func explainSetCheckpoint() throws {
        guard case .explain(let query, analyze: true) = try parseOne("EXPLAIN ANALYZE SELECT * FROM t") else {
            Issue.record("not EXPLAIN ANALYZE")
            return
        }
        #expect(query.from == .table(name: "t", alias: nil, position: pos(1, 31, 30)))
        guard case .explain(_, analyze: false) = try parseOne("explain select 1") else {
            Issue.record("not EXPLAIN")
            return
        }
        #expect(try parseOne("SET ivfflat.probes = 16")
            == .set(name: "ivfflat.probes", value: .literal(.integer(16), pos(1, 22, 21)), position: pos(1, 5, 4)))
        #expect(try parseOne("SET TimeZone TO 'UTC'")
            == .set(name: "timezone", value: .literal(.string("UTC"), pos(1, 17, 16)), position: pos(1, 5, 4)))
        #expect(try parseOne("SET threads TO default")
            == .set(name: "threads", value: .literal(.string("default"), pos(1, 16, 15)), position: pos(1, 5, 4)))
        #expect(try parseOne("CHECKPOINT") == .checkpoint)
    }

    @Test func scripts() throws {
        #expect(try SQLParser.parse("").isEmpty)
        #expect(try SQLParser.parse(" ;; -- nothing\n /* here */ ;").isEmpty)
        let statements = try SQLParser.parse("SELECT 1;\nSELECT 2;;\n  CHECKPOINT")
        #expect(statements.count == 3)
        guard case .select(let second) = statements[1] else {
            Issue.record("not a SELECT")
            return
        }
        #expect(second.position == pos(2, 1, 10))
    }

    @Test func multiByteCharactersCountAsOneColumn() throws {
        let s = try select("SELECT 'héllo', naïve FROM t")
        guard case .expr(let expr, _) = s.items[1] else { return }
        #expect(render(expr) == "naïve")
        #expect(expr.position == pos(1, 17, 17))
    }

    /// A 1 MB `INSERT … VALUES` script must parse quickly (run time shown in the log; not asserted).
    @Test func largeInsertScript() throws {
        var sql = "INSERT INTO logs (ts, level, msg, latency) VALUES "
        var rows = 0
        while sql.utf8.count < 1_000_000 {
            if rows > 0 { sql += ", " }
            sql += "(\(1_700_000_000_000 + rows), 'info', 'request \(rows) served', \(Double(rows) / 7))"
            rows += 1
        }
        let clock = ContinuousClock()
        var parsed: [Statement] = []
        let elapsed = try clock.measure { parsed = try SQLParser.parse(sql) }
        print("parsed \(sql.utf8.count) bytes, \(rows) rows in \(elapsed)")
        guard case .insert(let insert) = parsed.first, case .values(let values) = insert.source else {
            Issue.record("not INSERT … VALUES")
            return
        }
        #expect(values.count == rows)
        #expect(values.last.map { $0.map(render) }?[2] == "'request \(rows - 1) served'")
    }
}
