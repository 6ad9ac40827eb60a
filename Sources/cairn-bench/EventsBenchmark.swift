import ArgumentParser
import Cairn
import Foundation

/// The `events` report; key names are a stable interface (Benchmarks/README.md).
struct EventsReport: Encodable {
    struct QueryTiming: Encodable {
        let name: String
        let median_s: Double
        let min_s: Double
        let max_s: Double
        let cold_s: Double
        let rows: Int
        let checksum: String
    }

    let engine = "cairn"
    let load_method: String
    let rows_loaded: Int
    let load_rows_per_s: Double
    let load_s: Double
    /// Rows per second inside the appender calls alone (CSV parsing excluded); `--appender` only.
    let appender_rows_per_s: Double?
    /// Seconds of the appender time spent in `flush()`; `--appender` only.
    let appender_flush_s: Double?
    let checkpoint_s: Double
    let bytes_on_disk: Int
    let bytes_per_row: Double
    let peak_rss_bytes: Int
    let queries: [QueryTiming]
}

struct EventsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Load an event file into a fresh database and time queries on it.")

    @Option(help: "CSV with a header row, or JSON Lines (.jsonl/.json).")
    var data: String
    @Option(help: "Query file: SQL with a '-- name: Q1' line before each query.")
    var queries: String?
    @Option(help: "File with the CREATE TABLE statement (default: the generator's schema).")
    var ddl: String?
    @Option(help: "Table the data is loaded into.")
    var table: String = "events"
    @Option(name: .customLong("repeat"), help: "Warm runs per query (after one cold run).")
    var repeatCount: Int = 5
    @Option(help: "Write the JSON report here ('-' for stdout).")
    var json: String?
    @Option(help: "Database directory (must not exist); default a temporary directory that is removed afterwards.")
    var db: String?
    @Flag(help: "Load through the typed Appender instead of COPY (CSV only).")
    var appender = false
    @Flag(help: "With --appender: parse the whole file before appending any of it, for the rate a producer that costs nothing sees (holds the parsed file in memory: use a prefix).")
    var parseFirst = false
    @Option(help: "Write each query's normalized answer rows (tab-separated, checksum order) to DIR/NAME.txt.")
    var dump: String?

    func validate() throws {
        guard repeatCount >= 1 else { throw ValidationError("--repeat must be ≥ 1") }
        if appender, !data.hasSuffix(".csv") { throw ValidationError("--appender reads CSV files only") }
        if parseFirst, !appender { throw ValidationError("--parse-first goes with --appender") }
    }

    func run() throws {
        let ddlText = try ddl.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? EventGenerator.ddl
        let benchQueries = try queries.map { try QueryFile.parse(String(contentsOfFile: $0, encoding: .utf8), file: $0) } ?? []
        let directory: String
        let temporary = db == nil
        if let db {
            guard !FileManager.default.fileExists(atPath: db) else { throw ValidationError("--db \(db) already exists") }
            directory = db
        } else {
            directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cairn-bench-\(getpid())-\(UInt64(Measure.now() * 1000))").path
        }
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }

        let database = try Database(path: directory)
        defer { database.close() }
        try database.execute(ddlText)

        let progress = ProgressLine("loading")
        let rows: Int
        let loadSeconds: Double
        var appenderRate: Double?
        var flushSeconds: Double?
        if appender {
            var loader = AppenderLoader(database: database, table: table, path: data)
            loader.parseFirst = parseFirst
            let result = try loader.load(progress: progress)
            rows = result.rows
            loadSeconds = result.totalSeconds
            appenderRate = Double(result.rows) / max(result.appenderSeconds, 1e-9)
            flushSeconds = result.flushSeconds
        } else {
            let format = data.hasSuffix(".csv") ? "csv, HEADER" : "json"
            let path = data.replacingOccurrences(of: "'", with: "''")
            let (result, seconds) = try Measure.time {
                try database.execute("COPY \(table) FROM '\(path)' (FORMAT \(format))", progress: { progress.update($0) })
            }
            loadSeconds = seconds
            if let affected = result.rowsAffected { rows = affected } else { rows = try count(database) }
        }
        progress.finish()
        let (_, checkpointSeconds) = try Measure.time { try database.execute("CHECKPOINT") }
        let bytes = Measure.bytesOnDisk(directory)
        note("loaded \(rows) rows in \(fmt(loadSeconds)) s (\(Int(Double(rows) / max(loadSeconds, 1e-9))) rows/s"
             + (appenderRate.map { ", appender alone \(Int($0)) rows/s" } ?? "")
             + (flushSeconds.map { " of which flush \(fmt($0)) s" } ?? "")
             + "), checkpoint \(fmt(checkpointSeconds)) s, \(bytes) bytes on disk"
             + " (\(fmt(Double(bytes) / Double(max(rows, 1)))) bytes/row)")

        if let dump { try FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true) }
        var timings: [EventsReport.QueryTiming] = []
        let queryProgress = ProgressLine("queries")
        let runs = benchQueries.count * (repeatCount + 1)
        for (q, query) in benchQueries.enumerated() {
            let (answer, cold) = try Measure.time { try database.execute(query.sql) }
            var warm: [Double] = []
            for r in 0..<repeatCount {
                queryProgress.update(Double(q * (repeatCount + 1) + r + 1) / Double(runs))
                warm.append(try Measure.time { try database.execute(query.sql) }.1)
            }
            queryProgress.finish()
            let normalized = AnswerChecksum.rows(of: answer, ordered: query.isOrdered)
            if let dump {
                // Tab-separated for reading and diffing; the same form compare.py dumps.
                try normalized.map { $0.replacingOccurrences(of: "\u{1F}", with: "\t") + "\n" }.joined()
                    .write(toFile: (dump as NSString).appendingPathComponent(query.name + ".txt"), atomically: true, encoding: .utf8)
            }
            let stats = TimingStats(warm)
            let timing = EventsReport.QueryTiming(
                name: query.name, median_s: stats.median, min_s: stats.min, max_s: stats.max, cold_s: cold,
                rows: answer.count, checksum: AnswerChecksum.checksum(of: normalized))
            note("\(query.name): median \(fmt(stats.median * 1000)) ms (min \(fmt(stats.min * 1000)), max \(fmt(stats.max * 1000)), cold \(fmt(cold * 1000))), \(answer.count) rows, checksum \(timing.checksum)")
            timings.append(timing)
        }

        let report = EventsReport(
            load_method: appender ? "appender" : "copy", rows_loaded: rows,
            load_rows_per_s: Double(rows) / max(loadSeconds, 1e-9), load_s: loadSeconds,
            appender_rows_per_s: appenderRate, appender_flush_s: flushSeconds, checkpoint_s: checkpointSeconds,
            bytes_on_disk: bytes, bytes_per_row: Double(bytes) / Double(max(rows, 1)),
            peak_rss_bytes: Measure.peakRSSBytes(), queries: timings)
        try writeJSON(report, to: json)
    }

    private func count(_ database: Database) throws -> Int {
        let result = try database.execute("SELECT count(*) FROM \(table)")
        guard let first = result.first, case .int(let n) = first[0] else { return 0 }
        return Int(n)
    }
}

func fmt(_ value: Double) -> String { String(format: "%.3f", value) }

/// Writes `value` as pretty JSON to `path` (`-` for stdout); does nothing when `path` is nil.
func writeJSON<T: Encodable>(_ value: T, to path: String?) throws {
    guard let path else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data = try encoder.encode(value)
    if path == "-" {
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    } else {
        try data.write(to: URL(fileURLWithPath: path))
    }
}
