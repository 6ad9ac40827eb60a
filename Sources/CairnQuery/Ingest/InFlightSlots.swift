import CairnFormat
import Dispatch
import Synchronization

/// The batches a producer may have handed to a bulk load and not yet seen added, bounded by a
/// semaphore, which bounds memory. It remembers whether the producer found every slot taken: then
/// the load, not the producer, is the bottleneck, and the next segment it writes may be encoded on
/// every core instead of one (which leaves the producer a core while it keeps up).
final class InFlightSlots: Sendable {
    private let slots: DispatchSemaphore
    private let producerWaited = Atomic<Bool>(false)

    init(_ count: Int) { slots = DispatchSemaphore(value: max(1, count)) }

    /// Takes a slot, waiting for one if none is free.
    func acquire() {
        if slots.wait(timeout: .now()) == .timedOut {
            producerWaited.store(true, ordering: .relaxed)
            slots.wait()
        }
    }

    func release() { slots.signal() }

    /// Threads for the next segment the load writes: every core once the producer has waited since
    /// the last call, else one.
    func encodingThreads() -> Int { producerWaited.exchange(false, ordering: .relaxed) ? Processors.online : 1 }
}
