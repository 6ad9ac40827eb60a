import Cairn
import Foundation

/// One shell session: the open database, the output settings, and how statements and dot
/// commands are run and reported. Used from the main thread only.
final class Shell {
    var mode: OutputMode
    var timer: Bool
    /// `.maxrows`: rows a table shows (nil: all).
    var maxRows: Int? = 40
    /// `.output FILE` / `.once FILE`: where results go instead of stdout.
    private var resultFile: FileHandle?
    private var resultFileIsOnce = false
    /// True when a person is typing: errors do not stop the session, and notes are printed.
    let interactive: Bool
    /// A progress bar is drawn only where a person can see it.
    let showsProgress = isatty(STDERR_FILENO) == 1
    /// Set by `.quit`/`.exit`.
    var quitRequested = false

    private(set) var database: Database?
    /// The directory of a database created because no PATH was given; deleted when closed.
    private var transientDirectory: String?
    private let interrupts = InterruptHandler()

    init(mode: OutputMode, timer: Bool, interactive: Bool) {
        self.mode = mode
        self.timer = timer
        self.interactive = interactive
    }

    /// Opens `path`, or a fresh temporary database when `path` is nil or `:memory:` (as sqlite3 and
    /// duckdb name theirs), closing the current one.
    func open(path: String?, readOnly: Bool = false) throws {
        closeDatabase()
        if path == ":memory:", readOnly { throw ShellError("a temporary (:memory:) database cannot be opened read-only") }
        if let path, path != ":memory:" {
            database = try Database(path: path, mode: readOnly ? .readOnly : .readWrite)
        } else {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cairn-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0 ... .max))")
                .path
            database = try Database(path: directory)
            transientDirectory = directory
            if interactive {
                Terminal.writeError("Connected to a transient database that is deleted on exit.\nUse \".open PATH\" to open a persistent database.\n")
            }
        }
    }

    func closeDatabase() {
        database?.close()
        database = nil
        if let transientDirectory {
            try? FileManager.default.removeItem(atPath: transientDirectory)
            self.transientDirectory = nil
        }
    }

    // MARK: Scripts

    /// Runs every statement and dot command in `text`. Returns false at the first failure when
    /// not interactive (the error has been reported); interactive sessions keep going.
    func runScript(_ text: String) -> Bool {
        runLines(text.split(separator: "\n", omittingEmptySubsequences: false).lazy.map(String.init))
    }

    /// Runs the statements and dot commands of `lines` as each one completes, so piped input
    /// (`tail -f statements.sql | cairn db`) runs without waiting for its end. Failures as ``runScript(_:)``.
    func runLines<Lines: Sequence<String>>(_ lines: Lines) -> Bool {
        var splitter = StatementSplitter()
        for line in lines {
            for command in splitter.feed(line: line) {
                if !run(command) && !interactive { return false }
                if quitRequested { return true }
            }
        }
        if let rest = splitter.finish() {
            if !run(rest) && !interactive { return false }
        }
        return true
    }

    func runFile(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else {
            report(message: "cannot read file \"\(path)\"")
            return false
        }
        return runScript(String(decoding: data, as: UTF8.self))
    }

    /// Runs one statement or dot command; reports its result or error. Returns false on error.
    @discardableResult
    func run(_ command: ShellCommand) -> Bool {
        switch command {
        case .dot(let line):
            do {
                try runDotCommand(line)
                return true
            } catch {
                report(error)
                return false
            }
        case .sql(let sql):
            return runStatement(sql)
        }
    }

    private func runStatement(_ sql: String) -> Bool {
        defer { if resultFileIsOnce { try? redirect(to: nil, once: false) } }
        guard let database else {
            report(message: "no database is open; use .open PATH")
            return false
        }
        let bar = showsProgress ? ProgressBar() : nil
        var progress: (@Sendable (Double) -> Void)?
        if let bar { progress = { fraction in bar.update(fraction) } }
        let start = ContinuousClock.now
        interrupts.running = database
        let outcome = Result<QueryResult, any Error> { try database.execute(sql, progress: progress) }
        interrupts.running = nil
        bar?.finish()
        let elapsed = ContinuousClock.now - start

        switch outcome {
        case .success(let result):
            var formatter = OutputFormatter(mode: mode)
            formatter.maxTableRows = maxRows
            if let text = formatter.render(displayed(result)) { writeResult(text) }
            if timer { Terminal.writeOutput(String(format: "Run Time: real %.3f s\n", elapsed.seconds)) }
            return true
        case .failure(let error):
            report(error, sql: sql)
            return false
        }
    }

    /// Sends results to `path` (appending; created if missing) from now on, or for the next
    /// statement only; nil sends them to stdout again.
    func redirect(to path: String?, once: Bool) throws {
        try resultFile?.close()
        resultFile = nil
        resultFileIsOnce = false
        guard let path else { return }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ShellError("cannot create \"\(path)\"") }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ShellError("cannot write to \"\(path)\"") }
        _ = try? handle.seekToEnd()
        resultFile = handle
        resultFileIsOnce = once
    }

    private func writeResult(_ text: String) {
        guard let resultFile else { return Terminal.writeOutput(text) }
        do { try resultFile.write(contentsOf: Data(text.utf8)) } catch {
            Terminal.writeError("Error: cannot write results: \(error.localizedDescription)\n")
        }
    }

    /// What to print for `result`: DML without rows shows its count in a one-cell `Count` table,
    /// like DuckDB; DDL shows nothing.
    private func displayed(_ result: QueryResult) -> QueryResult? {
        if !result.columnNames.isEmpty { return result }
        guard let count = result.rowsAffected else { return nil }
        return QueryResult(columnNames: ["Count"], columnTypes: [.bigint], columns: [[.int(Int64(count))]])
    }

    // MARK: Errors

    /// Prints `Error: …` to stderr; for SQL errors with a position, also the offending line and a caret.
    func report(_ error: any Error, sql: String? = nil) {
        if let error = error as? ShellError, error.description.isEmpty { return }
        guard let error = error as? CairnError else {
            report(message: "\(error)")
            return
        }
        var text: String
        if let sql, let location = error.location {
            text = "Error: \(error.message)\n" + ErrorCaret.render(sql: sql, location: location)
        } else {
            text = "Error: \(error.description)\n"
        }
        Terminal.writeError(text)
    }

    func report(message: String) {
        Terminal.writeError("Error: \(message)\n")
    }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
