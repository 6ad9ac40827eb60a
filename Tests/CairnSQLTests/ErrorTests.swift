import CairnSQL
import Testing

@Suite struct ErrorTests {
    /// (statement, message, line, column)
    static let cases: [(String, String, Int, Int)] = [
        ("SELECT * FORM t", "syntax error at or near \"FORM\"", 1, 10),
        ("SELECT 'abc", "unterminated quoted string", 1, 8),
        ("SELECT \"abc", "unterminated quoted identifier", 1, 8),
        ("SELECT 1 /* open /* nested */", "unterminated /* comment", 1, 10),
        ("SELECT (1 + 2", "expected \")\" but found end of input", 1, 14),
        ("SELECT a FROM t WHERE", "syntax error at end of input", 1, 22),
        ("SELECT a,\n  b\nFROM t\nWHERE a = = 1", "syntax error at or near \"=\"", 4, 11),
        ("SELECT 1;\nSELEC 2", "syntax error at or near \"SELEC\"", 2, 1),
        ("CREATE TABLE t (a INT NOT NULL NULL)", "conflicting NULL/NOT NULL declarations", 1, 32),
        ("CREATE TABLE t (a VARCHAR(n))", "expected an integer type parameter but found \"n\"", 1, 27),
        ("CREATE TABLE t (a INT) PARTITION BY year(a)", "expected day(column) or month(column) but found \"year\"", 1, 37),
        ("INSERT INTO t VALUES (1, 2), (3)", "VALUES lists must all be the same length", 1, 30),
        ("INSERT INTO t SET a = 1", "expected VALUES or SELECT but found \"SET\"", 1, 15),
        ("SELECT \"\" FROM t", "zero-length delimited identifier", 1, 8),
        ("SELECT 123abc", "trailing junk after numeric literal at or near \"123abc\"", 1, 8),
        ("SELECT $0", "there is no parameter $0", 1, 8),
        ("SELECT a @ b", "syntax error at or near \"@\"", 1, 10),
        ("SELECT a FROM t NATURAL JOIN u", "NATURAL joins are not supported; name the columns with USING (…)", 1, 17),
        ("SELECT a FROM t JOIN u", "expected ON or USING but found end of input", 1, 23),
        ("SELECT * FROM (VALUES (1), (2, 3)) v", "VALUES lists must all be the same length", 1, 28),
        ("SELECT 1 EXCEPT BY NAME SELECT 2", "BY NAME applies to UNION and UNION ALL only, not EXCEPT", 1, 17),
        ("SELECT 1 UNION ALL BY SELECT 2", "expected NAME but found \"SELECT\"", 1, 23),
        ("SELECT 1 UNION SELECT 2 ORDER BY 1 UNION SELECT 3", "syntax error at or near \"UNION\"", 1, 36),
        ("WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r", "WITH RECURSIVE is not supported", 1, 6),
        ("WITH x AS (SELECT 1), X AS (SELECT 2) SELECT * FROM x", "WITH query name \"x\" specified more than once", 1, 23),
        ("WITH x(a, b) AS (SELECT 1) SELECT * FROM x", "WITH query \"x\" names 2 columns but its query has 1", 1, 6),
        ("WITH x AS (VALUES (1)) SELECT * FROM x", "expected \"SELECT\" but found \"VALUES\"", 1, 12),
        ("SELECT CASE WHEN a THEN 1", "expected \"END\" but found end of input", 1, 26),
        ("SELECT CASE END", "syntax error at or near \"END\"", 1, 13),
        ("SELECT CASE x END", "expected \"WHEN\" but found \"END\"", 1, 15),
        ("SELECT x::", "expected a type name but found end of input", 1, 11),
        ("SELECT CAST(x int)", "expected \"AS\" but found \"int\"", 1, 15),
        ("SELECT a FROM t LIMIT 1 LIMIT 2", "multiple LIMIT clauses not allowed", 1, 25),
        ("DROP TABLE", "expected a table name but found end of input", 1, 11),
        ("DROP TABLE select", "expected a table name but found \"select\"", 1, 12),
        ("SELECT x IS MAYBE", "expected \"NULL\" but found \"MAYBE\"", 1, 13),
        ("SELECT INTERVAL 7 fortnights", "expected an interval unit such as DAY but found \"fortnights\"", 1, 19),
        ("SELECT a FROM t ORDER BY a NULLS", "expected \"FIRST\" or \"LAST\" but found end of input", 1, 33),
        ("SELECT rank() OVER w FROM t", "window \"w\" is not defined (add WINDOW w AS (…))", 1, 8),
        ("SELECT sum(a) OVER (ROWS BETWEEN 1 AND CURRENT ROW)", "expected PRECEDING or FOLLOWING but found \"AND\"", 1, 36),
        ("COPY t TO 'x.csv'", "COPY … TO is not supported; only COPY … FROM", 1, 8),
        ("COPY t FROM x", "expected a quoted file path but found \"x\"", 1, 13),
        ("COPY t FROM 'x' (HEADER, header false)", "option \"header\" specified more than once", 1, 26),
        ("SET x 1", "expected \"=\" or \"TO\" but found \"1\"", 1, 7),
        ("EXPLAIN DROP TABLE t", "expected \"SELECT\" but found \"DROP\"", 1, 9),
        ("SELECT DISTINCT ON a FROM t", "expected \"(\" but found \"a\"", 1, 20),
        ("SELECT count(*) FILTER (WHERE a > 1 FROM t", "expected \")\" but found \"FROM\"", 1, 37),
        ("SELECT 1 1", "syntax error at or near \"1\"", 1, 10),
        ("SELECT 'héllo' +", "syntax error at end of input", 1, 17),
        ("SELECT 'héllo' é ü", "syntax error at or near \"ü\"", 1, 18),
        ("SELECT x IN ()", "syntax error at or near \")\"", 1, 14),
        ("SELECT 1e999", "numeric literal out of range: 1e999", 1, 8),
    ]

    @Test(arguments: cases)
    func messageAndPosition(sql: String, message: String, line: Int, column: Int) throws {
        let error = try #require(syntaxError(sql), "expected \(sql) to fail")
        #expect(error.message == message)
        #expect(error.position.line == line)
        #expect(error.position.column == column)
        #expect(error.description == "line \(line), column \(column): \(message)")
    }

    @Test func byteOffsetPointsAtTheToken() throws {
        let sql = "SELECT 'é',\n  ∑x FROM t WHERE !"
        let error = try #require(syntaxError(sql))
        let bytes = Array(sql.utf8)
        #expect(error.position.line == 2)
        #expect(error.position.column == 19)
        #expect(bytes[error.position.offset] == UInt8(ascii: "!"))
    }

    @Test func longTokensAreShortenedInMessages() throws {
        let long = String(repeating: "é", count: 50)
        let error = try #require(syntaxError("SELECT 1 '\(long)'"))
        #expect(error.message == "syntax error at or near \"'\(String(repeating: "é", count: 19))…\"")
    }

    @Test func nestingIsLimited() throws {
        let depth = 10_000
        let parens = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        for sql in ["SELECT " + parens,
                    "SELECT " + String(repeating: "- ", count: depth) + "1",
                    "SELECT " + String(repeating: "NOT ", count: depth) + "true",
                    "SELECT * FROM " + String(repeating: "(SELECT * FROM ", count: depth),
                    "SELECT " + String(repeating: "f(", count: depth),
                    "SELECT " + String(repeating: "[", count: depth)] {
            let error = try #require(syntaxError(sql))
            #expect(error.message.hasPrefix("statement is nested too deeply"), "\(sql.prefix(30))")
        }
        // 150 levels is well within the limit.
        #expect(syntaxError("SELECT " + String(repeating: "(", count: 150) + "1" + String(repeating: ")", count: 150)) == nil)
    }
}
