#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnLog
import Dispatch

/// When an acknowledged write reaches stable storage (see ``WALDurability`` for the exact guarantees).
package enum Durability: Sendable, Hashable {
    /// fsync the log before every commit returns. Survives power loss.
    case fsync
    /// Commits return once written to the OS; the log is fsynced at most every `milliseconds`.
    /// Survives a process crash; a power failure can lose the last interval.
    case groupCommit(milliseconds: Int)
    /// Never fsync the log. Survives a process crash only.
    case none

    var wal: WALDurability {
        switch self {
        case .fsync: .everyCommit
        case .groupCommit(let milliseconds): .interval(milliseconds: milliseconds)
        case .none: .never
        }
    }
}

/// Tuning for an ``Engine``.
package struct EngineOptions: Sendable {
    package var durability: Durability
    /// Flush the in-memory head to segments once it holds this many rows…
    package var flushRows: Int
    /// …or roughly this many bytes.
    package var flushBytes: Int
    /// Rows per block in segments written by flushes and bulk loads.
    package var rowsPerBlock: Int
    /// The current time in microseconds since the epoch (injectable for tests).
    package var now: @Sendable () -> Int64
    /// Runs work that follows a statement without delaying it (the fold of logged deletes, §6.7): on a
    /// utility-priority Dispatch thread. Injectable so tests can hold the work back and stand in for a
    /// crash before it runs.
    package var runLater: @Sendable (@escaping @Sendable () -> Void) -> Void

    package init(durability: Durability = .fsync, flushRows: Int = 1_000_000, flushBytes: Int = 64 << 20,
                 rowsPerBlock: Int = 65_536, now: @escaping @Sendable () -> Int64 = EngineOptions.systemNow,
                 runLater: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = EngineOptions.utilityQueue) {
        self.durability = durability
        self.flushRows = flushRows
        self.flushBytes = flushBytes
        self.rowsPerBlock = rowsPerBlock
        self.now = now
        self.runLater = runLater
    }

    /// The default ``runLater``: a utility-priority Dispatch thread.
    package static let utilityQueue: @Sendable (@escaping @Sendable () -> Void) -> Void = { work in
        DispatchQueue.global(qos: .utility).async(execute: work)
    }

    package static let systemNow: @Sendable () -> Int64 = {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
