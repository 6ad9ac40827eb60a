import CairnFormat
import CairnQuery
import CairnTables
import Synchronization

/// The implementation behind ``Database``: an engine and the session that runs SQL on it.
final class DatabaseCore: Sendable {
    let path: String
    let engine: Engine
    let session: Session
    private let closed = Mutex<Bool>(false)

    init(path: String, mode: Database.Mode, options: Database.Options) throws {
        self.path = path
        var engineOptions = EngineOptions()
        switch options.durability {
        case .fsync: engineOptions.durability = .fsync
        case .groupCommit(let ms): engineOptions.durability = .groupCommit(milliseconds: ms)
        case .none: engineOptions.durability = .none
        }
        engineOptions.now = options.clock
        engine = try Engine.open(path: path, readOnly: mode == .readOnly, options: engineOptions)
        session = Session(engine: engine, clock: options.clock)
        if let interval = options.maintenanceInterval { engine.startBackgroundMaintenance(every: interval) }
    }

    private func checkOpen() throws(CairnError) {
        if closed.withLock({ $0 }) { throw CairnError(.invalidInput, "database \"\(path)\" is closed") }
    }

    func execute(_ sql: String, _ parameters: [Value], progress: (@Sendable (Double) -> Void)?) throws -> QueryResult {
        try checkOpen()
        return QueryResult(try session.execute(sql, parameters, progress: progress))
    }

    func interrupt() { session.interrupt() }

    var tableNames: [String] { engine.snapshot().tableNames.sorted() }

    func tableDefinition(_ table: String) -> String? { session.tableDefinition(table) }

    func close() {
        let wasClosed = closed.withLock { c in defer { c = true }; return c }
        if !wasClosed { engine.close() }
    }

    deinit { close() }
}
