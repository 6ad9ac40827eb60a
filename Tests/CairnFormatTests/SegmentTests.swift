import Foundation
import Testing
@testable import CairnFormat

/// A three-column sample: timestamps with some NULLs, doubles, and low-cardinality strings.
func sampleColumns(rows n: Int) -> [SegmentColumn] {
    let ts = (0..<n).map { (i: Int) -> Int64 in 1_750_000_000_000_000 + Int64(i) * 1_000 + Int64((i * 7919) % 500) }
    let tsValid = (0..<n).map { $0 % 97 != 0 }
    let latency = (0..<n).map { (i: Int) -> Double in Double((i * 31) % 1000) / 8 }
    let levels = ByteArray((0..<n).map { ["info", "warn", "error", "debug"][($0 * 13) % 4] })
    return [
        SegmentColumn(id: 1, type: .timestamp,
                      data: normalized(ColumnVector(storage: .int64(ts), validity: tsValid))),
        SegmentColumn(id: 2, type: .double, data: ColumnVector(storage: .float64(latency))),
        SegmentColumn(id: 5, type: .varchar, data: ColumnVector(storage: .bytes(levels))),
    ]
}

/// Concatenates the blocks of one column.
func readColumn(_ reader: SegmentReader, _ id: UInt32) throws -> ColumnVector {
    var parts: [ColumnVector] = []
    for b in 0..<reader.blockCount { parts.append(try reader.read(column: id, block: b)) }
    return concatenate(parts, physical: reader.columnType(id)?.physical ?? .int64)
}

func concatenate(_ parts: [ColumnVector], physical: PhysicalType) -> ColumnVector {
    var result = ColumnVector.empty(physical)
    var validity: [Bool] = []
    var anyNull = false
    for p in parts {
        validity += p.validity ?? [Bool](repeating: true, count: p.count)
        anyNull = anyNull || p.validity != nil
        switch (result.storage, p.storage) {
        case (.int64(let a), .int64(let b)): result.storage = .int64(a + b)
        case (.float64(let a), .float64(let b)): result.storage = .float64(a + b)
        case (.bytes(var a), .bytes(let b)):
            for i in 0..<b.count { b.withBytes(at: i) { a.append(bytes: $0) } }
            result.storage = .bytes(a)
        default: break
        }
    }
    result.validity = anyNull ? validity : nil
    return result
}

@Suite struct SegmentTests {
    @Test func roundTripWithBlocksAndZoneMaps() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let path = dir + "/seg-1.cseg"
        let columns = sampleColumns(rows: 10_500)
        let summary = try SegmentWriter.write(to: path, columns: columns, rowsPerBlock: 1000)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))

        let reader = try SegmentReader(path: path)
        #expect(reader.rowCount == 10_500)
        #expect(reader.blockCount == 11)
        #expect(reader.blockRowCount(10) == 500)
        #expect(reader.blockRowCount(11) == 0)
        #expect(reader.columnIDs == [1, 2, 5])
        #expect(reader.columnType(5) == .varchar)
        #expect(reader.zoneMap(column: 3, block: 0) == nil)
        #expect(reader.summary == summary)
        #expect(summary.fileSize == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))

        for column in columns {
            #expect(try readColumn(reader, column.id) == column.data)
            for b in 0..<reader.blockCount {
                let rows = (b * 1000)..<min(b * 1000 + 1000, 10_500)
                #expect(reader.zoneMap(column: column.id, block: b) == ZoneMap(column.data.rows(rows)))
            }
            #expect(summary.zoneMaps[column.id] == ZoneMap(column.data))
        }
        #expect(throws: CairnError.self) { try reader.read(column: 3, block: 0) }
        #expect(throws: CairnError.self) { try reader.read(column: 1, block: 11) }
    }

    @Test func summaryIsCodable() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let strings = ColumnVector(storage: .bytes(ByteArray(["b", String(repeating: "x", count: 100), "a"])))
        let doubles = ColumnVector(storage: .float64([-.infinity, 1, .infinity]))
        let summary = try SegmentWriter.write(to: dir + "/s", columns: [
            SegmentColumn(id: 7, type: .varchar, data: strings),
            SegmentColumn(id: 8, type: .double, data: doubles),
            SegmentColumn(id: 9, type: .bigint, data: .nulls(.int64, count: 3)),
        ])
        let json = try JSONEncoder().encode(summary)
        #expect(try JSONDecoder().decode(SegmentSummary.self, from: json) == summary)
        #expect(summary.zoneMaps[7]?.hasBounds == false)
        #expect(summary.zoneMaps[8]?.max == .double(.infinity))
        #expect(summary.zoneMaps[9]?.allNull == true)
    }

    @Test func emptySegment() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let summary = try SegmentWriter.write(to: dir + "/e", columns: [SegmentColumn(id: 1, type: .bigint, data: .empty(.int64))])
        let reader = try SegmentReader(path: dir + "/e")
        #expect(reader.rowCount == 0 && reader.blockCount == 0 && summary.rowCount == 0)
        #expect(reader.columnIDs == [1])
    }

    @Test func rejectsInvalidColumns() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let ints = ColumnVector(storage: .int64([1, 2]))
        let cases: [[SegmentColumn]] = [
            [SegmentColumn(id: 1, type: .varchar, data: ints)],
            [SegmentColumn(id: 1, type: .bigint, data: ints), SegmentColumn(id: 1, type: .bigint, data: ints)],
            [SegmentColumn(id: 1, type: .bigint, data: ints), SegmentColumn(id: 2, type: .bigint, data: .empty(.int64))],
        ]
        for columns in cases {
            let error = try #require(throws: CairnError.self) { try SegmentWriter.write(to: dir + "/x", columns: columns) }
            #expect(error.code == .invalidInput)
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.tmp"))
    }

    @Test func concurrentReadsAgree() async throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let columns = sampleColumns(rows: 20_000)
        _ = try SegmentWriter.write(to: dir + "/c", columns: columns, rowsPerBlock: 2048)
        let reader = try SegmentReader(path: dir + "/c")
        let results = try await withThrowingTaskGroup(of: [ColumnVector].self) { group in
            for _ in 0..<2 {
                group.addTask { try columns.map { try readColumn(reader, $0.id) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result == columns.map(\.data)) }
    }

    /// Prints bytes per row for typical log columns (the numbers quoted in docs/format.md §2).
    @Test func reportsCompression() throws {
        let dir = try makeTemporaryDirectory()
        defer { removeDirectory(dir) }
        let n = 200_000
        var g = SystemRandomNumberGenerator()
        var t: Int64 = 1_750_000_000_000_000
        let samples: [(String, SegmentColumn)] = [
            ("sorted timestamps, ~1 ms apart with jitter", SegmentColumn(id: 1, type: .timestamp, data: ColumnVector(storage: .int64((0..<n).map { _ in t += Int64.random(in: 500...1500, using: &g); return t })))),
            ("timestamps exactly 1 s apart", SegmentColumn(id: 2, type: .timestamp, data: ColumnVector(storage: .int64((0..<n).map { 1_750_000_000_000_000 + Int64($0) * 1_000_000 })))),
            ("status codes (5 values)", SegmentColumn(id: 3, type: .integer, data: ColumnVector(storage: .int64((0..<n).map { _ in [200, 201, 404, 500, 302].randomElement(using: &g) ?? 0 })))),
            ("log levels (4 strings)", SegmentColumn(id: 4, type: .varchar, data: ColumnVector(storage: .bytes(ByteArray((0..<n).map { _ in ["info", "warn", "error", "debug"].randomElement(using: &g) ?? "" }))))),
            ("tenant names (1000 strings)", SegmentColumn(id: 5, type: .varchar, data: ColumnVector(storage: .bytes(ByteArray((0..<n).map { _ in "tenant-\(Int.random(in: 0..<1000, using: &g))" }))))),
            ("unique request ids", SegmentColumn(id: 6, type: .varchar, data: ColumnVector(storage: .bytes(ByteArray((0..<n).map { _ in "req-" + String(UInt64.random(in: 0 ... .max, using: &g), radix: 16) }))))),
            ("latency doubles, 2 decimals", SegmentColumn(id: 7, type: .double, data: ColumnVector(storage: .float64((0..<n).map { _ in (Double.random(in: 0..<500, using: &g) * 100).rounded() / 100 })))),
        ]
        for (name, column) in samples {
            let path = dir + "/c\(column.id)"
            let summary = try SegmentWriter.write(to: path, columns: [column])
            let reader = try SegmentReader(path: path)
            #expect(try readColumn(reader, column.id) == column.data)
            let perRow = Double(summary.fileSize) / Double(n)
            print("compression: \(name): \((perRow * 100).rounded() / 100) bytes/row")
        }
    }
}
