#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the POSIX calls the storage layers use, turning failures into `CairnError(.io)`
/// that name the file. Reads go through `pread` only (never `mmap`), so a file truncated under a reader
/// produces an error instead of a `SIGBUS`.
package enum FileIO {
    package static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    package static func ioError(_ what: String, _ path: String, errno code: Int32 = errno) -> CairnError {
        CairnError(.io, "\(what) failed: \(errorText(code))", file: path)
    }

    /// Opens `path` read-only; the caller owns the returned descriptor.
    package static func openForReading(_ path: String) throws(CairnError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw CairnError(.notFound, "file does not exist", file: path) }
            throw ioError("open", path, errno: code)
        }
        return fd
    }

    package static func fileSize(_ fd: Int32, path: String) throws(CairnError) -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ioError("fstat", path) }
        return Int(st.st_size)
    }

    /// Reads exactly `count` bytes at `offset`; a file that ends early is reported as corrupt.
    package static func read(_ fd: Int32, path: String, offset: Int, count: Int) throws(CairnError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: CairnError?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buf, initialized in
            initialized = 0
            while initialized < count {
                let n = pread(fd, buf.baseAddress.map { $0 + initialized }, count - initialized,
                              off_t(offset + initialized))
                if n > 0 {
                    initialized += n
                } else if n == 0 {
                    failure = CairnError.corrupt(path, offset: offset + initialized,
                                                 "file ends inside a \(count)-byte read at offset \(offset)")
                    return
                } else if errno != EINTR {
                    failure = ioError("pread", path)
                    return
                }
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Reads a whole (small) file.
    package static func readAll(_ path: String) throws(CairnError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { _ = posixClose(fd) }
        return try read(fd, path: path, offset: 0, count: try fileSize(fd, path: path))
    }

    package static func rename(_ from: String, to: String) throws(CairnError) {
        guard posixRename(from, to) == 0 else { throw ioError("rename to \(to)", from) }
    }

    /// Removes a file, ignoring a file that is already gone.
    package static func removeIfPresent(_ path: String) {
        _ = unlink(path)
    }

    /// Makes a rename or file creation inside the directory containing `path` durable.
    package static func syncDirectory(containing path: String) throws(CairnError) {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open directory", dir) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ioError("fsync directory", dir) }
    }
}

/// Appends to a new file through a buffer; `sync()` flushes and fsyncs. Not thread-safe.
package final class FileWriter {
    package let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let bufferLimit = 1 << 20
    /// Bytes appended so far, buffered or not: the file offset of the next append.
    package private(set) var offset = 0

    /// Creates (or truncates) `path`.
    package init(creating path: String) throws(CairnError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.ioError("create", path) }
        buffer.reserveCapacity(bufferLimit)
    }

    deinit { if fd >= 0 { _ = posixClose(fd) } }

    package func append(_ bytes: [UInt8]) throws(CairnError) {
        if buffer.count + bytes.count > bufferLimit { try flush() }
        if bytes.count >= bufferLimit {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        offset += bytes.count
    }

    package func flush() throws(CairnError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    package func sync() throws(CairnError) {
        try flush()
        guard fsync(fd) == 0 else { throw FileIO.ioError("fsync", path) }
    }

    package func close() throws(CairnError) {
        try flush()
        let result = posixClose(fd)
        fd = -1
        guard result == 0 else { throw FileIO.ioError("close", path) }
    }

    private func writeAll(_ bytes: [UInt8]) throws(CairnError) {
        var failure: CairnError?
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + done }, raw.count - done)
                if n >= 0 {
                    done += n
                } else if errno != EINTR {
                    failure = FileIO.ioError("write", path)
                    return
                }
            }
        }
        if let failure { throw failure }
    }
}

// File-scope forwarders: inside the types above, `rename` and `close` name their own methods.
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
