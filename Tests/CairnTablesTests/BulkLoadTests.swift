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

    /// Input in time order: a partition holding an eighth of a block or more that got nothing from
    /// the last batch is written before the commit; a few stragglers to it wait for the commit (in a
    /// batch whose rows go to partitions out of order) and make a second segment, and every row is
    /// there once after the commit.
    @Test func idlePartitionsAreWrittenEarlyAndStragglersStillLand() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, rowsPerBlock: 100))
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        let load = try engine.beginBulkLoad(table: "events")
        func partitions() -> [String] { dir.files(under: "tables").map { String($0.split(separator: "/")[2]) } }
        try load.add(eventsBatch(timestamps: (0..<200).map { micros(day: september1) + Int64($0) }))
        #expect(partitions().isEmpty)
        try load.add(eventsBatch(timestamps: (0..<200).map { micros(day: september1 + 1) + Int64($0) }))
        #expect(partitions() == ["2025-09-01"])
        try load.add(eventsBatch(timestamps: (0..<50).map { micros(day: september1 + 2) + Int64($0) }))
        #expect(partitions() == ["2025-09-01", "2025-09-02"])
        let mixed = [micros(day: september1 + 3), micros(day: september1) + 500, micros(day: september1 + 2) + 60,
                     micros(day: september1) + 501, micros(day: september1 + 1) + 900]
        try load.add(eventsBatch(timestamps: mixed))
        try load.add(eventsBatch(timestamps: (1..<21).map { micros(day: september1 + 3) + Int64($0) }))
        // Day three's 51 rows went out; the stragglers to days one and two (two rows and one) wait.
        #expect(partitions() == ["2025-09-01", "2025-09-02", "2025-09-03"])
        try load.commit()
        let result = try scanAll(engine.snapshot().table("events"))
        #expect(result.rowCount == 475)
        #expect(Set(ints(result.columns[0]).compactMap { $0 }).count == 475)
        #expect(partitions().filter { $0 == "2025-09-01" }.count == 2)
        #expect(partitions().filter { $0 == "2025-09-03" }.count == 1)
        engine.close()
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
