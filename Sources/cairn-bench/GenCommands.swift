import ArgumentParser
import Cairn

/// Options that fix the generated event log; shared so every command agrees on the defaults.
struct EventShape: ParsableArguments {
    @Option(help: "PRNG seed; the same seed gives the same bytes.")
    var seed: UInt64 = 42
    @Option(help: "Number of days covered.")
    var days: Int = 90
    @Option(help: "First day (UTC), YYYY-MM-DD.")
    var start: String = "2025-06-01"

    func startDay() throws -> Int64 {
        guard let day = CivilTime.parseDate(start) else { throw ValidationError("--start must be YYYY-MM-DD, got \"\(start)\"") }
        return day
    }
}

struct GenEvents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Write a multi-tenant event log as CSV (with header) or JSON Lines.")

    @Option(help: "Number of rows.")
    var rows: Int = 1_000_000
    @Option(help: "Output file; .csv or .jsonl (.json) selects the format.")
    var out: String
    @OptionGroup var shape: EventShape

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be ≥ 0") }
        guard shape.days > 0 else { throw ValidationError("--days must be > 0") }
    }

    func run() throws {
        let format: EventGenerator.Format
        if out.hasSuffix(".csv") { format = .csv }
        else if out.hasSuffix(".jsonl") || out.hasSuffix(".json") { format = .jsonl }
        else { throw ValidationError("--out must end in .csv or .jsonl") }
        let generator = EventGenerator(rows: rows, seed: shape.seed, days: shape.days, startDay: try shape.startDay())
        let output = try OutputBuffer(path: out)
        let progress = ProgressLine("generating")
        let (_, seconds) = try Measure.time { try generator.write(format, to: output, progress: progress.update) }
        progress.finish()
        note("wrote \(rows) rows (\(output.bytesWritten) bytes) to \(out) in \(String(format: "%.2f", seconds)) s"
             + " (\(Int(Double(rows) / max(seconds, 1e-9))) rows/s)")
    }
}

struct GenDDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddl", abstract: "Print the CREATE TABLE statement of the generated events.")

    @Option(help: "Write to this file instead of stdout.")
    var out: String?

    func run() throws {
        guard let out else { print(EventGenerator.ddl); return }
        let file = try OutputBuffer(path: out)
        try file.reserve(4096)
        file.bytes(Array((EventGenerator.ddl + "\n").utf8))
        try file.close()
    }
}
