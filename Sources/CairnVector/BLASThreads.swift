#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// OpenBLAS's thread count. Cairn runs its own workers across blocks, so per-block BLAS calls are
/// single-threaded (OpenBLAS threads that spin between small calls only steal the cores the workers
/// need); the few large calls made from one thread — batched `sgemm`, k-means — use every core.
/// A BLAS without `openblas_set_num_threads` (reference BLAS) is left alone.
package enum BLASThreads {
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private static let setter: SetThreads? = dlsym(nil, "openblas_set_num_threads").map { unsafeBitCast($0, to: SetThreads.self) }
    /// Large calls in flight; BLAS goes back to one thread when the last one ends.
    private static let wide = Mutex<Int>(0)
    private static let initialized: Void = { setter?(1) }()

    /// Call before per-block BLAS work: makes sure the single-thread default is in place.
    package static func useDefault() { _ = initialized }

    /// Online cores, the thread count of large calls.
    package static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Runs one large BLAS computation on `threads` threads (default: every core).
    package static func wide<T>(_ threads: Int = cores, _ body: () throws -> T) rethrows -> T {
        _ = initialized
        wide.withLock { n in
            n += 1
            setter?(Int32(max(1, threads)))
        }
        defer {
            wide.withLock { n in
                n -= 1
                if n == 0 { setter?(1) }
            }
        }
        return try body()
    }
}
