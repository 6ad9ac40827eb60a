import Cairn
import CairnFormat
import CairnLog
import Foundation
import Testing

/// DELETE, retention, compaction, VACUUM, BACKUP and CHECK through SQL, with an injected clock.
@Suite struct LifecycleTests {
    /// 2026-12-04 00:00:00 UTC.
    static let now = Calendar.days(year: 2026, month: 12, day: 4) * Calendar.microsPerDay
    static let day = Calendar.microsPerDay

    static func options(maintenance: Duration? = nil) -> Database.Options {
        Database.Options(durability: .none, maintenanceInterval: maintenance, clock: { LifecycleTests.now })
    }

    static let ddl = """
        CREATE TABLE events (ts TIMESTAMP NOT NULL, tenant_id VARCHAR, user_id VARCHAR, event_type VARCHAR,
                             payload VARCHAR, metadata JSON) PARTITION BY day(ts)
        """

    /// `count` rows per day for `days` days ending yesterday; every 7th row belongs to `victim`.
    static func insertEvents(_ db: Database, days: Int, perDay: Int, victim: String = "u-42") throws {
        let appender = try db.appender(for: "events")
        for d in 1...days {
            for i in 0..<perDay {
                let user = i % 7 == 0 ? victim : "u-\(i % 50)"
                try appender.append(timestamp: now - Int64(d) * day + Int64(i) * 1_000_000)
                try appender.append("tenant-\(i % 3)")
                try appender.append(user)
                try appender.append(i % 10 == 0 ? "security_login" : "page_view")
                try appender.append("payload of \(user) #\(i)")
                try appender.append(#"{"who": "\#(user)", "n": \#(i)}"#)
                try appender.endRow()
            }
        }
        try appender.flush()
    }

    static func count(_ db: Database, _ sql: String, _ parameters: [Value] = []) throws -> Int {
        guard case .int(let n)? = try db.execute(sql, parameters).first?.first else { return -1 }
        return Int(n)
    }

    @Test func deleteHidesRowsAtOnceAndSurvivesReopen() throws {
        let dir = TempDir()
        var db = try Database(path: dir.path, options: Self.options())
        try db.execute(Self.ddl)
        try Self.insertEvents(db, days: 3, perDay: 70)
        try db.execute("CHECKPOINT")
        // More rows that stay in the head: a DELETE must reach them too.
        try Self.insertEvents(db, days: 2, perDay: 14)
        let total = try Self.count(db, "SELECT count(*) FROM events")
        let similarUsers = try Self.count(db, "SELECT count(DISTINCT user_id) FROM events WHERE user_id LIKE 'u-4%'")
        let victims = try Self.count(db, "SELECT count(*) FROM events WHERE user_id = 'u-42'")
        #expect(total == 3 * 70 + 2 * 14)
        #expect(victims == 3 * 10 + 2 * 2)

        let result = try db.execute("DELETE FROM events WHERE user_id = $1", [.string("u-42")])
        #expect(result.rowsAffected == victims)
        #expect(try Self.count(db, "SELECT count(*) FROM events WHERE user_id = 'u-42'") == 0)
        #expect(try Self.count(db, "SELECT count(*) FROM events") == total - victims)
        #expect(try db.execute("DELETE FROM events WHERE user_id = 'u-42'").rowsAffected == 0)

        db.close()
        db = try Database(path: dir.path, options: Self.options())
        #expect(try Self.count(db, "SELECT count(*) FROM events WHERE user_id = 'u-42'") == 0)
        #expect(try Self.count(db, "SELECT count(*) FROM events") == total - victims)
        // Aggregates, filters and DISTINCT all see the same rows.
        #expect(try Self.count(db, "SELECT count(DISTINCT user_id) FROM events WHERE user_id LIKE 'u-4%'") == similarUsers - 1)

        let tenant0 = try Self.count(db, "SELECT count(*) FROM events WHERE tenant_id = 'tenant-0'")
        #expect(tenant0 > 0)
        #expect(try db.execute("DELETE FROM events WHERE tenant_id = 'tenant-0'").rowsAffected == tenant0)
        let remaining = try Self.count(db, "SELECT count(*) FROM events")
        #expect(try db.execute("DELETE FROM events").rowsAffected == remaining)
        #expect(try Self.count(db, "SELECT count(*) FROM events") == 0)
        db.close()
    }

    /// Deletes commit through the log and are folded into deletion files and the manifest afterwards
    /// (LoggedDeleteTests covers a crash before the fold): another process sees them at once, and after
    /// a reopen only the files the manifest names remain.
    @Test func deletesAreSeenByOtherProcessesAndLeaveOnlyNamedFiles() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute(Self.ddl)
        try Self.insertEvents(db, days: 3, perDay: 70)
        try db.execute("CHECKPOINT")
        var expected = try Self.count(db, "SELECT count(*) FROM events")
        // The second statement supersedes the first one's deletion file; the third empties a partition.
        for predicate in ["user_id = 'u-42'", "tenant_id = 'tenant-1' AND user_id LIKE 'u-1%'", "ts >= TIMESTAMP '2026-12-03'"] {
            let matching = try Self.count(db, "SELECT count(*) FROM events WHERE \(predicate)")
            #expect(matching > 0)
            #expect(try db.execute("DELETE FROM events WHERE \(predicate)").rowsAffected == matching)
            expected -= matching
        }
        let reader = try Database(path: dir.path, mode: .readOnly, options: Self.options())
        #expect(try Self.count(reader, "SELECT count(*) FROM events") == expected)
        reader.close()
        db.close()

        let reopened = try Database(path: dir.path, options: Self.options())
        #expect(try Self.count(reopened, "SELECT count(*) FROM events") == expected)
        #expect(try Self.count(reopened, "SELECT count(*) FROM events WHERE user_id = 'u-42'") == 0)
        #expect(try reopened.execute("CHECK").first?.first == .string("ok"))
        reopened.close()
        #expect(dir.files().filter { $0.hasSuffix(".del") }.count == 1)
        #expect(dir.segments().count == 2)
    }

    /// A read-only database open beside the writer keeps answering while the writer's deletes empty
    /// partitions and their segment files are deleted (a statement that finds a file gone runs again on
    /// the newer manifest), every answer is a count the writer committed at some point, and commits
    /// still only in the log are seen.
    @Test func readOnlyQueriesSurviveFilesDeletedByTheWriter() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        defer { db.close() }
        try db.execute(Self.ddl)
        let days = 24
        try Self.insertEvents(db, days: days, perDay: 30)
        try db.execute("CHECKPOINT")
        let reader = try Database(path: dir.path, mode: .readOnly, options: Self.options())
        defer { reader.close() }
        var committed: Set<Int> = [days * 30]
        for d in 1...days {
            let from = Self.now - Int64(d) * Self.day
            let emptied = try db.execute("DELETE FROM events WHERE ts >= $1 AND ts < $2",
                                         [.timestamp(from), .timestamp(from + Self.day)]).rowsAffected ?? 0
            #expect(emptied == 30)
            committed.insert((days - d) * 30)
            for _ in 0..<3 {
                let seen = try Self.count(reader, "SELECT count(*) FROM events")
                #expect(committed.contains(seen), "read-only count \(seen) was never committed")
            }
        }
        #expect(try Self.count(reader, "SELECT count(*) FROM events") == 0)
        // Rows committed to the log only (no checkpoint) are seen at once too.
        try Self.insertEvents(db, days: 1, perDay: 5)
        #expect(try Self.count(reader, "SELECT count(*) FROM events") == 5)
    }

    @Test func vacuumRemovesDeletedRowsFromEveryFile() throws {
        let dir = TempDir()
        let victim = "gdpr-victim-7f3a"
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute(Self.ddl)
        try Self.insertEvents(db, days: 4, perDay: 100, victim: victim)
        try db.execute("CHECKPOINT")
        try Self.insertEvents(db, days: 2, perDay: 21, victim: victim)  // still in the log
        #expect(dir.decodedStrings().contains { $0.contains(victim) })

        let deleted = try db.execute("DELETE FROM events WHERE user_id = '\(victim)'").rowsAffected ?? 0
        #expect(deleted == 4 * 15 + 2 * 3)
        try db.execute("VACUUM")
        let leftovers = dir.decodedStrings().filter { $0.contains(victim) }
        #expect(leftovers.isEmpty, "deleted rows still in files: \(leftovers.prefix(3))")
        #expect(try Self.count(db, "SELECT count(*) FROM events") == 4 * 100 + 2 * 21 - deleted)
        #expect(try db.execute("CHECK").first?.first == .string("ok"))
        db.close()
        #expect(dir.decodedStrings().filter { $0.contains(victim) }.isEmpty)
    }

    @Test func retentionHidesExpiredRowsAndDropsWholePartitions() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute("CREATE TABLE m (ts TIMESTAMP NOT NULL, v BIGINT) PARTITION BY day(ts) RETENTION INTERVAL '30 days'")
        for (age, v) in [(1, 1), (29, 2), (31, 3), (400, 4)] {
            try db.execute("INSERT INTO m VALUES ($1, $2)", [.timestamp(Self.now - Int64(age) * Self.day), .int(Int64(v))])
        }
        #expect(try db.execute("SELECT v FROM m ORDER BY v").map { $0[0] } == [.int(1), .int(2)])
        try db.execute("CHECKPOINT")
        #expect(dir.partitionDirectories().count == 4)
        #expect(try db.execute("SELECT v FROM m ORDER BY v").map { $0[0] } == [.int(1), .int(2)])
        // The expired partitions are pruned, not scanned.
        let plan = try db.execute("EXPLAIN SELECT count(*) FROM m").map { $0[0].description }.joined(separator: "\n")
        #expect(plan.contains("partitions: 2 of 4 scanned"), "\(plan)")

        let report = try db.execute("VACUUM m")
        #expect(report.first?[0] == .int(2))  // partitions_dropped
        #expect(dir.partitionDirectories().count == 2)
        try db.execute("ALTER TABLE m RESET RETENTION")
        #expect(try db.execute("SELECT v FROM m ORDER BY v").map { $0[0] } == [.int(1), .int(2)])
        db.close()
    }

    @Test func retentionRulesKeepSomeRowsLonger() throws {
        let dir = TempDir()
        var db = try Database(path: dir.path, options: Self.options())
        try db.execute("""
            CREATE TABLE audit (ts TIMESTAMP NOT NULL, event_type VARCHAR, n INTEGER) PARTITION BY month(ts)
                RETENTION INTERVAL '90 days', INTERVAL '7 years' WHERE event_type LIKE 'security_%',
                          INTERVAL '1 day' WHERE event_type = 'debug'
            """)
        let rows: [(Int, String, Int)] = [(10, "login", 1), (100, "login", 2), (365, "security_alert", 3),
                                          (3000, "security_alert", 4), (5, "debug", 5), (0, "debug", 6), (200, "x", 7)]
        for (age, type, n) in rows {
            try db.execute("INSERT INTO audit VALUES ($1, $2, $3)", [.timestamp(Self.now - Int64(age) * Self.day + 1), .string(type), .int(Int64(n))])
        }
        try db.execute("INSERT INTO audit VALUES ($1, NULL, 8)", [.timestamp(Self.now - 200 * Self.day)])
        let visible: [Value] = [.int(1), .int(3), .int(6)]
        #expect(try db.execute("SELECT n FROM audit ORDER BY n").map { $0[0] } == visible)
        #expect(try Self.count(db, "SELECT count(*) FROM audit WHERE event_type LIKE 'security%'") == 1)
        try db.execute("VACUUM")
        db.close()
        db = try Database(path: dir.path, options: Self.options())
        #expect(try db.execute("SELECT n FROM audit ORDER BY n").map { $0[0] } == visible)
        // Purged rows are gone for good: lifting the policy shows only what VACUUM kept.
        try db.execute("ALTER TABLE audit RESET RETENTION")
        #expect(try db.execute("SELECT n FROM audit ORDER BY n").map { $0[0] } == visible)
        try db.execute("ALTER TABLE audit SET RETENTION INTERVAL '3 days'")
        #expect(try db.execute("SELECT n FROM audit ORDER BY n").map { $0[0] } == [.int(6)])
        let schema = db.tableDefinition("audit") ?? ""
        #expect(schema.contains("RETENTION INTERVAL '3 days'"), "\(schema)")
        db.close()
    }

    @Test func retentionErrorsPointAtTheProblem() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        #expect(throws: CairnError.self) { try db.execute("CREATE TABLE x (v BIGINT) RETENTION INTERVAL '1 day'") }
        #expect(throws: CairnError.self) { try db.execute("CREATE TABLE x (ts TIMESTAMP) RETENTION 5") }
        #expect(throws: CairnError.self) { try db.execute("CREATE TABLE x (ts TIMESTAMP) RETENTION INTERVAL '1 day' WHERE nope = 1") }
        #expect(throws: CairnError.self) { try db.execute("CREATE TABLE x (ts TIMESTAMP) RETENTION INTERVAL '1 day', INTERVAL '2 days'") }
        #expect(throws: CairnError.self) { try db.execute("CREATE TABLE x (ts TIMESTAMP, v BIGINT) ORDER BY (w)") }
        do {
            try db.execute("CREATE TABLE x (ts TIMESTAMP) RETENTION INTERVAL '1 day' WHERE missing > 1")
        } catch let e as CairnError {
            #expect(e.location == SourceLocation(line: 1, column: 64), "\(e)")
        }
        db.close()
    }

    @Test func compactMergesSegmentsSortedBySortKey() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute("CREATE TABLE s (ts TIMESTAMP NOT NULL, tenant VARCHAR, v BIGINT) PARTITION BY day(ts) ORDER BY (tenant, ts)")
        var expected = 0
        for round in 0..<6 {
            for i in 0..<50 {
                try db.execute("INSERT INTO s VALUES ($1, $2, $3)", [.timestamp(Self.now - Self.day + Int64(round * 1000 + i)),
                                                                   .string("t\((i * 7 + round) % 5)"), .int(Int64(round * 50 + i))])
                expected += round * 50 + i
            }
            try db.execute("CHECKPOINT")
        }
        let before = try db.execute("SELECT tenant, count(*), sum(v) FROM s GROUP BY tenant ORDER BY tenant").map { $0.description }
        #expect(dir.segments().count == 6)
        let report = try db.execute("COMPACT s")
        #expect(report.first?[2] == .int(6))  // segments_removed
        #expect(dir.segments().count == 1)
        #expect(try db.execute("SELECT tenant, count(*), sum(v) FROM s GROUP BY tenant ORDER BY tenant").map { $0.description } == before)
        #expect(try Self.count(db, "SELECT sum(v) FROM s") == expected)
        // The new segment is sorted by (tenant, ts).
        let reader = try SegmentReader(path: dir.path + "/" + dir.segments()[0])
        guard case .bytes(let tenants) = try reader.read(column: 1, block: 0).storage,
              case .int64(let ts) = try reader.read(column: 0, block: 0).storage else {
            Issue.record("unexpected column storage")
            return
        }
        let keys: [String] = (0..<tenants.count).map { tenants.string(at: $0) + String(format: "|%020lld", ts[$0]) }
        #expect(tenants.count == 300)
        #expect(keys == keys.sorted())
        #expect(try db.execute("CHECK").first?.first == .string("ok"))
        db.close()
    }

    @Test func backgroundMaintenanceAppliesRetentionAndMergesSegments() throws {
        let dir = TempDir()
        // Five small segments in each of four partitions, written with maintenance off…
        let setup = try Database(path: dir.path, options: Self.options())
        try setup.execute("CREATE TABLE b (ts TIMESTAMP NOT NULL, v BIGINT) PARTITION BY day(ts) RETENTION INTERVAL '7 days'")
        for age in [1, 2, 30, 31] {
            for k in 0..<5 {
                try setup.execute("INSERT INTO b VALUES ($1, $2)", [.timestamp(Self.now - Int64(age) * Self.day + Int64(k)), .int(Int64(k))])
                try setup.execute("CHECKPOINT")
            }
        }
        setup.close()
        #expect(dir.segments().count == 20)
        // …then left to the background pass.
        let db = try Database(path: dir.path, options: Self.options(maintenance: .milliseconds(20)))
        // Polls (without timing assertions) until the background pass has run; bounded.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && (dir.partitionDirectories().count > 2 || dir.segments().count > 2) { usleep(20_000) }
        #expect(db.lastMaintenanceError == nil, "\(String(describing: db.lastMaintenanceError))")
        #expect(dir.partitionDirectories().count == 2, "\(dir.files())")
        #expect(dir.segments().count == 2, "\(dir.files())")
        #expect(try Self.count(db, "SELECT count(*) FROM b") == 10)
        db.close()
    }

    @Test func backupWhileWritingIsConsistentAndOpens() async throws {
        let dir = TempDir()
        let target = dir.path + "-backup"
        defer { try? FileManager.default.removeItem(atPath: target) }
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute("CREATE TABLE w (ts TIMESTAMP NOT NULL, batch BIGINT, i BIGINT) PARTITION BY day(ts)")
        try db.execute("DELETE FROM w")
        let writer = Task.detached {
            // Whole batches of 100 rows, each one commit; some flushed to segments, some deleted again.
            for batch in 0..<300 {
                let appender = try db.appender(for: "w")
                for i in 0..<100 {
                    try appender.append(timestamp: Self.now - Int64(batch % 4) * Self.day + Int64(i))
                    try appender.append(Int64(batch))
                    try appender.append(Int64(i))
                    try appender.endRow()
                }
                try appender.flush()
                if batch % 25 == 0 { try db.execute("CHECKPOINT") }
                if batch % 40 == 39 { try db.execute("DELETE FROM w WHERE batch = \(batch - 20)") }
                await Task.yield()
            }
        }
        while try Self.count(db, "SELECT count(*) FROM w") < 3_000 { try await Task.sleep(for: .milliseconds(5)) }
        let report = try db.execute("BACKUP TO '\(target)'")
        #expect(report.first?.first.map { if case .int(let n) = $0 { n > 1 } else { false } } == true)
        try await writer.value
        db.close()

        let copy = try Database(path: target, options: Self.options())
        #expect(try copy.execute("CHECK").first?.first == .string("ok"))
        let perBatch = try copy.execute("SELECT batch, count(*) FROM w GROUP BY batch")
        #expect(perBatch.count > 0)
        for row in perBatch { #expect(row[1] == .int(100), "batch \(row[0]) is partial in the backup: \(row[1])") }
        copy.close()
        let original = try Database(path: dir.path, options: Self.options())
        #expect(try Self.count(original, "SELECT count(*) FROM w") == (300 - 7) * 100)
        original.close()
        #expect(throws: CairnError.self) {
            let again = try Database(path: dir.path, options: Self.options())
            defer { again.close() }
            try again.execute("BACKUP TO '\(target)'")
        }
    }

    @Test func checkNamesTheCorruptFile() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute(Self.ddl)
        try Self.insertEvents(db, days: 2, perDay: 200)
        try db.execute("CHECKPOINT")
        #expect(try db.execute("CHECK").first?.first == .string("ok"))
        let victim = dir.segments()[0]
        let handle = try #require(FileHandle(forUpdatingAtPath: dir.path + "/" + victim))
        try handle.seek(toOffset: 200)
        let byte = try #require(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: 200)
        try handle.write(contentsOf: Data([byte ^ 0x5A]))
        try handle.close()
        let problems = try db.execute("CHECK")
        #expect(problems.first?.first == .string("error"))
        #expect(problems.contains { $0[1] == .string(victim) }, "\(problems.map(\.description))")
        db.close()
    }

    @Test func deletedVectorsAreNeverReturned() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: Self.options())
        try db.execute("CREATE TABLE docs (id BIGINT, kb VARCHAR, embedding VECTOR(8))")
        var rng = SystemRandomNumberGenerator()
        let appender = try db.appender(for: "docs")
        for id in 0..<2_000 {
            try appender.append(Int64(id))
            try appender.append(id % 2 == 0 ? "even" : "odd")
            try appender.append((0..<8).map { _ in Float.random(in: -1...1, using: &rng) })
            try appender.endRow()
        }
        try appender.flush()
        try db.execute("CHECKPOINT")
        try db.execute("CREATE INDEX ON docs USING ivfflat (embedding vector_l2_ops) WITH (lists = 16)")
        #expect(try db.execute("DELETE FROM docs WHERE id % 3 = 0").rowsAffected == 667)
        for probes in [1, 16] {
            try db.execute("SET ivfflat.probes = \(probes)")
            for q in 0..<20 {
                let query = "[" + (0..<8).map { _ in String(Float.random(in: -1...1, using: &rng)) }.joined(separator: ",") + "]"
                let ids = try db.execute("SELECT id FROM docs ORDER BY embedding <-> '\(query)' LIMIT 10").map { $0[0] }
                #expect(ids.count == 10, "query \(q) probes \(probes)")
                #expect(!ids.contains { if case .int(let i) = $0 { i % 3 == 0 } else { true } })
                let filtered = try db.execute("SELECT id FROM docs WHERE kb = 'odd' ORDER BY embedding <-> '\(query)' LIMIT 10").map { $0[0] }
                #expect(filtered.count == 10)
                #expect(!filtered.contains { if case .int(let i) = $0 { i % 3 == 0 || i % 2 == 0 } else { true } })
            }
        }
        // Compaction purges the rows; searches are unchanged.
        try db.execute("SET ivfflat.probes = 16")
        let query = "[0.1,0.2,0.3,0.4,-0.1,-0.2,-0.3,-0.4]"
        let before = try db.execute("SELECT id FROM docs ORDER BY embedding <-> '\(query)' LIMIT 10").map { $0[0] }
        try db.execute("VACUUM docs")
        #expect(try Self.count(db, "SELECT count(*) FROM docs") == 2_000 - 667)
        #expect(try db.execute("SELECT id FROM docs ORDER BY embedding <-> '\(query)' LIMIT 10").map { $0[0] } == before)
        db.close()
    }

    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-tmpfs-probe-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: probe) }
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe]) == 0 else { return false }
        return run("/bin/umount", [probe]) == 0
    }()

    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func fullDiskFailsCleanlyAndLosesNothing() throws {
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-full-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount]) == 0)
        defer {
            _ = Self.run("/bin/umount", [mount])
            try? FileManager.default.removeItem(atPath: mount)
        }
        let path = mount + "/db"
        let db = try Database(path: path, options: Self.options())
        try db.execute(Self.ddl)
        try Self.insertEvents(db, days: 3, perDay: 300)
        try db.execute("CHECKPOINT")
        try db.execute("DELETE FROM events WHERE user_id = 'u-42'")
        let committed = try Self.count(db, "SELECT count(*) FROM events")
        // Fill the disk, leaving a few KiB: big appends and rewrites must fail, cleanly.
        let filler = mount + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: filler))
        let chunk = Data(repeating: 0xAB, count: 4096)
        while (try? handle.write(contentsOf: chunk)) != nil {}
        try? handle.close()
        var failures = 0
        for _ in 0..<3 {
            do { try Self.insertEvents(db, days: 3, perDay: 2_000) } catch let e as CairnError { failures += 1; #expect(e.code == .io, "\(e)") }
            do { try db.execute("CHECKPOINT") } catch let e as CairnError { failures += 1; #expect(e.code == .io, "\(e)") }
            do { try db.execute("COMPACT events") } catch let e as CairnError { failures += 1; #expect(e.code == .io, "\(e)") }
        }
        #expect(failures > 0)
        #expect(try Self.count(db, "SELECT count(*) FROM events") >= committed)
        db.close()
        try FileManager.default.removeItem(atPath: filler)

        let reopened = try Database(path: path, options: Self.options())
        #expect(try Self.count(reopened, "SELECT count(*) FROM events WHERE user_id = 'u-42'") == 0)
        #expect(try Self.count(reopened, "SELECT count(*) FROM events") >= committed)
        try reopened.execute("VACUUM")
        #expect(try reopened.execute("CHECK").first?.first == .string("ok"))
        reopened.close()
    }
}

/// A temporary database directory, removed at the end of the test.
final class TempDir {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-life-\(UUID().uuidString)").path
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func files() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: path) else { return [] }
        return e.compactMap { $0 as? String }.filter { !isDirectory(path + "/" + $0) }.sorted()
    }

    func segments() -> [String] { files().filter { $0.hasSuffix(".seg") } }

    func partitionDirectories() -> [String] {
        files().filter { $0.hasSuffix(".seg") }.map { ($0 as NSString).deletingLastPathComponent }.reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
    }

    private func isDirectory(_ p: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
    }

    /// Every string value stored anywhere in the directory, decoded: segment columns (every block),
    /// log records, and the manifest's text; any other file's raw bytes as text.
    func decodedStrings() -> [String] {
        var out: [String] = []
        func strings(_ v: ColumnVector) {
            if case .bytes(let b) = v.storage { for i in 0..<b.count { out.append(b.string(at: i)) } }
        }
        for file in files() {
            let full = path + "/" + file
            if file.hasSuffix(".seg") {
                guard let reader = try? SegmentReader(path: full) else { out.append("unreadable segment \(file)"); continue }
                for column in reader.columnIDs {
                    for block in 0..<reader.blockCount {
                        if let v = try? reader.read(column: column, block: block) { strings(v) }
                    }
                }
            } else if file.hasPrefix("wal/"), let sequence = WALFormat.sequence(fileName: String(file.dropFirst(4))) {
                _ = try? WALReader.replay(directory: path + "/wal", sequence: sequence, repair: false) { record in
                    if case .insert(_, _, let columns, _) = record { columns.forEach(strings) }
                }
            } else if let data = FileManager.default.contents(atPath: full) {
                out.append(String(decoding: data, as: UTF8.self))
            }
        }
        return out
    }
}

/// A read-only process keeps working while the writer compacts and deletes.
@Suite struct ReadOnlyDuringCompactionTests {
    @Test func readOnlyOpenFollowsTheWritersCompactions() throws {
        let dir = TempDir()
        let writer = try Database(path: dir.path, options: LifecycleTests.options())
        try writer.execute(LifecycleTests.ddl)
        for _ in 0..<3 {
            try LifecycleTests.insertEvents(writer, days: 2, perDay: 35)
            try writer.execute("CHECKPOINT")
        }
        let reader = try Database(path: dir.path, mode: .readOnly)
        #expect(try LifecycleTests.count(reader, "SELECT count(*) FROM events") == 210)
        try writer.execute("DELETE FROM events WHERE user_id = 'u-42'")
        try writer.execute("COMPACT events")
        // Every segment the reader opened with is gone; it reads the compacted ones.
        #expect(try LifecycleTests.count(reader, "SELECT count(*) FROM events") == 210 - 30)
        #expect(try LifecycleTests.count(reader, "SELECT count(*) FROM events WHERE user_id = 'u-42'") == 0)
        #expect(try reader.execute("CHECK").first?.first == .string("ok"))
        reader.close()
        writer.close()
    }
}

/// Regressions from the review of the lifecycle code.
@Suite struct LifecycleRegressionTests {
    @Test func deletedRowsCannotMakeAFilterFail() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: LifecycleTests.options())
        try db.execute("CREATE TABLE t (ts TIMESTAMP NOT NULL, x BIGINT) PARTITION BY day(ts)")
        for i in 0..<200 { try db.execute("INSERT INTO t VALUES ($1, $2)", [.timestamp(LifecycleTests.now - Int64(i) * 1_000_000), .int(Int64(i % 5))]) }
        try db.execute("CHECKPOINT")
        // `%` by zero is an error (DuckDB's `/` gives infinity instead).
        #expect(throws: CairnError.self) { try db.execute("SELECT count(*) FROM t WHERE 10 % x = 0") }
        try db.execute("DELETE FROM t WHERE x = 0")
        #expect(try LifecycleTests.count(db, "SELECT count(*) FROM t WHERE 10 % x = 0") == 80)
        #expect(try db.execute("DELETE FROM t WHERE 10 % x > 1").rowsAffected == 40)
        db.close()
    }

    @Test func qualifiedRetentionRulesWorkUnderAnAlias() throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: LifecycleTests.options())
        try db.execute("CREATE TABLE events (ts TIMESTAMP NOT NULL, kind VARCHAR) RETENTION INTERVAL '1 day', INTERVAL '1 year' WHERE events.kind = 'audit'")
        try db.execute("INSERT INTO events VALUES ($1, 'audit'), ($1, 'click'), ($2, 'click')",
                       [.timestamp(LifecycleTests.now - 30 * LifecycleTests.day), .timestamp(LifecycleTests.now - 1)])
        #expect(try LifecycleTests.count(db, "SELECT count(*) FROM events e WHERE e.kind IS NOT NULL") == 2)
        #expect(try LifecycleTests.count(db, "SELECT count(*) FROM events") == 2)
        db.close()
    }

    /// Deletes racing compactions: a rewrite that read a segment before a DELETE marked rows in it must
    /// not be installed, or the deleted rows would come back.
    @Test func deletesRacingCompactionStayDeleted() async throws {
        let dir = TempDir()
        let db = try Database(path: dir.path, options: LifecycleTests.options())
        try db.execute("CREATE TABLE r (ts TIMESTAMP NOT NULL, k BIGINT) PARTITION BY day(ts)")
        for round in 0..<8 {
            let appender = try db.appender(for: "r")
            for i in 0..<2_000 {
                try appender.append(timestamp: LifecycleTests.now - Int64(i % 3) * LifecycleTests.day + Int64(round * 10_000 + i))
                try appender.append(Int64(round * 2_000 + i))
                try appender.endRow()
            }
            try appender.flush()
            try db.execute("CHECKPOINT")
        }
        let compactor = Task.detached {
            for _ in 0..<12 { try db.execute("COMPACT r"); try db.execute("VACUUM r") }
        }
        for m in 0..<40 { try db.execute("DELETE FROM r WHERE k % 40 = \(m)") }
        try await compactor.value
        #expect(try LifecycleTests.count(db, "SELECT count(*) FROM r") == 0)
        try db.execute("VACUUM")
        #expect(try LifecycleTests.count(db, "SELECT count(*) FROM r") == 0)
        #expect(try db.execute("CHECK").first?.first == .string("ok"))
        db.close()
    }
}
