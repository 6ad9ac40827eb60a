import Cairn

/// The shell's own commands: one line starting with `.`, no `;` needed.
extension Shell {
    static let dotCommandHelp: [(usage: String, summary: String)] = [
        (".mode MODE", "Output format: \(OutputMode.allCases.map(\.rawValue).joined(separator: ", "))"),
        (".timer on|off", "Print the run time of each statement"),
        (".maxrows N", "Show at most N rows of a table (the first and last half); 0 for all"),
        (".output [FILE]", "Write results to FILE (appending), or to the screen again without FILE"),
        (".once FILE", "Write the next statement's results to FILE"),
        (".tables", "List the tables"),
        (".schema [TABLE]", "Show CREATE TABLE statements"),
        (".read FILE", "Run the statements in FILE"),
        (".open PATH", "Close this database and open (or create) PATH; :memory: opens a temporary one"),
        (".help", "Show this message"),
        (".quit, .exit", "Leave the shell"),
    ]

    /// Runs one dot command line such as `.mode csv`. Throws a ``ShellError`` for bad usage.
    func runDotCommand(_ line: String) throws {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let name = words.first else { return }
        let arguments = Array(words.dropFirst())

        switch name {
        case ".mode":
            guard arguments.count == 1, let newMode = OutputMode(name: arguments[0]) else {
                throw ShellError("usage: .mode \(OutputMode.allCases.map(\.rawValue).joined(separator: "|"))"
                    + " (current: \(mode.rawValue))")
            }
            mode = newMode
        case ".timer":
            switch arguments.first?.lowercased() {
            case "on" where arguments.count == 1: timer = true
            case "off" where arguments.count == 1: timer = false
            default: throw ShellError("usage: .timer on|off")
            }
        case ".maxrows":
            guard arguments.count == 1, let n = Int(arguments[0]) else { throw ShellError("usage: .maxrows N (0 for all rows)") }
            maxRows = n > 0 ? n : nil
        case ".output":
            guard arguments.count <= 1 else { throw ShellError("usage: .output [FILE]") }
            try redirect(to: arguments.first, once: false)
        case ".once":
            guard arguments.count == 1 else { throw ShellError("usage: .once FILE") }
            try redirect(to: arguments[0], once: true)
        case ".tables":
            let names = try openDatabase().tableNames
            if !names.isEmpty { Terminal.writeOutput(names.joined(separator: "\n") + "\n") }
        case ".schema":
            let database = try openDatabase()
            guard arguments.count <= 1 else { throw ShellError("usage: .schema [TABLE]") }
            let names = arguments.isEmpty ? database.tableNames : arguments
            var text = ""
            for name in names {
                guard let definition = database.tableDefinition(name) else {
                    throw ShellError("no table named \"\(name)\"")
                }
                text += definition + (definition.hasSuffix(";") ? "\n" : ";\n")
            }
            Terminal.writeOutput(text)
        case ".read":
            guard arguments.count == 1 else { throw ShellError("usage: .read FILE") }
            if !runFile(arguments[0]) { throw ShellError.alreadyReported }
        case ".open":
            guard arguments.count == 1 else { throw ShellError("usage: .open PATH") }
            try open(path: arguments[0])
        case ".help":
            let width = Shell.dotCommandHelp.map(\.usage.count).max() ?? 0
            Terminal.writeOutput(Shell.dotCommandHelp.map { entry in
                entry.usage + String(repeating: " ", count: width - entry.usage.count + 2) + entry.summary
            }.joined(separator: "\n") + "\nSQL statements end with ';'.\n")
        case ".quit", ".exit":
            quitRequested = true
        default:
            throw ShellError("unknown command \"\(name)\"; enter \".help\" for the list of commands")
        }
    }

    private func openDatabase() throws -> Database {
        guard let database else { throw ShellError("no database is open; use .open PATH") }
        return database
    }
}

/// A misused shell command.
struct ShellError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }

    /// A failure whose details were printed already (a failing statement inside `.read`).
    static let alreadyReported = ShellError("")
}
