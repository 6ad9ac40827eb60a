import Cairn
import Foundation
import Testing

/// Kills a writer process with SIGKILL at random moments and checks, after each kill, that the
/// database opens, every acknowledged batch is present exactly once and whole, and no
/// unacknowledged batch appears in part.
@Suite struct CrashTests {
    static var writerPath: String {
        // Test binaries and the writer tool are built into the same products directory.
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("cairn-crash-writer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/debug/cairn-crash-writer"
    }

    /// Starts the writer, optionally waits for its first acknowledgement, lets it run `millis` more,
    /// kills it with SIGKILL, and returns the acknowledged batch numbers.
    func runAndKill(db: String, first: Int, rows: Int, checkpointEvery: Int, waitForAck: Bool, millis: Int) throws -> [Int] {
        try runAndKillLines(db: db, first: first, rows: rows, checkpointEvery: checkpointEvery, lifecycle: false,
                            waitForAck: waitForAck, millis: millis)
            .compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil }
    }

    /// Like ``runAndKill``, returning every acknowledgement line the writer printed.
    func runAndKillLines(db: String, first: Int, rows: Int, checkpointEvery: Int, lifecycle: Bool, waitForAck: Bool,
                         millis: Int) throws -> [String] {
        let ackFile = db + ".acks"
        guard FileManager.default.createFile(atPath: ackFile, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: ackFile])
        }
        defer { try? FileManager.default.removeItem(atPath: ackFile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.writerPath)
        p.arguments = [db, String(first), String(rows), String(checkpointEvery)] + (lifecycle ? ["lifecycle"] : [])
        p.standardOutput = FileHandle(forWritingAtPath: ackFile)
        p.standardError = FileHandle.nullDevice
        try p.run()
        func acks() -> [String] {
            let text = (try? String(contentsOfFile: ackFile, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }
        if waitForAck {
            // Generous bound: a loaded debug build may take seconds for its first large batch.
            let deadline = Date().addingTimeInterval(120)
            while acks().isEmpty, p.isRunning, Date() < deadline { usleep(5_000) }
        }
        usleep(UInt32(millis * 1000))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return acks()
    }

    @Test(arguments: [(rows: 3, checkpointEvery: 0), (rows: 50, checkpointEvery: 7), (rows: 150_000, checkpointEvery: 0)])
    func acknowledgedWritesSurviveKill(rows: Int, checkpointEvery: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var acked = Set<Int>()
        var nextBatch = 0
        var rng = SystemRandomNumberGenerator()
        let rounds = rows > 10_000 ? 4 : 10
        for round in 0..<rounds {
            // Odd rounds kill soon after start (often mid-batch, before any ack); even rounds after an ack.
            let delay = Int.random(in: 0...300, using: &rng)
            let got = try runAndKill(db: path, first: nextBatch, rows: rows, checkpointEvery: checkpointEvery,
                                     waitForAck: round % 2 == 0, millis: delay)
            acked.formUnion(got)
            // The kill can land between a commit and its "ack" line, so the batch after the last ack
            // may exist (whole) unacknowledged; the next writer starts above it to avoid duplicates.
            nextBatch = got.max().map { $0 + 2 } ?? nextBatch + 1

            let db = try Database(path: path)
            // A writer killed before its first statement leaves no table behind.
            try db.execute("CREATE TABLE IF NOT EXISTS crash (ts TIMESTAMP NOT NULL, batch BIGINT NOT NULL, seq BIGINT NOT NULL, payload VARCHAR) PARTITION BY day(ts)")
            let result = try db.execute("SELECT batch, count(*), count(DISTINCT seq) FROM crash GROUP BY batch")
            var counts: [Int: Int] = [:]
            for row in result {
                guard case .int(let b) = row[0], case .int(let n) = row[1], case .int(let d) = row[2] else { continue }
                counts[Int(b)] = Int(n)
                #expect(n == d, "batch \(b) has duplicate rows")
            }
            for b in acked {
                #expect(counts[b] == rows, "acknowledged batch \(b) has \(counts[b] ?? 0) of \(rows) rows")
            }
            for (b, n) in counts {
                #expect(n == rows, "batch \(b) is partial: \(n) of \(rows) rows")
            }
            db.close()
        }
        #expect(!acked.isEmpty)
    }

    /// Kills a writer that deletes, compacts, vacuums, applies retention and backs up between batches.
    /// After every kill: the database opens and passes CHECK (no orphan files, every checksum good);
    /// every acknowledged batch is there once, whole, or exactly halved when its delete was
    /// acknowledged; no deleted row reappears; expired rows never show; every acknowledged backup opens
    /// and passes CHECK with only whole or halved batches.
    @Test func lifecycleOperationsSurviveKill() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-crash-life-\(UUID().uuidString)").path
        defer {
            let parent = (path as NSString).deletingLastPathComponent
            for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
            where name.hasPrefix((path as NSString).lastPathComponent) {
                try? FileManager.default.removeItem(atPath: parent + "/" + name)
            }
        }
        let rows = 40
        var acked = Set<Int>(), halved = Set<Int>(), backups: [String] = []
        var nextBatch = 0
        var rng = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let lines = try runAndKillLines(db: path, first: nextBatch, rows: rows, checkpointEvery: 3, lifecycle: true,
                                            waitForAck: round % 2 == 0, millis: Int.random(in: 0...400, using: &rng))
            let got = lines.compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil }
            acked.formUnion(got)
            halved.formUnion(lines.compactMap { $0.hasPrefix("del ") ? Int($0.dropFirst(4)) : nil })
            backups.append(contentsOf: lines.filter { $0.hasPrefix("backup ") }.compactMap { $0.split(separator: " ").last.map(String.init) })
            nextBatch = got.max().map { $0 + 2 } ?? nextBatch + 1

            let db = try Database(path: path, options: Database.Options(durability: .fsync, maintenanceInterval: nil))
            try db.execute("CREATE TABLE IF NOT EXISTS crash (ts TIMESTAMP NOT NULL, batch BIGINT NOT NULL, seq BIGINT NOT NULL, payload VARCHAR) PARTITION BY day(ts)")
            let check = try db.execute("CHECK")
            #expect(check.first?.first == .string("ok"), "round \(round): \(check.map(\.description))")
            let counts = try Self.batchCounts(db, rows: rows)
            for b in acked where !halved.contains(b) {
                // Only batches N with N + 1 ≡ 2 (mod 3) are ever deleted from; the kill may land before the "del" line.
                let mayBeHalved = b % 3 == 1
                #expect(counts[b] == rows || (mayBeHalved && counts[b] == rows / 2), "acknowledged batch \(b) has \(counts[b] ?? 0) rows")
            }
            for b in halved where acked.contains(b) {
                #expect(counts[b] == rows / 2, "batch \(b) had its odd rows deleted but has \(counts[b] ?? 0) rows")
            }
            if let aged = try? db.execute("SELECT count(*) FROM aged").first?.first { #expect(aged == .int(0)) }
            db.close()
        }
        #expect(!acked.isEmpty)
        #expect(!halved.isEmpty)
        print("lifecycle crash test: \(acked.count) batches, \(halved.count) deletes, \(backups.count) backups acknowledged")
        for backup in backups {
            let copy = try Database(path: backup, mode: .readOnly)
            _ = try Self.batchCounts(copy, rows: rows)
            copy.close()
            let writable = try Database(path: backup, options: Database.Options(durability: .none, maintenanceInterval: nil))
            #expect(try writable.execute("CHECK").first?.first == .string("ok"), "backup \(backup)")
            writable.close()
        }
    }

    /// Rows per batch; every batch must be whole or have exactly its odd `seq` rows deleted.
    static func batchCounts(_ db: Database, rows: Int) throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        let result = try db.execute("SELECT batch, count(*), count(DISTINCT seq), sum(seq % 2) FROM crash GROUP BY batch")
        for row in result {
            guard case .int(let b) = row[0], case .int(let n) = row[1], case .int(let d) = row[2] else { continue }
            counts[Int(b)] = Int(n)
            #expect(n == d, "batch \(b) has duplicate rows")
            #expect(n == Int64(rows) || (n == Int64(rows / 2) && row[3] == .int(0)), "batch \(b) is partial: \(n) of \(rows) rows")
        }
        return counts
    }
}
