import CairnFormat
import CairnLog
import Foundation
import Testing
@testable import CairnTables

@Suite struct ManifestEncoderTests {
    /// The incremental encoder's JSON decodes to the catalog JSONEncoder would have written, on first use and
    /// after segments, deletes and partitions change.
    @Test func matchesTheFoundationEncoding() throws {
        var catalog = Catalog()
        var schema = TableSchema(name: "events", columns: [ColumnSchema(id: 0, name: "ts", type: .timestamp, notNull: true),
                                                           ColumnSchema(id: 1, name: "who", type: .varchar, notNull: false)],
                                 partition: PartitionSpec(column: "ts", granularity: .day))
        schema.sortKey = ["who", "ts"]
        schema.retention = RetentionPolicy(interval: RetentionInterval(months: 0, days: 90, micros: 0),
                                           rules: [RetentionRule(interval: RetentionInterval(months: 84, days: 0, micros: 0),
                                                                 predicate: "who LIKE 'security_%'")])
        var table = TableEntry(id: 1, schema: schema, nextColumnID: 2, partitions: [])
        func summary(_ rows: Int) -> SegmentSummary {
            SegmentSummary(rowCount: rows, fileSize: rows * 3,
                           zoneMaps: [0: ZoneMap(min: .int(1), max: .int(Int64(rows)), nullCount: 0, rowCount: rows),
                                      1: ZoneMap(min: .string("a\"b"), max: .string("zé"), nullCount: 1, rowCount: rows)])
        }
        table.addSegment(SegmentEntry(file: "tables/1/2025-09-01/01.seg", summary: summary(10)), key: 20_332)
        table.addSegment(SegmentEntry(file: "tables/1/null/02.seg", summary: summary(3)), key: nil)
        catalog.tables = [table]
        catalog.walStart = 7
        let encoder = ManifestEncoder()
        for step in 0..<3 {
            let fast = try encoder.encode(catalog, directory: "/tmp")
            let decoded = try JSONDecoder().decode(Catalog.self, from: Data(fast))
            #expect(try ManifestFile.json(decoded, directory: "/tmp") == ManifestFile.json(catalog, directory: "/tmp"), "step \(step)")
            catalog.tables[0].partitions[1].segments[0].deletes = SegmentDeletes(generation: UInt64(9 + step), count: step + 1)
            catalog.tables[0].addSegment(SegmentEntry(file: "tables/1/2025-09-02/0\(3 + step).seg", summary: summary(5)), key: 20_333)
            catalog.nextSegmentID += 4
        }
    }
}
