#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import Synchronization

/// When an appended log record reaches stable storage.
package enum WALDurability: Sendable, Hashable {
    /// `fdatasync` before `append` returns: an acknowledged commit survives power loss.
    case everyCommit
    /// `append` returns once the record is written to the OS; a background task `fdatasync`s at most
    /// every `milliseconds`. An acknowledged commit survives a process crash, but a power failure can
    /// lose the commits of the last interval.
    case interval(milliseconds: Int)
    /// Never `fdatasync`: survives a process crash only.
    case never
}

/// Appends records to the current log file `<wal dir>/<sequence>.wal` and rotates to a new file at
/// checkpoints (docs/format.md §5.1, §5.2, §5.5). Not thread-safe: the engine serializes calls; only the
/// group-commit flusher runs concurrently, and it goes through the same lock as writes.
package final class WALWriter {
    package let directory: String
    package let durability: WALDurability
    private let file: WALOpenFile
    private var flusher: Task<Void, Never>?

    /// Creates the log file for `sequence` (which must not exist yet) and starts writing there.
    package init(directory: String, sequence: UInt64, durability: WALDurability) throws(CairnError) {
        self.directory = directory
        self.durability = durability
        let (fd, path) = try Self.create(directory: directory, sequence: sequence, durability: durability)
        file = WALOpenFile(fd: fd, path: path, sequence: sequence)
        if case .interval(let milliseconds) = durability {
            let file = self.file
            flusher = Task.detached {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(max(1, milliseconds)))
                    file.syncIfDirty()
                }
            }
        }
    }

    deinit { close() }

    /// The sequence number of the file being appended to.
    package var sequence: UInt64 { file.state.withLock { $0.sequence } }

    /// True once the current file holds at least one record.
    package var hasRecords: Bool { file.state.withLock { $0.offset > WALFormat.headerSize } }

    /// Seals `record` and appends it; with `.everyCommit`, also makes it durable.
    /// - Throws: `.invalidInput` if the record is too large; `.io` if the write or sync fails (the file is
    ///   then cut back to its previous length, and after a failed sync every later append fails too).
    package func append(_ record: inout WALRecordBuffer) throws(CairnError) {
        guard record.size - WALFormat.recordPrefixSize <= WALFormat.maxRecordLength else {
            throw CairnError(.invalidInput, "a single commit of \(record.size) bytes exceeds the log record limit "
                             + "of \(WALFormat.maxRecordLength) bytes; split the batch")
        }
        record.seal()
        try file.append(record.bytes, sync: durability == .everyCommit)
    }

    /// Starts a new file with the next sequence number. The old file is synced (unless durability is
    /// `.never`) and closed; it stays on disk until the caller deletes it.
    package func rotate() throws(CairnError) {
        let next = sequence + 1
        let (fd, path) = try Self.create(directory: directory, sequence: next, durability: durability)
        try file.switchTo(fd: fd, path: path, sequence: next, syncOld: durability != .never)
    }

    /// Stops the flusher, syncs what is pending (unless `.never`) and closes the file. Idempotent.
    package func close() {
        flusher?.cancel()
        flusher = nil
        file.close(sync: durability != .never)
    }

    private static func create(directory: String, sequence: UInt64, durability: WALDurability) throws(CairnError) -> (Int32, String) {
        let path = directory + "/" + WALFormat.fileName(sequence: sequence)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.ioError("create", path) }
        let header = WALFormat.header(sequence: sequence)
        let written = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == header.count else {
            let failure = FileIO.ioError("write", path)
            closeDescriptor(fd)
            unlink(path)
            throw failure
        }
        if durability != .never {
            guard fsync(fd) == 0 else {
                let failure = FileIO.ioError("fsync", path)
                closeDescriptor(fd)
                throw failure
            }
            try DirectoryIO.sync(directory)
        }
        return (fd, path)
    }
}

/// The open log file, shared between the writer and its group-commit flusher.
private final class WALOpenFile: Sendable {
    struct State {
        var fd: Int32
        var path: String
        var sequence: UInt64
        var offset = WALFormat.headerSize
        var dirty = false
        /// Set when a sync failed: what was acknowledged may not be durable, so the log refuses more writes.
        var failure: CairnError?
    }
    let state: Mutex<State>

    init(fd: Int32, path: String, sequence: UInt64) {
        state = Mutex(State(fd: fd, path: path, sequence: sequence))
    }

    func append(_ bytes: [UInt8], sync: Bool) throws(CairnError) {
        try state.withLock { (s: inout State) throws(CairnError) in
            if let failure = s.failure { throw failure }
            guard s.fd >= 0 else { throw CairnError(.io, "the write-ahead log is closed", file: s.path) }
            let fd = s.fd, start = s.offset
            let written = bytes.withUnsafeBytes { raw -> Int in
                var done = 0
                while done < raw.count {
                    let n = pwrite(fd, raw.baseAddress.map { $0 + done }, raw.count - done, off_t(start + done))
                    if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
                }
                return done
            }
            guard written == bytes.count else {
                let failure = FileIO.ioError("write", s.path)
                // Cut off the partial record so the next append does not land behind garbage.
                if ftruncate(fd, off_t(start)) != 0 { s.failure = failure }
                throw failure
            }
            if sync {
                guard syncData(fd) == 0 else {
                    // The caller is told the commit failed, so the record must not replay later:
                    // cut it off (best effort) and refuse further appends to this log.
                    let failure = FileIO.ioError("fdatasync", s.path)
                    _ = ftruncate(fd, off_t(start))
                    s.failure = failure
                    throw failure
                }
                s.offset += bytes.count
            } else {
                s.offset += bytes.count
                s.dirty = true
            }
        }
    }

    /// The group-commit flush. It syncs a duplicate of the descriptor outside the lock, so appends go
    /// on while the disk works (a rotation or close meanwhile leaves the duplicate valid); appends made
    /// during the sync mark the file dirty again for the next round.
    func syncIfDirty() {
        let claimed = state.withLock { s -> (fd: Int32, path: String)? in
            guard s.dirty, s.fd >= 0 else { return nil }
            let copy = dup(s.fd)
            guard copy >= 0 else { return nil }
            s.dirty = false
            return (copy, s.path)
        }
        guard let (fd, path) = claimed else { return }
        let failed = syncData(fd) != 0
        closeDescriptor(fd)
        if failed { state.withLock { s in if s.failure == nil { s.failure = FileIO.ioError("fdatasync", path) } } }
    }

    func switchTo(fd: Int32, path: String, sequence: UInt64, syncOld: Bool) throws(CairnError) {
        try state.withLock { (s: inout State) throws(CairnError) in
            if syncOld && s.fd >= 0 && syncData(s.fd) != 0 {
                let failure = FileIO.ioError("fdatasync", s.path)
                closeDescriptor(fd)
                unlink(path)
                throw failure
            }
            if s.fd >= 0 { closeDescriptor(s.fd) }
            s = State(fd: fd, path: path, sequence: sequence)
        }
    }

    func close(sync: Bool) {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            if sync && s.dirty { _ = syncData(s.fd) }
            closeDescriptor(s.fd)
            s.fd = -1
        }
    }
}
