import CairnFormat

/// The implementation behind ``Database``.
final class DatabaseCore: Sendable {
    init(path: String, mode: Database.Mode, options: Database.Options) throws {
        throw CairnError(.unsupported, "the query engine is not wired up yet")
    }
    func execute(_ sql: String, _ parameters: [Value], progress: (@Sendable (Double) -> Void)?) throws -> QueryResult {
        throw CairnError(.unsupported, "the query engine is not wired up yet")
    }
    func interrupt() {}
    var tableNames: [String] { [] }
    func tableDefinition(_ table: String) -> String? { nil }
    func close() {}
}
