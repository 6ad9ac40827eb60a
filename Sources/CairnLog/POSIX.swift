#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// File-scope forwarders: inside types that have `close()` methods, `close(fd)` would name the method.

func closeDescriptor(_ fd: Int32) { _ = close(fd) }

/// Flushes a file's data and the metadata needed to read it back (its size) to stable storage.
func syncData(_ fd: Int32) -> Int32 {
    #if os(Linux)
    fdatasync(fd)
    #else
    fsync(fd)
    #endif
}
