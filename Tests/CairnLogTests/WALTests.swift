import CairnFormat
import Testing
@testable import CairnLog

@Suite struct WALTests {
    /// A batch with every physical type, NULLs, and strings of varying length.
    static func batch(rows: Int, seed: Int64) -> [ColumnVector] {
        let ints = (0..<Int64(rows)).map { $0 * 1_000 + seed }
        let doubles = (0..<rows).map { Double($0) / 3 + Double(seed) }
        let strings = ByteArray((0..<rows).map { String(repeating: "x", count: $0 % 5) + "\(seed)" })
        let validity = (0..<rows).map { $0 % 3 != 1 }
        var doubleColumn = ColumnVector(storage: .float64(doubles), validity: validity)
        if case .float64(var d) = doubleColumn.storage {
            for i in 0..<rows where !validity[i] { d[i] = 0 }
            doubleColumn.storage = .float64(d)
        }
        return [ColumnVector(storage: .int64(ints)), doubleColumn, ColumnVector(storage: .bytes(strings))]
    }

    /// Appends `count` insert records to log file 1 and returns each record's end offset.
    @discardableResult
    static func writeLog(_ dir: String, count: Int, durability: WALDurability = .everyCommit) throws -> [Int] {
        let wal = try WALWriter(directory: dir, sequence: 1, durability: durability)
        var ends: [Int] = []
        var offset = WALFormat.headerSize
        for i in 0..<count {
            let columns = batch(rows: 10 + i, seed: Int64(i))
            var record = WALRecordBuffer.insert(tableID: 7, columnIDs: [0, 1, 5], columns: columns, rowCount: 10 + i)
            try wal.append(&record)
            offset += record.size
            ends.append(offset)
        }
        wal.close()
        return ends
    }

    static func replayAll(_ dir: String, repair: Bool) throws(CairnError) -> (records: [WALRecord], result: WALReader.FileResult) {
        var records: [WALRecord] = []
        let result = try WALReader.replay(directory: dir, sequence: 1, repair: repair) { records.append($0) }
        return (records, result)
    }

    @Test func recordsRoundTripInOrder() throws {
        let dir = TemporaryDirectory()
        try Self.writeLog(dir.path, count: 4)
        let (records, result) = try Self.replayAll(dir.path, repair: true)
        #expect(result == .init(records: 4, tornTailOffset: nil))
        for (i, record) in records.enumerated() {
            guard case .insert(let table, let ids, let columns, let rows) = record else { Issue.record(); continue }
            #expect(table == 7)
            #expect(ids == [0, 1, 5])
            #expect(rows == 10 + i)
            #expect(columns == Self.batch(rows: 10 + i, seed: Int64(i)))
        }
    }

    @Test(arguments: [WALDurability.never, .interval(milliseconds: 5)])
    func otherDurabilityModesWriteTheSameLog(durability: WALDurability) throws {
        let dir = TemporaryDirectory()
        try Self.writeLog(dir.path, count: 3, durability: durability)
        #expect(try Self.replayAll(dir.path, repair: false).records.count == 3)
    }

    @Test func tornTailAtEveryOffsetOfTheLastRecordIsCutOff() throws {
        let dir = TemporaryDirectory()
        let ends = try Self.writeLog(dir.path, count: 3)
        let full = dir.readFile(WALFormat.fileName(sequence: 1))
        let lastStart = ends[1]
        for cut in lastStart..<ends[2] {
            dir.writeFile(WALFormat.fileName(sequence: 1), Array(full[0..<cut]))
            let readOnly = try Self.replayAll(dir.path, repair: false)
            #expect(readOnly.records.count == 2)
            #expect(dir.fileSize(WALFormat.fileName(sequence: 1)) == cut, "read-only replay must not truncate")
            let repaired = try Self.replayAll(dir.path, repair: true)
            #expect(repaired.records.count == 2)
            #expect(repaired.result.tornTailOffset == (cut == lastStart ? nil : lastStart))
            #expect(dir.fileSize(WALFormat.fileName(sequence: 1)) == lastStart)
        }
    }

    @Test func garbageTailIsTreatedAsTorn() throws {
        let dir = TemporaryDirectory()
        let ends = try Self.writeLog(dir.path, count: 2)
        var bytes = dir.readFile(WALFormat.fileName(sequence: 1))
        bytes.append(contentsOf: [0xFF, 0x00, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0x01, 0x02])
        dir.writeFile(WALFormat.fileName(sequence: 1), bytes)
        let (records, result) = try Self.replayAll(dir.path, repair: true)
        #expect(records.count == 2)
        #expect(result.tornTailOffset == ends[1])
        #expect(dir.fileSize(WALFormat.fileName(sequence: 1)) == ends[1])
    }

    @Test func damagedRecordFollowedByValidOnesIsReportedNotDropped() throws {
        let dir = TemporaryDirectory()
        let ends = try Self.writeLog(dir.path, count: 4)
        var bytes = dir.readFile(WALFormat.fileName(sequence: 1))
        bytes[ends[0] + 20] ^= 0x40  // inside the second record's payload
        dir.writeFile(WALFormat.fileName(sequence: 1), bytes)
        let error = #expect(throws: CairnError.self) { try Self.replayAll(dir.path, repair: true) }
        #expect(error?.code == .corrupt)
        #expect(error?.file == dir.path + "/" + WALFormat.fileName(sequence: 1))
        #expect(error?.offset == ends[0])
        #expect(dir.fileSize(WALFormat.fileName(sequence: 1)) == bytes.count, "a corrupt log must not be truncated")
    }

    @Test func damagedLengthFieldFollowedByValidRecordsIsReported() throws {
        let dir = TemporaryDirectory()
        let ends = try Self.writeLog(dir.path, count: 3)
        var bytes = dir.readFile(WALFormat.fileName(sequence: 1))
        bytes[ends[0] + 3] = 0x7F  // the second record now claims to run past the end of the file
        dir.writeFile(WALFormat.fileName(sequence: 1), bytes)
        let error = #expect(throws: CairnError.self) { try Self.replayAll(dir.path, repair: true) }
        #expect(error?.code == .corrupt)
        #expect(error?.offset == ends[0])
    }

    @Test func deleteRecordsRoundTripBesideInserts() throws {
        let dir = TemporaryDirectory()
        let wal = try WALWriter(directory: dir.path, sequence: 1, durability: .everyCommit)
        var insert = WALRecordBuffer.insert(tableID: 7, columnIDs: [0, 1, 5], columns: Self.batch(rows: 3, seed: 1), rowCount: 3)
        try wal.append(&insert)
        var delete = WALRecordBuffer.delete(tableID: 7, deletionFile: [1, 2, 3, 250])
        try wal.append(&delete)
        wal.close()
        let (records, _) = try Self.replayAll(dir.path, repair: false)
        #expect(records.count == 2)
        guard case .delete(let table, let bytes)? = records.last else { Issue.record("no delete record"); return }
        #expect(table == 7)
        #expect(bytes == [1, 2, 3, 250])
    }

    /// Version 1 logs (inserts only) written by earlier builds still replay; a delete record in one is
    /// corruption, not something to skip.
    @Test func versionOneLogsAreReadAndHoldOnlyInserts() throws {
        let name = WALFormat.fileName(sequence: 1)
        func downgrade(_ dir: TemporaryDirectory) {
            var bytes = dir.readFile(name)
            bytes[8] = 1
            bytes.withUnsafeMutableBytes { raw in
                raw.storeBytes(of: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<20])).littleEndian, toByteOffset: 20, as: UInt32.self)
            }
            dir.writeFile(name, bytes)
        }
        let inserts = TemporaryDirectory()
        try Self.writeLog(inserts.path, count: 2)
        downgrade(inserts)
        #expect(try Self.replayAll(inserts.path, repair: false).records.count == 2)

        let deletes = TemporaryDirectory()
        let wal = try WALWriter(directory: deletes.path, sequence: 1, durability: .everyCommit)
        var delete = WALRecordBuffer.delete(tableID: 7, deletionFile: [0])
        try wal.append(&delete)
        wal.close()
        downgrade(deletes)
        let error = #expect(throws: CairnError.self) { try Self.replayAll(deletes.path, repair: false) }
        #expect(error?.code == .corrupt)
        #expect(error?.offset == WALFormat.headerSize)
    }

    @Test func headerProblemsAreNamed() throws {
        let dir = TemporaryDirectory()
        try Self.writeLog(dir.path, count: 1)
        let name = WALFormat.fileName(sequence: 1)
        let original = dir.readFile(name)

        var badVersion = original
        badVersion[8] = 9
        dir.writeFile(name, badVersion)
        do {
            _ = try Self.replayAll(dir.path, repair: false)
            Issue.record("version 9 accepted")
        } catch {
            #expect(error.code == .unsupportedVersion)
            #expect(error.file == dir.path + "/" + name)
        }

        var badMagic = original
        badMagic[0] = 0
        dir.writeFile(name, badMagic)
        do {
            _ = try Self.replayAll(dir.path, repair: false)
            Issue.record("bad magic accepted")
        } catch {
            #expect(error.code == .corrupt)
        }
    }

    @Test func fileCutInsideItsHeaderHoldsNoRecordsAndIsRemovedOnRepair() throws {
        let dir = TemporaryDirectory()
        try Self.writeLog(dir.path, count: 1)
        dir.truncateFile(WALFormat.fileName(sequence: 1), to: 10)
        #expect(try Self.replayAll(dir.path, repair: false).records.isEmpty)
        #expect(try WALReader.sequences(in: dir.path) == [1])
        #expect(try Self.replayAll(dir.path, repair: true).records.isEmpty)
        #expect(try WALReader.sequences(in: dir.path) == [])
    }

    @Test func rotationStartsTheNextSequence() throws {
        let dir = TemporaryDirectory()
        let wal = try WALWriter(directory: dir.path, sequence: 1, durability: .everyCommit)
        var record = WALRecordBuffer.insert(tableID: 1, columnIDs: [0], columns: [ColumnVector(storage: .int64([1]))], rowCount: 1)
        try wal.append(&record)
        #expect(wal.hasRecords)
        try wal.rotate()
        #expect(wal.sequence == 2)
        #expect(!wal.hasRecords)
        var second = WALRecordBuffer.insert(tableID: 1, columnIDs: [0], columns: [ColumnVector(storage: .int64([2]))], rowCount: 1)
        try wal.append(&second)
        wal.close()
        #expect(try WALReader.sequences(in: dir.path) == [1, 2])
        var values: [Int64] = []
        for sequence in [UInt64(1), 2] {
            try WALReader.replay(directory: dir.path, sequence: sequence, repair: false) { record in
                if case .insert(_, _, let columns, _) = record, case .int64(let v) = columns[0].storage { values += v }
            }
        }
        #expect(values == [1, 2])
    }

    @Test func fileNamesRoundTrip() {
        #expect(WALFormat.fileName(sequence: 0x1f) == "000000000000001f.wal")
        #expect(WALFormat.sequence(fileName: "000000000000001f.wal") == 0x1f)
        #expect(WALFormat.sequence(fileName: "000000000000001F.wal") == nil)
        #expect(WALFormat.sequence(fileName: "1f.wal") == nil)
    }
}
