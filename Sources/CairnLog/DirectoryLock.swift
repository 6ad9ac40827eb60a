#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat

/// The exclusive write lock on a database directory: `flock(LOCK_EX | LOCK_NB)` on `<db>/LOCK`,
/// whose contents are the holder's PID (for the error message only; the flock is what excludes).
///
/// `flock` locks belong to the open file description, so a second `DirectoryLock` on the same
/// directory fails even inside the same process. The kernel drops the lock when the process dies,
/// so a crashed writer never leaves the directory locked. Read-only opens take no lock.
package final class DirectoryLock: Sendable {
    package let path: String
    private let fd: Int32

    /// Takes the lock on `<directory>/LOCK`, creating the file if needed.
    /// - Throws: `.locked` naming the holder's PID if another open file description holds it; `.io`.
    package init(directory: String) throws(CairnError) {
        path = directory + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.ioError("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPID(fd)
            close(fd)
            if code == EWOULDBLOCK {
                let who = holder.map { "pid \($0)" } ?? "unknown pid"
                throw CairnError(.locked, "database \"\(directory)\" is locked by another process (\(who)); "
                                 + "open it read-only or close the other writer", file: path)
            }
            throw FileIO.ioError("flock", path, errno: code)
        }
        let pid = Array("\(getpid())\n".utf8)
        let written = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard ftruncate(fd, off_t(pid.count)) == 0, written == pid.count else {
            let failure = FileIO.ioError("write", path)
            close(fd)
            throw failure
        }
        self.fd = fd
    }

    /// Unlocks before closing: a child process this process is spawning at that moment holds a copy
    /// of the descriptor until its `exec` closes it (`O_CLOEXEC`), and a bare `close` would leave the
    /// open file description, and so the lock, alive that long (seen as a flaky reopen in the tests,
    /// which spawn writers concurrently).
    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func readPID(_ fd: Int32) -> Int? {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int(String(decoding: buf[..<n], as: UTF8.self).trimmingWhitespace)
    }
}

extension String {
    fileprivate var trimmingWhitespace: Substring {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return s
    }
}
