import CEditLine
import Foundation

/// Set by the Ctrl-C key binding while `readline` runs; C callbacks cannot capture context.
nonisolated(unsafe) private var cancelKeyPressed = false

/// Line input through libedit: editing, history kept in `~/.cairn_history`, and Ctrl-C as an
/// editing key that abandons the line (the terminal does not turn it into SIGINT while editing).
final class LineEditor {
    enum Input {
        case line(String)
        /// Ctrl-C: discard what was typed.
        case cancelled
        /// Ctrl-D on an empty line.
        case endOfInput
    }

    private let historyPath: String?
    private static let historyLimit: Int32 = 2000

    init() {
        let home = ProcessInfo.processInfo.environment["HOME"]
        historyPath = home.map { $0 + "/.cairn_history" }
        cairn_rl_setup()
        rl_initialize()
        // ^C reaches the editor as a key (see shim.h); it ends `readline` like Enter but discards the line.
        _ = rl_add_defun("cairn-cancel-line", { _, _ in
            cancelKeyPressed = true
            cairn_rl_set_done(1)
            return 0
        }, 3)
        stifle_history(Self.historyLimit)
        if let historyPath { _ = read_history(historyPath) }
    }

    func readLine(prompt: String) -> Input {
        cancelKeyPressed = false
        cairn_rl_set_done(0)
        guard let pointer = readline(prompt) else {
            if cancelKeyPressed {
                // libedit leaves the cursor on the abandoned line.
                Terminal.writeOutput("^C\n")
                return .cancelled
            }
            return .endOfInput
        }
        defer { free(pointer) }
        if cancelKeyPressed {
            Terminal.writeOutput("^C\n")
            return .cancelled
        }
        return .line(String(cString: pointer))
    }

    /// Adds an entry to the history and saves the history file.
    func remember(_ entry: String) {
        guard !entry.isEmpty else { return }
        _ = add_history(entry)
        if let historyPath { _ = write_history(historyPath) }
    }
}

/// The interactive loop: prompts, collects statements across lines, runs them.
struct REPL {
    let shell: Shell
    static let prompt = "cairn> "
    static let continuationPrompt = "   ...> "

    func run() {
        let editor = LineEditor()
        var splitter = StatementSplitter()
        var entry: [String] = []
        while !shell.quitRequested {
            switch editor.readLine(prompt: splitter.isIdle ? REPL.prompt : REPL.continuationPrompt) {
            case .endOfInput:
                Terminal.writeOutput("\n")
                return
            case .cancelled:
                splitter.reset()
                entry = []
            case .line(let line):
                entry.append(line)
                let commands = splitter.feed(line: line)
                if splitter.isIdle {
                    // One history entry per statement, on one line so it can be edited again.
                    editor.remember(entry.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }.joined(separator: " "))
                    entry = []
                }
                for command in commands {
                    shell.run(command)
                    if shell.quitRequested { return }
                }
            }
        }
    }
}
