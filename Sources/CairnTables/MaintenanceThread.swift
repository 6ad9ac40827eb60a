#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import Dispatch
import Synchronization

/// One dedicated thread, at a lower scheduling priority than the rest of the process (nice +10 on
/// Linux), that runs compaction and retention: queries running at the same time keep the cores they
/// need, and the rewrite takes the time they leave. Callers wait for the result.
///
/// A dedicated thread, not a Dispatch queue, because the priority belongs to the thread and pool threads
/// go on to run other work. Invariant: a job never calls ``run(_:)`` itself (it would wait for itself).
final class MaintenanceThread: Sendable {
    private final class Job: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    private struct Queue {
        var jobs: [Job] = []
        var started = false
        var stopped = false
    }
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)

    /// Runs `body` on the maintenance thread and returns what it returns.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(CairnError) -> T) throws(CairnError) -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        let job = Job {
            let result: Result<T, CairnError>
            do throws(CairnError) { result = .success(try body()) } catch { result = .failure(error) }
            outcome.value.withLock { $0 = result }
            done.signal()
        }
        let accepted = queue.withLock { q -> Bool in
            guard !q.stopped else { return false }
            q.jobs.append(job)
            return true
        }
        guard accepted else {
            job.body()  // stopped: run here rather than not at all
            return try Self.unwrap(outcome)
        }
        if ensureStarted() { wake.signal() }
        done.wait()
        return try Self.unwrap(outcome)
    }

    /// Lets the thread finish its queued jobs and exit.
    func stop() {
        queue.withLock { $0.stopped = true }
        wake.signal()
    }

    /// What a job produced, shared between the two threads.
    private final class Outcome<T: Sendable>: Sendable {
        let value = Mutex<Result<T, CairnError>?>(nil)
    }

    private static func unwrap<T>(_ outcome: Outcome<T>) throws(CairnError) -> T {
        guard let result = outcome.value.withLock({ $0 }) else { throw CairnError(.io, "maintenance job did not run") }
        return try result.get()
    }

    /// Starts the thread on first use. If it cannot be created, the queue stops and its jobs run on
    /// the calling thread before this returns false.
    private func ensureStarted() -> Bool {
        let start = queue.withLock { q -> Bool in
            defer { q.started = true }
            return !q.started
        }
        guard start else { return true }
        let retained = Unmanaged.passRetained(self)
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let me = Unmanaged<MaintenanceThread>.fromOpaque(raw).takeRetainedValue()
            #if os(Linux)
            // On Linux the nice value is per thread, and `who` 0 is the calling thread.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            #endif
            me.loop()
            return nil
        }, retained.toOpaque())
        if created != 0 {
            retained.release()
            let pending = queue.withLock { q -> [Job] in
                q.stopped = true
                defer { q.jobs = [] }
                return q.jobs
            }
            for job in pending { job.body() }
            return false
        }
        pthread_detach(thread)
        return true
    }

    private func loop() {
        while true {
            wake.wait()
            while let job = queue.withLock({ q -> Job? in q.jobs.isEmpty ? nil : q.jobs.removeFirst() }) { job.body() }
            if queue.withLock({ $0.stopped && $0.jobs.isEmpty }) { return }
        }
    }
}
