import CairnFormat
import CairnLog
import Testing
@testable import CairnTables

@Suite struct EngineTests {
    @Test func appendedRowsSurviveReopenWithoutCheckpoint() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir, options: EngineOptions(durability: .fsync))
            #expect(try engine.createTable(eventsSchema(), ifNotExists: false))
            for i in 0..<5 {
                try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1 + Int64(i))],
                                                                        valueBase: Double(i)))
            }
            // No close: the engine goes away as if the process had died after the last acknowledged append.
        }
        let engine = try openEngine(dir)
        let result = try scanAll(engine.snapshot().table("EVENTS"))
        #expect(result.rowCount == 5)
        #expect(ints(result.columns[0]).compactMap { $0 }.sorted() == (0..<5).map { micros(day: september1 + $0) })
        #expect(result.stats.headRows == 5)
        #expect(result.stats.segmentsTotal == 0)
    }

    @Test(arguments: [Durability.groupCommit(milliseconds: 5), .none])
    func acknowledgedAppendsSurviveAProcessCrashInEveryDurabilityMode(durability: Durability) throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir, options: EngineOptions(durability: durability))
            _ = try engine.createTable(eventsSchema(nil), ifNotExists: false)
            for i in 0..<20 { try engine.append(table: "events", columns: eventsBatch(timestamps: [Int64(i)])) }
        }
        let result = try scanAll(openEngine(dir).snapshot().table("events"))
        #expect(ints(result.columns[0]) == (0..<20).map { Int64($0) })
    }

    @Test func checkpointMovesRowsToSortedSegmentsAndDeletesOldLogs() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            let hours: [Int64] = [5, 1, 3, 2, 4]
            try engine.append(table: "events", columns: eventsBatch(timestamps: hours.map { micros(day: september1, hour: $0) }))
            try engine.checkpoint()
            #expect(dir.files(under: "tables") == ["tables/1/2025-09-01/0000000000000001.seg"])
            #expect(dir.files(under: "wal").count == 1)
            engine.close()
        }
        let engine = try openEngine(dir)
        let result = try scanAll(engine.snapshot().table("events"))
        #expect(ints(result.columns[0]) == (1...5).map { micros(day: september1, hour: $0) })
        #expect(doubles(result.columns[2]) == [1, 3, 2, 4, 0])
        #expect(result.stats.headRows == 0)
        #expect(result.stats.segmentsTotal == 1)
    }

    @Test func closeFlushesTheHead() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(nil), ifNotExists: false)
        try engine.append(table: "events", columns: eventsBatch(timestamps: [1, 2, 3]))
        engine.close()
        #expect(dir.files(under: "tables") == ["tables/1/all/0000000000000001.seg"])
        #expect(throws: CairnError.self) { try engine.append(table: "events", columns: eventsBatch(timestamps: [4])) }
        let reopened = try openEngine(dir)
        #expect(try scanAll(reopened.snapshot().table("events")).rowCount == 3)
    }

    @Test func automaticFlushWhenTheHeadPassesFlushRows() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, flushRows: 1_000))
        _ = try engine.createTable(eventsSchema(nil), ifNotExists: false)
        for batch in 0..<5 {
            try engine.append(table: "events", columns: eventsBatch(timestamps: (0..<500).map { Int64(batch * 500 + $0) }))
        }
        let result = try scanAll(engine.snapshot().table("events"))
        #expect(result.rowCount == 2_500)
        #expect(result.stats.segmentsTotal == 2)
        #expect(result.stats.headRows == 500)
        #expect(ints(result.columns[0]) == (0..<2_500).map { Int64($0) })
    }

    @Test func rejectsBadBatches() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(), ifNotExists: false)
        var withNull = eventsBatch(timestamps: [1, 2])
        withNull[0].validity = [true, false]
        let notNull = #expect(throws: CairnError.self) { try engine.append(table: "events", columns: withNull) }
        #expect(notNull?.code == .constraint)
        #expect(notNull?.message == "NULL value in column \"ts\" violates NOT NULL")

        var wrongType = eventsBatch(timestamps: [1])
        wrongType[2] = ColumnVector(storage: .int64([1]))
        #expect((#expect(throws: CairnError.self) { try engine.append(table: "events", columns: wrongType) })?.code == .type)
        let short = Array(eventsBatch(timestamps: [1]).prefix(2))
        #expect((#expect(throws: CairnError.self) { try engine.append(table: "events", columns: short) })?.code == .invalidInput)
        #expect((#expect(throws: CairnError.self) { try engine.append(table: "nope", columns: short) })?.code == .notFound)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
    }

    @Test func ddlIsDurableAndCaseInsensitive() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            #expect(try engine.createTable(eventsSchema(name: "Events"), ifNotExists: false))
            #expect(try !engine.createTable(eventsSchema(name: "EVENTS"), ifNotExists: true))
            let dup = #expect(throws: CairnError.self) { try engine.createTable(eventsSchema(name: "events"), ifNotExists: false) }
            #expect(dup?.code == .alreadyExists)
            _ = try engine.createTable(eventsSchema(name: "audit"), ifNotExists: false)
            #expect(try engine.dropTable("AUDIT", ifExists: false))
            #expect(try !engine.dropTable("audit", ifExists: true))
            engine.close()
        }
        let engine = try openEngine(dir)
        #expect(engine.snapshot().tableNames == ["Events"])
        #expect(engine.snapshot().table("events")?.schema.columns.map(\.id) == [0, 1, 2])
    }

    @Test func dropDeletesFilesAndItsLogRecordsAreNotReplayedIntoANewTable() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1)]))
            try engine.checkpoint()
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1 + 1)]))
            #expect(try engine.dropTable("events", ifExists: false))
            #expect(dir.files(under: "tables").isEmpty)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
        }
        let engine = try openEngine(dir)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 0)
    }

    @Test func addColumnReadsNullFromOlderSegmentsHeadRowsAndLogRecords() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 1)]))
            try engine.checkpoint()
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 2)]))
            try engine.addColumn(table: "events", name: "severity", type: .integer, notNull: false, ifNotExists: false)
            try engine.addColumn(table: "events", name: "SEVERITY", type: .integer, notNull: false, ifNotExists: true)
            let notNull = #expect(throws: CairnError.self) {
                try engine.addColumn(table: "events", name: "kind", type: .varchar, notNull: true, ifNotExists: false)
            }
            #expect(notNull?.code == .constraint)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 3)])
                              + [ColumnVector(storage: .int64([7]))])
            let result = try scanAll(engine.snapshot().table("events"), columns: [0, 3])
            #expect(ints(result.columns[1]) == [nil, nil, 7])
        }
        // Reopen: the pre-ALTER log record has no severity column either.
        let engine = try openEngine(dir)
        var result = try scanAll(engine.snapshot().table("events"), columns: [3, 0])
        #expect(ints(result.columns[0]) == [nil, nil, 7])
        try engine.checkpoint()
        result = try scanAll(engine.snapshot().table("events"), columns: [3])
        #expect(ints(result.columns[0]) == [nil, nil, 7])
    }

    @Test func orphansAreDeletedByReadWriteOpensOnly() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1)]))
            engine.close()
        }
        let kept = dir.files()
        try DirectoryIO.createAll(dir.path + "/tables/1/2025-09-02")
        try DirectoryIO.createAll(dir.path + "/tables/99/all")
        dir.write("tables/1/2025-09-01/00000000000000ff.seg", [1, 2, 3])
        dir.write("tables/1/2025-09-01/0000000000000002.seg.tmp", [1])
        dir.write("tables/1/2025-09-02/0000000000000003.seg", [1])
        dir.write("tables/99/all/0000000000000004.seg", [1])
        dir.write("MANIFEST.tmp", [9])
        let withOrphans = dir.files()
        do {
            let readOnly = try openEngine(dir, readOnly: true)
            #expect(try scanAll(readOnly.snapshot().table("events")).rowCount == 1)
            #expect(dir.files() == withOrphans)
        }
        let engine = try openEngine(dir)
        #expect(dir.files().filter { !$0.hasPrefix("wal/") } == kept.filter { !$0.hasPrefix("wal/") })
        #expect(!DirectoryIO.exists(dir.path + "/tables/99"))
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 1)
    }

    @Test func tornLogTailIsCutAndEarlierCommitsSurvive() throws {
        let dir = TemporaryDirectory()
        do {
            let engine = try openEngine(dir)
            _ = try engine.createTable(eventsSchema(), ifNotExists: false)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1)]))
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 1)]))
        }
        let log = try #require(dir.files(under: "wal").last)
        let intactSize = dir.size(log)
        dir.write(log, [200, 0, 0, 0, 1, 2, 3, 4, 1, 9, 9])  // a record cut off mid-write
        do {
            let readOnly = try openEngine(dir, readOnly: true)
            #expect(try scanAll(readOnly.snapshot().table("events")).rowCount == 2)
        }
        #expect(dir.size(log) == intactSize + 11, "read-only opens must not repair")
        do {
            let engine = try openEngine(dir)
            #expect(try scanAll(engine.snapshot().table("events")).rowCount == 2)
            #expect(dir.size(log) == intactSize)
            try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1, hour: 2)]))
        }
        let engine = try openEngine(dir)
        #expect(try scanAll(engine.snapshot().table("events")).rowCount == 3)
    }
}
