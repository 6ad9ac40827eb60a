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
        let ackFile = db + ".acks"
        FileManager.default.createFile(atPath: ackFile, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: ackFile) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.writerPath)
        p.arguments = [db, String(first), String(rows), String(checkpointEvery)]
        p.standardOutput = FileHandle(forWritingAtPath: ackFile)
        p.standardError = FileHandle.nullDevice
        try p.run()
        func acks() -> [Int] {
            let text = (try? String(contentsOfFile: ackFile, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil }
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
}
