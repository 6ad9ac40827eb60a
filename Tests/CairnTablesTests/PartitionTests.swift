import CairnFormat
import Synchronization
import Testing
@testable import CairnTables

@Suite struct PartitionTests {
    @Test func dayPartitionsTakeLateRowsAndNullsGetTheirOwnPartition() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(.day, tsNotNull: false), ifNotExists: false)
        try engine.append(table: "events", columns: eventsBatch(timestamps: [micros(day: september1 + 2, hour: 1)]))
        var late = eventsBatch(timestamps: [micros(day: september1, hour: 3), 0, micros(day: september1 + 2)])
        late[0].validity = [true, false, true]
        try engine.append(table: "events", columns: late)
        try engine.checkpoint()
        #expect(dir.files(under: "tables").map { $0.split(separator: "/")[2] } == ["2025-09-01", "2025-09-03", "null"])
        let result = try scanAll(engine.snapshot().table("events"))
        #expect(result.stats.partitionsTotal == 3)
        // Null partition first, then by day; each segment sorted by ts.
        #expect(ints(result.columns[0]) == [nil, micros(day: september1, hour: 3), micros(day: september1 + 2),
                                            micros(day: september1 + 2, hour: 1)])
    }

    @Test func monthPartitionsAndDatePartitionColumns() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(.month), ifNotExists: false)
        let days: [Int64] = [september1 - 1, september1, september1 + 29, september1 + 30]  // Aug 31, Sep 1, Sep 30, Oct 1
        try engine.append(table: "events", columns: eventsBatch(timestamps: days.map { micros(day: $0, hour: 23) }))
        _ = try engine.createTable(TableSchema(name: "daily", columns: [
            ColumnSchema(id: 0, name: "d", type: .date, notNull: true),
        ], partition: PartitionSpec(column: "d", granularity: .month)), ifNotExists: false)
        try engine.append(table: "daily", columns: [ColumnVector(storage: .int64(days))])
        try engine.checkpoint()
        #expect(Set(dir.files(under: "tables/1").map { $0.split(separator: "/")[2] }) == ["2025-08", "2025-09", "2025-10"])
        #expect(Set(dir.files(under: "tables/2").map { $0.split(separator: "/")[2] }) == ["2025-08", "2025-09", "2025-10"])

        let september = Partitioner.monthKey(day: september1)
        #expect(september == 2025 * 12 + 8)
        let offered = OfferedZoneMaps()
        _ = try scanAll(engine.snapshot().table("daily")) { maps in offered.record(maps[0]); return false }
        #expect(offered.values.compactMap { $0 }.map { [$0.min, $0.max] } == [
            [.int(september1 - 31), .int(september1 - 1)], [.int(september1), .int(september1 + 29)],
            [.int(september1 + 30), .int(september1 + 60)],
        ])
    }

    @Test func pruningSkipsPartitionsSegmentsAndBlocks() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir, options: EngineOptions(durability: .none, rowsPerBlock: 100))
        _ = try engine.createTable(eventsSchema(.day), ifNotExists: false)
        for day in 0..<10 {
            // 24 * 20 rows per day, one every 3 minutes: 5 blocks of 100 rows (the last one partial).
            let stamps = (0..<480).map { micros(day: september1 + Int64(day)) + Int64($0) * 3 * Calendar.microsPerMinute }
            try engine.append(table: "events", columns: eventsBatch(timestamps: stamps))
        }
        try engine.checkpoint()
        let target = micros(day: september1 + 4, hour: 12)
        let result = try scanAll(engine.snapshot().table("events"), columns: [0]) { maps in
            guard let zm = maps[0], case .int(let lo) = zm.min, case .int(let hi) = zm.max else { return true }
            return lo <= target && target <= hi
        }
        #expect(result.stats.partitionsTotal == 10)
        #expect(result.stats.partitionsScanned == 1)
        #expect(result.stats.segmentsTotal == 1)
        #expect(result.stats.segmentsScanned == 1)
        #expect(result.stats.blocksTotal == 5)
        #expect(result.stats.blocksScanned == 1)
        #expect(ints(result.columns[0]).contains(target))
        #expect(result.rowCount == 100)
    }

    @Test func frozenHeadChunksArePrunedByTheirZoneMaps() throws {
        let dir = TemporaryDirectory()
        let engine = try openEngine(dir)
        _ = try engine.createTable(eventsSchema(nil), ifNotExists: false)
        let rows = HeadChunk.capacity * 2 + 10
        try engine.append(table: "events", columns: eventsBatch(timestamps: (0..<rows).map { Int64($0) }))
        let result = try scanAll(engine.snapshot().table("events"), columns: [0]) { maps in
            guard case .int(let lo)? = maps[0]?.min else { return true }
            return lo == 0
        }
        // The first frozen chunk matches, the second is skipped, the active chunk is always read.
        #expect(result.stats.headRows == HeadChunk.capacity + 10)
        #expect(ints(result.columns[0]).first == 0)
    }
}

/// Collects what a scan offered for one column, in order (the callback is `@Sendable`).
final class OfferedZoneMaps: Sendable {
    private let storage = Mutex<[ZoneMap?]>([])
    func record(_ zm: ZoneMap?) { storage.withLock { $0.append(zm) } }
    var values: [ZoneMap?] { storage.withLock { $0 } }
}
