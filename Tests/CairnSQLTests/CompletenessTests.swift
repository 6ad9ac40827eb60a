import CairnSQL
import Testing

@Suite struct CompletenessTests {
    @Test(arguments: [
        ("SELECT 1;", true),
        ("SELECT 1;  \n\t", true),
        ("SELECT 1; -- trailing comment", true),
        ("SELECT 1; /* done */", true),
        ("SELECT 1", false),
        ("", false),
        ("SELECT ';", false),
        ("SELECT ';';", true),
        ("SELECT 'it''s;'", false),
        ("SELECT 'it''s';", true),
        ("SELECT \"a;", false),
        ("SELECT \"a;\";", true),
        ("SELECT 1 -- ;", false),
        ("SELECT 1 /* ; */", false),
        ("SELECT 1 /* ; /* nested */ ; ", false),
        ("SELECT 1 /* /* nested */ */;", true),
        ("SELECT 1; SELECT 2", false),
        ("SELECT 1;\nSELECT 2;", true),
        ("CREATE TABLE t (\n  a INT\n);", true),
    ])
    func endsWithTerminator(text: String, complete: Bool) {
        #expect(SQLParser.isComplete(text) == complete)
    }
}
