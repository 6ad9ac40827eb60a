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
        return try retryingVanishedFiles { QueryResult(try session.execute(sql, parameters, progress: progress)) }
    }

    /// Runs `body`, and in a read-only database runs it again (twice at most) if a file it needed was
    /// gone: the writer deletes files right after publishing a manifest that no longer names them, and
    /// the next snapshot reads that newer manifest. A read-only statement has no effects to repeat.
    func retryingVanishedFiles<T>(_ body: () throws -> T) throws -> T {
        var attempts = 0
        while true {
            do {
                return try body()
            } catch let e as CairnError where engine.readOnly && e.code == .notFound && e.file != nil && attempts < 2 {
                attempts += 1
            }
        }
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
