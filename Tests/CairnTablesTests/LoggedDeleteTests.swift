import CairnFormat
import CairnLog
import Synchronization
import Testing
@testable import CairnTables

/// Work an engine hands to ``EngineOptions/runLater``, held until the test runs it (or never, to stand
/// in for a crash before it ran).
private final class HeldWork: Sendable {
    private let jobs = Mutex<[@Sendable () -> Void]>([])
    var count: Int { jobs.withLock { $0.count } }

    func options() -> EngineOptions {
        var options = EngineOptions(durability: .fsync)
        options.runLater = { job in self.jobs.withLock { $0.append(job) } }
        return options
    }

    func runAll() {
        for job in jobs.withLock({ jobs in defer { jobs = [] }; return jobs }) { job() }
    }
}

/// DELETE commits with one log record; its deletion file and manifest come with a later fold (§6.7).
@Suite struct LoggedDeleteTests {
    /// Rows of `tenant` (column 1).
    static func tenantIs(_ tenant: String) -> RowPredicate {
        RowPredicate(columns: [1], mayMatch: { _ in true }, neverFails: true) { columns, count in
            guard case .bytes(let b) = columns[0].storage else { return [] }
            return (0..<count).filter { b.string(at: $0) == tenant }
        }
    }

    /// Rows on day `day` of September 2025 (column 0).
    static func onDay(_ day: Int64) -> RowPredicate {
        RowPredicate(columns: [0], mayMatch: { _ in true }, neverFails: true) { columns, count in
            guard case .int64(let ts) = columns[0].storage else { return [] }
            return (0..<count).filter { ts[$0] / Calendar.microsPerDay == september1 + day }
        }
    }

    /// Three days of 90 rows each, 30 per tenant, checkpointed.
    static func load(_ engine: Engine) throws {
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        for tenant in ["acme", "globex", "initech"] {
            let timestamps: [Int64] = (0..<90).map { (i: Int) -> Int64 in
                micros(day: september1 + Int64(i % 3), hour: Int64(i / 3 % 24)) + Int64(i)
            }
            try engine.append(table: "events", columns: eventsBatch(timestamps: timestamps, tenant: tenant))
        }
        try engine.checkpoint()
    }

    static func tenants(_ engine: Engine) throws -> [String: Int] {
        let result = try scanAll(engine.snapshot().table("events"))
        return strings(result.columns[1]).reduce(into: [:]) { $0[$1 ?? "NULL", default: 0] += 1 }
    }

    @Test func aDeleteSurvivesACrashBeforeItsFold() throws {
        let dir = TemporaryDirectory(), crashed = TemporaryDirectory()
        let held = HeldWork()
        let engine = try Engine.open(path: dir.path, readOnly: false, options: held.options())
        try Self.load(engine)
        let manifest = try FileIO.readAll(dir.path + "/MANIFEST")

        #expect(try engine.delete(table: "events", where: Self.tenantIs("globex")) == 90)
        #expect(try engine.delete(table: "events", where: Self.onDay(2)) == 60)  // empties day 2's segment
        let expected = ["acme": 60, "initech": 60]
        #expect(try Self.tenants(engine) == expected)
        // Committed by the log alone: the manifest is untouched, no deletion file exists, one fold is queued.
        #expect(try FileIO.readAll(dir.path + "/MANIFEST") == manifest)
        #expect(dir.files().filter { $0.hasSuffix(".del") }.isEmpty)
        #expect(held.count == 1)
        // Another process replays the records.
        #expect(try Self.tenants(Engine.open(path: dir.path, readOnly: true, options: held.options())) == expected)

        try dir.copyFiles(to: crashed)
        let heldAfterCrash = HeldWork()
        for round in 1...2 {
            let reopened = try Engine.open(path: crashed.path, readOnly: false, options: heldAfterCrash.options())
            #expect(try Self.tenants(reopened) == expected, "round \(round)")
            #expect(try reopened.snapshot().table("events")?.partitions.count == 2, "day 2's segment left on replay")
            #expect(reopened.check().problems.isEmpty, "\(reopened.check().problems)")
            #expect(heldAfterCrash.count == 1, "an open that replayed deletes queues a fold")
            if round == 2 { heldAfterCrash.runAll() }
            reopened.close()
        }
        #expect(crashed.files().filter { $0.hasSuffix(".del") }.count == 1)
        #expect(crashed.files().filter { $0.hasSuffix(".seg") }.count == 2, "the emptied segment went once a manifest dropped it")

        // The fold on the original: a checkpoint (the head is empty) that writes the one deletion file
        // still named, publishes it and trims the log.
        held.runAll()
        #expect(try FileIO.readAll(dir.path + "/MANIFEST") != manifest)
        #expect(dir.files().filter { $0.hasSuffix(".del") }.count == 1)
        #expect(dir.files(under: "wal").count == 1)
        #expect(engine.check().problems.isEmpty, "\(engine.check().problems)")
        engine.close()
        #expect(try Self.tenants(Engine.open(path: dir.path, readOnly: true, options: held.options())) == expected)
    }
}
