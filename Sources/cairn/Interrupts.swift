import Cairn
import Dispatch
import Foundation
import Synchronization

/// Turns Ctrl-C (SIGINT) into `Database.interrupt()` for the statement that is running.
///
/// SIGINT is ignored as a signal and blocked, so it can neither kill the process nor interrupt
/// system calls; a dispatch source receives it instead. At the prompt the line editor reads
/// Ctrl-C as a key (see ``LineEditor``), so no signal arrives there.
final class InterruptHandler {
    private let target = InterruptTarget()
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGINT)
        // Blocked in the main thread before other threads start, so every thread inherits it and
        // the signal stays pending for the dispatch source instead of being discarded.
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global(qos: .userInteractive))
        source.setEventHandler { [target] in target.interrupt() }
        source.resume()
    }

    /// The database whose statement Ctrl-C cancels; nil between statements.
    var running: Database? {
        get { target.database.withLock { $0 } }
        set { target.database.withLock { $0 = newValue } }
    }
}

private final class InterruptTarget: Sendable {
    let database = Mutex<Database?>(nil)
    func interrupt() { database.withLock { $0?.interrupt() } }
}
