import ArgumentParser
import Cairn
import Foundation

/// `cairn [PATH]`: the command-line shell. Parses options, opens the database and hands over to
/// a ``Shell`` in one of three ways: `-c`/`-f` (run and exit), piped stdin (run and exit), or the
/// interactive line editor.
struct CairnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Interactive SQL shell for Cairn databases.",
        discussion: """
            With no PATH, or with :memory:, cairn works on a temporary database that is deleted on exit.

            When stdin is not a terminal, cairn reads statements (and dot commands) from it, runs \
            each one as soon as its terminating ; arrives and prints its result. The first failing \
            statement stops the run: its \
            error goes to stderr and cairn exits with status 1. The same applies to -c and -f.

            Type .help inside the shell for its dot commands.
            """,
        version: "cairn \(cairnVersion)")

    @Argument(help: "Database directory to open (created if missing).")
    var path: String?

    @Option(name: [.customShort("c"), .customLong("command")], help: "Run SQL (one or more statements), then exit.")
    var command: String?

    @Option(name: [.customShort("f"), .customLong("file")], help: "Run the statements in FILE, then exit.")
    var file: String?

    @Option(name: [.customShort("m"), .customLong("format")], help: "Output format: \(OutputMode.allValueStrings.joined(separator: ", ")).")
    var format: OutputMode = .table

    @Flag(help: "Open the database read-only (no lock; writes fail).")
    var readonly = false

    @Flag(help: "Print the run time of each statement.")
    var timer = false

    func validate() throws {
        if command != nil && file != nil {
            throw ValidationError("-c and -f cannot be combined.")
        }
    }

    func run() throws {
        let interactive = command == nil && file == nil && isatty(STDIN_FILENO) == 1
        let shell = Shell(mode: format, timer: timer, interactive: interactive)
        defer { shell.closeDatabase() }
        if interactive { Terminal.writeError("cairn \(cairnVersion). Enter \".help\" for usage hints.\n") }
        do {
            try shell.open(path: path, readOnly: readonly)
        } catch {
            shell.report(error)
            throw ExitCode.failure
        }

        let succeeded: Bool
        if let command {
            succeeded = shell.runScript(command)
        } else if let file {
            succeeded = shell.runFile(file)
        } else if interactive {
            REPL(shell: shell).run()
            succeeded = true
        } else {
            succeeded = shell.runLines(sequence(state: ()) { _ in readLine(strippingNewline: true) })
        }
        if !succeeded { throw ExitCode.failure }
    }
}

/// The shell's version, printed by `--version`.
let cairnVersion = "0.1.0"
