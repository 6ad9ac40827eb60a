import CairnFormat
import Dispatch
import Synchronization

/// Runs retention and tiered compaction of an open read-write engine every interval, on a background
/// queue, so the database keeps its intended size without anyone calling `VACUUM`. Each pass holds the
/// engine's maintenance lock like any other manifest change; queries keep their snapshots throughout.
final class BackgroundMaintenance: @unchecked Sendable {
    // The timer is created, resumed and cancelled only under the engine's `background` mutex.
    private let timer: DispatchSourceTimer
    init(interval: Duration, pass: @escaping @Sendable () throws(CairnError) -> Void) {
        let status = Status()
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "cairn.maintenance", qos: .utility))
        // Between 10 ms and a day: a shorter interval would hold the maintenance lock almost constantly.
        let seconds = min(86_400, max(0, interval.components.seconds))
        let nanoseconds = max(10_000_000, Int(seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000))
        timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
        timer.setEventHandler {
            do throws(CairnError) {
                try pass()
                status.error.withLock { $0 = nil }
            } catch {
                status.error.withLock { $0 = error }
            }
        }
        self.status = status
        timer.resume()
    }

    private let status: Status

    /// Shared with the timer's handler, which must not reference the task itself.
    private final class Status: Sendable { let error = Mutex<CairnError?>(nil) }

    var error: CairnError? { status.error.withLock { $0 } }

    func cancel() { timer.cancel() }
}

extension Engine {
    /// Starts the background pass every `interval` (replacing a running one). Read-only engines have none.
    package func startBackgroundMaintenance(every interval: Duration) {
        guard !readOnly else { return }
        let task = BackgroundMaintenance(interval: interval) { [weak self] () throws(CairnError) in
            _ = try self?.maintainInBackground()
        }
        background.withLock { current in
            current?.cancel()
            current = task
        }
    }

    func stopBackgroundMaintenance() {
        background.withLock { current in
            current?.cancel()
            current = nil
        }
    }

    /// The error of the last background pass, nil if it succeeded (or none ran).
    package var lastMaintenanceError: CairnError? { background.withLock { $0?.error } }

    /// One background pass: drop expired partitions and merge small segments, skipping closed engines.
    func maintainInBackground() throws(CairnError) -> CompactionReport {
        guard !state.withLock({ $0.closed }) else { return CompactionReport() }
        return try compact(mode: .tiered)
    }
}
