#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's parallelism, read once.
package enum Processors {
    /// Online cores (at least 1).
    package static let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
