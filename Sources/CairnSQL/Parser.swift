/// Entry point of the SQL front end.
public enum SQLParser {
    /// Parses a script of `;`-separated statements.
    /// - Throws: ``SQLSyntaxError`` pointing at the first offending token.
    public static func parse(_ text: String) throws(SQLSyntaxError) -> [Statement] {
        throw SQLSyntaxError("parser not implemented yet", at: SQLPosition(line: 1, column: 1, offset: 0))
    }
}
