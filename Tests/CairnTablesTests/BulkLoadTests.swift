import CairnFormat
import Testing
@testable import CairnTables

@Suite struct BulkLoadTests {
    static func loadAcrossDays(_ load: BulkLoad, days: Int, rowsPerDay: Int) throws {
        for day in 0..<days {
            try load.add(eventsBatch(timestamps: (0..<rowsPerDay).map { micros(day: september1 + Int64(day)) + Int64($0) }))
        }
    }

    @Test func largeLoadIsInvisibleUntilCommitThenAtomicAcrossPartitions() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 50))
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        let load = try engine.beginBulkLoad(table: "events")
        try Self.loadAcrossDays(load, days: 3, rowsPerDay: 200)
        #expect(!dir.files(under: "tables").isEmpty, "segments are written before the commit")
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
        try load.commit()
        let result = try scanAll(engine.snapshot().table("events"))
        #expect(result.rowCount == 600)
        #expect(result.stats.partitionsTotal == 3)
        #expect(result.stats.headRows == 0)
        engine.close()
        #expect(try scanAll(openEngine(dir).snapshot().table("events")).rowCount == 600)
    }

    @Test func abortLeavesNothingBehind() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 50))
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        let load = try engine.beginBulkLoad(table: "events")
        try Self.loadAcrossDays(load, days: 3, rowsPerDay: 200)
        load.abort()
        #expect(dir.files(under: "tables").isEmpty)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
        #expect(throws: CairnError.self) { try load.commit() }
    }

    @Test func uncommittedLoadIsGoneAfterACrash() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 50))
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            let load = try engine.beginBulkLoad(table: "events")
            try Self.loadAcrossDays(load, days: 3, rowsPerDay: 200)
            #expect(!dir.files(under: "tables").isEmpty)
            withExtendedLifetime(load) {}
        }
        let engine = try openEngine(dir)
        #expect(dir.files(under: "tables").isEmpty)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
    }

    @Test func smallLoadCommitsThroughTheLog() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            let load = try engine.beginBulkLoad(table: "events")
            try Self.loadAcrossDays(load, days: 3, rowsPerDay: 10)
            #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
            try load.commit()
            #expect(dir.files(under: "tables").isEmpty)
            #expect(try scanAll(engine.snapshot().table("events")).rowCount == 30)
        }
        #expect(try scanAll(openEngine(dir).snapshot().table("events")).rowCount == 30)
    }

    @Test func commitFailsIfTheTableWasDropped() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 100))
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        let load = try engine.beginBulkLoad(table: "events")
        try Self.loadAcrossDays(load, days: 2, rowsPerDay: 100)
        _ = try engine.dropTable("events", ifExists: false)
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        #expect((#expect(throws: CairnError.self) { try load.commit() })?.code == .notFound)
        #expect(dir.files(under: "tables").isEmpty)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
    }
}
