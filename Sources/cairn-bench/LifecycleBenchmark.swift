import ArgumentParser
import Cairn
import CairnFormat
import Foundation

/// The `lifecycle` report; key names are a stable interface (Benchmarks/README.md).
struct LifecycleReport: Encodable {
    let engine = "cairn"
    let rows_loaded: Int
    let bytes_before: Int
    let heavy_user: String
    let heavy_user_rows: Int
    /// Wall time of `DELETE FROM events WHERE user_id = …`: the rows are invisible when it returns.
    let delete_s: Double
    let vacuum_s: Double
    let vacuum_partitions_rewritten: Int
    let bytes_after_vacuum: Int
    /// The latency probe (`probe_sql`) run alone and while the VACUUM above rewrites partitions.
    let probe_sql: String
    let probe_idle_median_s: Double
    let probe_during_vacuum_median_s: Double
    let probe_during_vacuum_samples: Int
    /// Rows before this timestamp are removed by retention (the oldest 30 days of the data).
    let retention_cutoff: String
    /// `ALTER TABLE … SET RETENTION`: the rows are invisible when it returns.
    let retention_hide_s: Double
    /// The `VACUUM` that drops the expired partitions' files.
    let retention_drop_s: Double
    let retention_partitions_dropped: Int
    let retention_rows_dropped: Int
    let rows_after_retention: Int
    let bytes_after_retention: Int
}

struct LifecycleBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifecycle",
        abstract: "Load events, then time a GDPR delete, VACUUM (with query latency during it) and a retention drop.")

    @Option(help: "CSV with a header row (the generator's schema unless --ddl).")
    var data: String
    @Option(help: "File with the CREATE TABLE statement (default: the generator's schema).")
    var ddl: String?
    @Option(help: "Days at the old end of the data that retention removes.")
    var dropDays: Int = 30
    @Option(help: "Runs of the latency probe while idle.")
    var probeRuns: Int = 20
    @Option(help: "Write the JSON report here ('-' for stdout).")
    var json: String?

    func run() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("cairn-bench-lifecycle-\(getpid())-\(UInt64(Measure.now() * 1000))").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = LifecycleClock()
        let database = try Database(path: directory, options: Database.Options(maintenanceInterval: nil, clock: { clock.now }))
        defer { database.close() }
        try database.execute(try ddl.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? EventGenerator.ddl)
        let path = data.replacingOccurrences(of: "'", with: "''")
        let progress = ProgressLine("loading")
        let loaded = try database.execute("COPY events FROM '\(path)' (FORMAT csv, HEADER)", progress: { progress.update($0) })
        progress.finish()
        try database.execute("CHECKPOINT")
        let rows = loaded.rowsAffected ?? 0
        let bytesBefore = Measure.bytesOnDisk(directory)

        // The clock stands one day after the newest event, so retention is measured as users see it.
        guard case .timestamp(let newest)? = try database.execute("SELECT max(ts) FROM events").first?.first,
              case .timestamp(let oldest)? = try database.execute("SELECT min(ts) FROM events").first?.first else {
            throw ValidationError("the data has no timestamps")
        }
        let day: Int64 = 86_400_000_000
        let clockDay = newest / day + 1
        clock.now = clockDay * day
        let probe = "SELECT event_type, count(*) FROM events WHERE ts >= TIMESTAMP '\(CairnFormat.Calendar.formatTimestamp((clockDay - 7) * day))' GROUP BY event_type"

        let heavy = try database.execute("SELECT user_id, count(*) AS n FROM events WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY n DESC LIMIT 1")
        guard case .string(let user)? = heavy.first?[0], case .int(let userRows)? = heavy.first?[1] else {
            throw ValidationError("the data has no user_id values")
        }
        let (deleted, deleteSeconds) = try Measure.time { try database.execute("DELETE FROM events WHERE user_id = $1", [.string(user)]) }
        guard deleted.rowsAffected == Int(userRows),
              case .int(0)? = try database.execute("SELECT count(*) FROM events WHERE user_id = $1", [.string(user)]).first?.first else {
            throw ValidationError("the delete did not remove \(userRows) rows of \(user)")
        }
        note("deleted \(userRows) rows of \(user) in \(fmt(deleteSeconds * 1000)) ms")

        var idle: [Double] = []
        for _ in 0..<probeRuns { idle.append(try Measure.time { try database.execute(probe) }.1) }
        // The probe runs in a loop on this thread while VACUUM rewrites every partition on another.
        let vacuum = VacuumRun(database: database)
        let thread = Thread { vacuum.run() }
        thread.start()
        while !vacuum.started { usleep(100) }
        var during: [Double] = []
        while !vacuum.finished { during.append(try Measure.time { try database.execute(probe) }.1) }
        let vacuumResult = try vacuum.result()
        note("vacuum: \(fmt(vacuumResult.seconds)) s, \(vacuumResult.rewritten) partitions rewritten; probe idle "
             + "\(fmt(TimingStats(idle).median * 1000)) ms, during vacuum \(fmt(TimingStats(during).median * 1000)) ms (\(during.count) runs)")
        let bytesAfterVacuum = Measure.bytesOnDisk(directory)

        let cutoffDay = oldest / day + Int64(dropDays)
        let keepDays = clockDay - cutoffDay
        let countBefore = try count(database)
        let (_, hideSeconds) = try Measure.time { try database.execute("ALTER TABLE events SET RETENTION INTERVAL '\(keepDays) days'") }
        let (report, dropSeconds) = try Measure.time { try database.execute("VACUUM events") }
        let rowsAfter = try count(database)
        let dropped = report.first.flatMap { if case .int(let n) = $0[0] { Int(n) } else { nil } } ?? 0
        note("retention: hid rows before \(CairnFormat.Calendar.formatTimestamp(cutoffDay * day)) in \(fmt(hideSeconds * 1000)) ms, dropped \(dropped) "
             + "partitions (\(countBefore - rowsAfter) rows) in \(fmt(dropSeconds * 1000)) ms")

        let result = LifecycleReport(
            rows_loaded: rows, bytes_before: bytesBefore, heavy_user: user, heavy_user_rows: Int(userRows),
            delete_s: deleteSeconds, vacuum_s: vacuumResult.seconds, vacuum_partitions_rewritten: vacuumResult.rewritten,
            bytes_after_vacuum: bytesAfterVacuum, probe_sql: probe, probe_idle_median_s: TimingStats(idle).median,
            probe_during_vacuum_median_s: TimingStats(during).median, probe_during_vacuum_samples: during.count,
            retention_cutoff: CairnFormat.Calendar.formatTimestamp(cutoffDay * day), retention_hide_s: hideSeconds, retention_drop_s: dropSeconds,
            retention_partitions_dropped: dropped, retention_rows_dropped: countBefore - rowsAfter,
            rows_after_retention: rowsAfter, bytes_after_retention: Measure.bytesOnDisk(directory))
        try writeJSON(result, to: json)
    }

    private func count(_ database: Database) throws -> Int {
        guard case .int(let n)? = try database.execute("SELECT count(*) FROM events").first?.first else { return 0 }
        return Int(n)
    }
}

/// The injected clock of the benchmark database.
final class LifecycleClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64 = 0
    var now: Int64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// A VACUUM on another thread, observable from the probing one.
final class VacuumRun: @unchecked Sendable {
    private let database: Database
    private let lock = NSLock()
    private var state: (started: Bool, finished: Bool, outcome: Result<(seconds: Double, rewritten: Int), Error>?) = (false, false, nil)

    init(database: Database) { self.database = database }

    var started: Bool { lock.withLock { state.started } }
    var finished: Bool { lock.withLock { state.finished } }

    func run() {
        lock.withLock { state.started = true }
        let outcome = Result { () throws -> (seconds: Double, rewritten: Int) in
            let (report, seconds) = try Measure.time { try database.execute("VACUUM events") }
            let rewritten = report.first.flatMap { if case .int(let n) = $0[1] { Int(n) } else { nil } } ?? 0
            return (seconds, rewritten)
        }
        lock.withLock { state = (true, true, outcome) }
    }

    func result() throws -> (seconds: Double, rewritten: Int) {
        guard let outcome = lock.withLock({ state.outcome }) else { throw ValidationError("vacuum did not finish") }
        return try outcome.get()
    }
}
