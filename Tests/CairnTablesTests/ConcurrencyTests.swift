import CairnFormat
import Testing
@testable import CairnTables

@Suite struct ConcurrencyTests {
    @Test func secondWriterIsRefusedAndReadOnlyOpensCannotWrite() throws {
        let dir = TemporaryDirectory()
        let writer = try openEngine(dir)
        _ = try writer.createTable(eventsSchema(), ifNotExists: false)
        try writer.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1)]))
        let locked = #expect(throws: CairnError.self) { _ = try openEngine(dir) }
        #expect(locked?.code == .locked)
        #expect(locked?.message.contains("is locked by another process") == true)

        let reader = try openEngine(dir, readOnly: true)
        #expect(try scanAll(reader.snapshot().table("events")).rowCount == 1)
        let write = #expect(throws: CairnError.self) {
            try reader.append(table: "events", columns: eventsBatch(timestamps: [1]))
        }
        #expect(write?.code == .readOnly)
        #expect((#expect(throws: CairnError.self) { try reader.checkpoint() })?.code == .readOnly)
        writer.close()
        _ = try openEngine(dir)
    }

    @Test func readOnlyOpenOfAMissingDirectoryFails() {
        let error = #expect(throws: CairnError.self) {
            _ = try Engine.open(path: "/tmp/cairn-does-not-exist-\(UInt64.random(in: 0...UInt64.max))", readOnly: true,
                                options: EngineOptions())
        }
        #expect(error?.code == .notFound)
    }

    @Test func snapshotKeepsItsRowsWhileWritersAppendAndFlush() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1)]))
        let before = engine.snapshot()
        try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 1)]))
        try engine.checkpoint()
        try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 2)]))
        try engine.addColumn(table: "events", name: "extra", type: .bigint, notNull: false, ifNotExists: false)
        #expect(try scanAll(before.table("events")).rowCount == 1)
        #expect(before.table("events")?.schema.columns.count == 3)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 3)
    }

    @Test func readersSeeWholeCommitsWhileAWriterAppends() async throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 2_000))
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        let batch = 100, batches = 60
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for b in 0..<batches {
                    let stamps = (0..<batch).map { micros(day: september1 + Int64(b % 3)) + Int64(b * batch + $0) }
                    try engine.append(table: "events", columns: eventsBatch(timestamps: stamps))
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    var last = 0
                    while last < batch * batches && !Task.isCancelled {
                        let count = try scanAll(engine.snapshot().table("events"), columns: [0]).rowCount
                        #expect(count % batch == 0, "a commit must be seen whole")
                        #expect(count >= last, "rows never disappear")
                        last = count
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        let result = try scanAll(engine.snapshot().table("events"), columns: [0])
        #expect(Set(ints(result.columns[0])).count == batch * batches)
        #expect(result.stats.segmentsTotal > 0)
    }
}
