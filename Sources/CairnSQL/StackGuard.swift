#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Knows how much of the current thread's stack is left, like PostgreSQL's `check_stack_depth`.
///
/// A nesting-depth limit alone cannot prevent overflow: one level of expression nesting costs a
/// few KiB in release builds and up to ~20 KiB in debug builds, and callers may run on 512 KiB
/// threads (macOS secondary threads, Swift concurrency) or 8 MiB ones. So the parser also stops
/// when the stack pointer gets within `reserve` bytes of the thread's stack limit.
struct StackGuard {
    /// Lowest stack address the parser may descend to, or nil when the platform does not say.
    private let floor: UInt?

    /// Head-room kept for the frames between two checks, error construction and unwinding.
    static let reserve: UInt = 128 * 1024

    init() {
        guard let low = Self.currentThreadStackLow() else {
            floor = nil
            return
        }
        floor = low + Self.reserve
    }

    /// True while the stack has more than `reserve` bytes left (stacks grow downwards on every
    /// platform Swift supports).
    var hasRoom: Bool {
        guard let floor else { return true }
        var marker: UInt8 = 0
        let address = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return address > floor
    }

    private static func currentThreadStackLow() -> UInt? {
        #if canImport(Darwin)
        let thread = pthread_self()
        let top = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = UInt(pthread_get_stacksize_np(thread))
        return top > size ? top - size : nil
        #elseif canImport(Glibc) || canImport(Musl)
        // glibc answers for the main thread by parsing /proc/self/maps (tens of microseconds, more than
        // parsing a short statement), so each thread asks once and keeps the answer in a thread-local.
        if let cached = pthread_getspecific(stackLowKey) { return UInt(bitPattern: cached) }
        var attributes = pthread_attr_t()
        guard getThreadAttributes(pthread_self(), &attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(&attributes) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attributes, &address, &size) == 0, let address else { return nil }
        pthread_setspecific(stackLowKey, address)
        return UInt(bitPattern: address)
        #else
        return nil
        #endif
    }
}

#if !canImport(Darwin) && (canImport(Glibc) || canImport(Musl))
/// Each thread's lowest stack address (a thread's stack never moves).
private let stackLowKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// `pthread_getattr_np` is a GNU extension the Glibc module map does not export (it needs
/// `_GNU_SOURCE`); bind the symbol directly. glibc and musl both provide it.
@_silgen_name("pthread_getattr_np")
private func getThreadAttributes(_ thread: pthread_t, _ attributes: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#endif
