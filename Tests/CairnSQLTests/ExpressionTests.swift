import CairnSQL
import Testing

@Suite struct ExpressionTests {
    static let precedence: [(String, String)] = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 % 3 * 2", "(* (% (/ 8 4) 3) 2)"),
        ("a OR b AND c", "(OR a (AND b c))"),
        ("a AND b OR c AND d", "(OR (AND a b) (AND c d))"),
        ("NOT a AND b", "(AND (NOT a) b)"),
        ("NOT a = b", "(NOT (= a b))"),
        ("NOT NOT a", "(NOT (NOT a))"),
        ("a = b AND c <> d", "(AND (= a b) (<> c d))"),
        ("a != b", "(<> a b)"),
        ("a < b OR a >= b", "(OR (< a b) (>= a b))"),
        ("a <= b + 1", "(<= a (+ b 1))"),
        ("a = b IS NULL", "(IS NULL (= a b))"),
        ("a IS NOT NULL AND b IS NULL", "(AND (IS NOT NULL a) (IS NULL b))"),
        ("NOT a IS NULL", "(NOT (IS NULL a))"),
        ("NOT x LIKE 'a%'", "(NOT (LIKE x 'a%'))"),
        ("x NOT LIKE 'a%'", "(NOT LIKE x 'a%')"),
        ("x ILIKE 'A%' ESCAPE '!'", "(ILIKE x 'A%' ESCAPE '!')"),
        ("x NOT ILIKE y || '%'", "(NOT ILIKE x (|| y '%'))"),
        ("x LIKE 'a' AND y", "(AND (LIKE x 'a') y)"),
        ("x BETWEEN 1 AND 2 AND y", "(AND (BETWEEN x 1 2) y)"),
        ("x NOT BETWEEN a + 1 AND b * 2", "(NOT BETWEEN x (+ a 1) (* b 2))"),
        ("x IN (1, 2, 3)", "(IN x [1, 2, 3])"),
        ("x NOT IN ('a')", "(NOT IN x ['a'])"),
        ("x NOT IN (SELECT a FROM t)", "(NOT IN x SUBQUERY)"),
        ("x IN (1) = y IN (2)", "(= (IN x [1]) (IN y [2]))"),
        ("x::int::text", "CAST(CAST(x AS INT) AS TEXT)"),
        ("-x::int", "(- CAST(x AS INT))"),
        ("-5::int", "(- CAST(5 AS INT))"),
        ("'1'::int + 2", "(+ CAST('1' AS INT) 2)"),
        ("x::varchar(255)", "CAST(x AS VARCHAR(255))"),
        ("x::decimal(10, 2)", "CAST(x AS DECIMAL(10,2))"),
        ("x::timestamp with time zone", "CAST(x AS TIMESTAMP WITH TIME ZONE)"),
        ("-5", "-5"),
        ("- 5", "-5"),
        ("-1.5", "-1.5d"),
        ("2 - 5", "(- 2 5)"),
        ("2-5", "(- 2 5)"),
        ("2 - -5", "(- 2 -5)"),
        ("2--5", "2"),  // `--` starts a comment
        ("-a * b", "(* (- a) b)"),
        ("- -a", "(- (- a))"),
        ("+a", "(+ a)"),
        ("a * -b + c", "(+ (* a (- b)) c)"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "9.223372036854776e+18d"),
        ("data->>'level' = 'error'", "(= (->> data 'level') 'error')"),
        ("data->'a'->>'b'", "(->> (-> data 'a') 'b')"),
        ("a || b || c", "(|| (|| a b) c)"),
        ("a || b = c", "(= (|| a b) c)"),
        ("emb <-> [1.0, 2.0] < 0.5", "(< (<-> emb [1.0d, 2.0d]) 0.5d)"),
        ("a + b <=> c", "(<=> (+ a b) c)"),
        ("a <#> b * 2", "(<#> a (* b 2))"),
        ("a<->b", "(<-> a b)"),
        ("a<-1", "(< a -1)"),
        ("a<=-1", "(<= a -1)"),
        ("a->>'k' LIKE 'x%'", "(LIKE (->> a 'k') 'x%')"),
    ]

    @Test(arguments: precedence)
    func precedenceAndAssociativity(sql: String, expected: String) throws {
        #expect(render(try parseExpression(sql)) == expected)
    }

    static let primaries: [(String, String)] = [
        ("42", "42"), ("1.5", "1.5d"), (".5", "0.5d"), ("1e3", "1000.0d"), ("2.5E-1", "0.25d"), ("1.", "1.0d"),
        ("'it''s'", "'it's'"), ("''", "''"), ("NULL", "NULL"), ("true", "TRUE"), ("FALSE", "FALSE"),
        ("TIMESTAMP '2024-01-01 00:00:00'", "TIMESTAMP'2024-01-01 00:00:00'"),
        ("timestamptz '2024-01-01T00:00:00Z'", "TIMESTAMPTZ'2024-01-01T00:00:00Z'"),
        ("DATE '2024-01-01'", "DATE'2024-01-01'"),
        ("JSON '{\"a\": 1}'", "JSON'{\"a\": 1}'"),
        ("INTERVAL '7 days'", "INTERVAL'7 days'"),
        ("INTERVAL 7 DAY", "INTERVAL(7 day)"),
        ("INTERVAL '7' DAY", "INTERVAL(7 day)"),
        ("INTERVAL 2 HOURS", "INTERVAL(2 hours)"),
        ("INTERVAL -1 minute", "INTERVAL(-1 minute)"),
        ("now() - INTERVAL 1 DAY", "(- now() INTERVAL(1 day))"),
        ("a", "a"), ("t.a", "t.a"), ("T.A", "t.a"), ("\"T\".\"Col\"", "T.Col"), ("\"a\"\"b\"", "a\"b"),
        ("t.order", "t.order"),
        ("f(a, b)", "f(a, b)"), ("COUNT(*)", "count(*)"), ("count(DISTINCT x)", "count(DISTINCT x)"),
        ("f()", "f()"), ("sum(ALL x)", "sum(x)"),
        ("percentile_cont(0.5) WITHIN GROUP (ORDER BY x DESC)", "percentile_cont(0.5d WITHIN x DESC)"),
        ("quantile_disc(0.9) within group (order by latency)", "quantile_disc(0.9d WITHIN latency)"),
        ("now()", "now()"), ("current_timestamp", "current_timestamp()"), ("CURRENT_DATE", "current_date()"),
        ("left(s, 3)", "left(s, 3)"), ("right(s, 2)", "right(s, 2)"),
        ("date_trunc('day', ts)", "date_trunc('day', ts)"), ("day(ts)", "day(ts)"), ("month(ts)", "month(ts)"),
        ("\"Upper\"(x)", "Upper(x)"),
        ("CAST(x AS DOUBLE PRECISION)", "CAST(x AS DOUBLE PRECISION)"),
        ("TRY_CAST(x AS TIMESTAMP WITHOUT TIME ZONE)", "TRY_CAST(x AS TIMESTAMP WITHOUT TIME ZONE)"),
        ("cast(v as vector(1536))", "CAST(v AS VECTOR(1536))"),
        ("CAST(s AS character varying(20))", "CAST(s AS CHARACTER VARYING(20))"),
        ("CASE WHEN a THEN 1 ELSE 2 END", "CASE(a → 1; ELSE 2)"),
        ("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' END", "CASE(x; 1 → 'a'; 2 → 'b')"),
        ("EXTRACT(HOUR FROM ts)", "EXTRACT(hour FROM ts)"),
        ("extract('Epoch' FROM ts)", "EXTRACT(epoch FROM ts)"),
        ("(SELECT max(a) FROM t) + 1", "(+ SUBQUERY 1)"),
        ("((1))", "1"),
        ("[1.0, 2.0]", "[1.0d, 2.0d]"), ("[]", "[]"), ("ARRAY[1, 2]", "[1, 2]"),
        ("? + ? + $5 + ?", "(+ (+ (+ $1 $2) $5) $3)"),
    ]

    @Test(arguments: primaries)
    func primaryExpressions(sql: String, expected: String) throws {
        #expect(render(try parseExpression(sql)) == expected)
    }

    @Test(arguments: ["date", "day", "month", "hour", "key", "value", "type", "level", "status", "name",
                      "text", "timestamp", "interval", "time", "json", "first", "last", "nulls", "set",
                      "copy", "values", "by", "if", "exists", "add", "extract", "within", "filter", "over"])
    func nonReservedKeywordsAreColumnNames(word: String) throws {
        guard case .select(let select) = try parseOne("SELECT \(word), t.\(word) FROM t WHERE \(word) = 1") else {
            Issue.record("not a select")
            return
        }
        #expect(select.items.map { item -> String in
            guard case .expr(let expr, _) = item else { return "?" }
            return render(expr)
        } == [word, "t.\(word)"])
        #expect(select.whereClause.map(render) == "(= \(word) 1)")
    }

    @Test func exactTreeWithPositions() throws {
        let expr = try parseExpression("a->>'k' = -1 AND\n  b::int IS NOT NULL")
        let a = Expr.column(qualifier: nil, name: "a", pos(1, 8, 7))
        let get = Expr.binary(.jsonGetText, a, .literal(.string("k"), pos(1, 12, 11)), pos(1, 8, 7))
        let equal = Expr.binary(.equal, get, .literal(.integer(-1), pos(1, 18, 17)), pos(1, 8, 7))
        let b = Expr.column(qualifier: nil, name: "b", pos(2, 3, 26))
        let cast = Expr.cast(b, TypeName(name: "INT", position: pos(2, 6, 29)), tryCast: false, pos(2, 3, 26))
        #expect(expr == .binary(.and, equal, .isNull(cast, negated: true, pos(2, 3, 26)), pos(1, 8, 7)))
    }

    @Test func functionAndLiteralNodes() throws {
        #expect(try parseExpression("count(*)")
            == .function(name: "count", args: [], distinct: false, star: true, withinGroup: nil, filter: nil, pos(1, 8, 7)))
        #expect(try parseExpression("INTERVAL '7' DAY") == .literal(.interval(quantity: "7", unit: "day"), pos(1, 8, 7)))
        #expect(try parseExpression("DATE '2024-03-01'")
            == .literal(.typed(TypeName(name: "DATE", position: pos(1, 8, 7)), "2024-03-01"), pos(1, 8, 7)))
        #expect(try parseExpression("$2") == .parameter(2, pos(1, 8, 7)))
        let within = try parseExpression("percentile_cont(0.5) WITHIN GROUP (ORDER BY x DESC NULLS FIRST)")
        let x = Expr.column(qualifier: nil, name: "x", pos(1, 52, 51))
        #expect(within == .function(name: "percentile_cont", args: [.literal(.decimal(0.5), pos(1, 24, 23))],
                                    distinct: false, star: false,
                                    withinGroup: OrderItem(expr: x, descending: true, nullsFirst: true),
                                    filter: nil, pos(1, 8, 7)))
    }

    @Test func positionalParametersRestartPerStatement() throws {
        let statements = try SQLParser.parse("SELECT ?, ?; SELECT ?")
        guard case .select(let second) = statements[1], case .expr(let expr, _) = second.items[0] else {
            Issue.record("unexpected shape")
            return
        }
        #expect(render(expr) == "$1")
    }
}
