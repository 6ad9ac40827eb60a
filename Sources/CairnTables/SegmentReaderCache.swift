import CairnFormat
import Synchronization

/// Open segment readers by file, so queries do not re-open and re-verify a segment's footer each time.
///
/// Segment files are immutable and deleted only by DROP TABLE (or as orphans at open). A reader
/// that is already open keeps working after its file is unlinked (POSIX keeps the inode alive while
/// a descriptor is open), so a snapshot that opened its segments before a drop still scans them; one
/// that had not yet opened them gets a `.notFound` error.
final class SegmentReaderCache: Sendable {
    private let readers = Mutex<[String: SegmentReader]>([:])

    func reader(path: String) throws(CairnError) -> SegmentReader {
        if let cached = readers.withLock({ $0[path] }) { return cached }
        // Opened outside the lock: verifying a footer is I/O, and racing opens of one file are harmless.
        let reader = try SegmentReader(path: path)
        return readers.withLock { cache in
            if let winner = cache[path] { return winner }
            cache[path] = reader
            return reader
        }
    }

    /// Forgets readers of files under `directory` (a dropped table's files).
    func evict(under directory: String) {
        readers.withLock { cache in cache = cache.filter { !$0.key.hasPrefix(directory + "/") } }
    }
}
