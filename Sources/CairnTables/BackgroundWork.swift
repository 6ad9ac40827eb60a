import CairnFormat
import Dispatch
import Synchronization

/// Work started on another thread at once, whose outcome ``wait()`` returns (as often as asked).
final class BackgroundWork: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let outcome = Mutex<Result<Void, CairnError>?>(nil)

    init(_ work: @escaping @Sendable () throws(CairnError) -> Void) {
        DispatchQueue.global().async { [self] in
            let result: Result<Void, CairnError>
            do throws(CairnError) {
                try work()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            outcome.withLock { $0 = result }
            done.signal()
        }
    }

    func wait() throws(CairnError) {
        done.wait()
        done.signal()
        if case .failure(let error)? = outcome.withLock({ $0 }) { throw error }
    }
}
