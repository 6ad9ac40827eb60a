import ArgumentParser
import Cairn
import Foundation

/// The `insert-latency` report.
struct InsertLatencyReport: Encodable {
    let durability: String
    let n: Int
    let p50_ms: Double
    let p90_ms: Double
    let p99_ms: Double
    let max_ms: Double
    let mean_ms: Double
}

struct InsertLatency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insert-latency",
        abstract: "Time single-row INSERTs, each its own durable commit, into a fresh events table.")

    @Option(help: "Number of INSERTs.")
    var n: Int = 2000
    @Option(help: "fsync (default), group or none.")
    var durability: String = "fsync"
    @Option(help: "Write the JSON report here ('-' for stdout).")
    var json: String?
    @Option(help: "Database directory (must not exist); default a temporary directory that is removed afterwards.")
    var db: String?

    func run() throws {
        let mode: Database.Durability
        switch durability {
        case "fsync": mode = .fsync
        case "group": mode = .groupCommit(milliseconds: 10)
        case "none": mode = .none
        default: throw ValidationError("--durability must be fsync, group or none")
        }
        guard n >= 1 else { throw ValidationError("--n must be ≥ 1") }
        let directory = db ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("cairn-bench-insert-\(getpid())").path
        guard !FileManager.default.fileExists(atPath: directory) else { throw ValidationError("\(directory) already exists") }
        defer { if db == nil { try? FileManager.default.removeItem(atPath: directory) } }

        let database = try Database(path: directory, options: .init(durability: mode))
        defer { database.close() }
        try database.execute(EventGenerator.ddl)
        let sql = "INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        let base = CivilTime.parseTimestamp(Array("2025-06-01 12:00:00".utf8)) ?? 0
        var samples: [Double] = []
        samples.reserveCapacity(n)
        let progress = ProgressLine("inserts")
        defer { progress.finish() }
        for i in 0..<n {
            progress.update(Double(i) / Double(n))
            let parameters: [Value] = [
                .timestamp(base + Int64(i) * 1000), .string("tenant_001"), .string(EventGenerator.userName(i % 100)),
                .string("0123456789abcdef"), .string("login"), .null, .string("10.0.0.1"), .int(200),
                .double(12.5), .string("curl/8.5.0"), .json(#"{"method":"password","mfa":true}"#),
            ]
            samples.append(try Measure.time { try database.execute(sql, parameters) }.1)
        }
        let sorted = samples.sorted()
        let report = InsertLatencyReport(
            durability: durability, n: n,
            p50_ms: TimingStats.percentile(sorted, 0.5) * 1000, p90_ms: TimingStats.percentile(sorted, 0.9) * 1000,
            p99_ms: TimingStats.percentile(sorted, 0.99) * 1000, max_ms: (sorted.last ?? 0) * 1000,
            mean_ms: samples.reduce(0, +) / Double(n) * 1000)
        note("\(n) single-row INSERTs (\(durability)): p50 \(fmt(report.p50_ms)) ms, p90 \(fmt(report.p90_ms)) ms, p99 \(fmt(report.p99_ms)) ms, max \(fmt(report.max_ms)) ms")
        try writeJSON(report, to: json)
    }
}
