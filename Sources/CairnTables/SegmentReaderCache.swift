import CairnFormat
import Synchronization

/// Open segment readers by file, so queries do not re-open and re-verify a segment's footer each time.
///
/// Segment files are immutable, and the writer deletes them only through its ``FileReclaimer``, once no
/// snapshot that names them is alive (or as orphans at open), evicting them here.
///
/// It also keeps recently decoded blocks (least recently used first out, within a byte budget), so
/// repeated queries over the same data skip checksum, zstd and decoding work. Entries are keyed by
/// file, and files are immutable, so a cached block can never be stale.
final class SegmentReaderCache: Sendable {
    private let readers = Mutex<[String: SegmentReader]>([:])
    private let blocks: Mutex<DecodedBlocks>

    init(blockBudgetBytes: Int = SegmentReaderCache.defaultBlockBudget) {
        blocks = Mutex(DecodedBlocks(budget: blockBudgetBytes))
    }

    /// 768 MiB: enough to keep the hot columns of tens of millions of events decoded while staying
    /// well inside a 2 GiB process budget.
    static let defaultBlockBudget = 768 << 20

    /// A decoded block, from the cache or read (and cached) through `reader`.
    func block(_ reader: SegmentReader, column: UInt32, block: Int) throws(CairnError) -> ColumnVector {
        let key = BlockKey(path: reader.path, column: column, block: block)
        if let hit = blocks.withLock({ $0.get(key) }) { return hit }
        let vector = try reader.read(column: column, block: block)
        blocks.withLock { $0.put(key, vector) }
        return vector
    }

    /// The reader of a segment the manifest names, checked against the manifest's row count: deletion
    /// vectors and list files address rows by position, so a segment of another size is corrupt.
    func reader(directory: String, segment: SegmentEntry) throws(CairnError) -> SegmentReader {
        let reader = try reader(path: directory + "/" + segment.file)
        guard reader.rowCount == segment.summary.rowCount else {
            throw CairnError.corrupt(reader.path, "segment holds \(reader.rowCount) rows but the manifest records \(segment.summary.rowCount)")
        }
        return reader
    }

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

    /// Forgets one file's reader and blocks (after the reclaimer deleted it).
    func evict(path: String) {
        readers.withLock { _ = $0.removeValue(forKey: path) }
        blocks.withLock { $0.removeAll { $0.path == path } }
    }
}

struct BlockKey: Hashable, Sendable {
    var path: String
    var column: UInt32
    var block: Int
}

/// Decoded blocks with approximate LRU eviction by byte size.
struct DecodedBlocks: Sendable {
    private struct Entry: Sendable { var vector: ColumnVector; var bytes: Int; var lastUse: UInt64 }
    private var entries: [BlockKey: Entry] = [:]
    private var bytes = 0
    private var clock: UInt64 = 0
    let budget: Int

    init(budget: Int) { self.budget = budget }

    mutating func get(_ key: BlockKey) -> ColumnVector? {
        guard var e = entries[key] else { return nil }
        clock += 1
        e.lastUse = clock
        entries[key] = e
        return e.vector
    }

    mutating func put(_ key: BlockKey, _ v: ColumnVector) {
        let size = Self.size(of: v)
        guard size <= budget / 4, entries[key] == nil else { return }
        clock += 1
        entries[key] = Entry(vector: v, bytes: size, lastUse: clock)
        bytes += size
        if bytes > budget {
            // Evict the least recently used quarter at once, so eviction cost is amortized.
            let victims = entries.sorted { $0.value.lastUse < $1.value.lastUse }
            for (k, e) in victims where bytes > budget * 3 / 4 {
                entries[k] = nil
                bytes -= e.bytes
            }
        }
    }

    mutating func removeAll(where drop: (BlockKey) -> Bool) {
        for k in entries.keys where drop(k) {
            bytes -= entries[k]?.bytes ?? 0
            entries[k] = nil
        }
    }

    static func size(of v: ColumnVector) -> Int {
        let validity = v.validity?.count ?? 0
        switch v.storage {
        case .int64(let a): return a.count * 8 + validity
        case .float64(let a): return a.count * 8 + validity
        case .bytes(let b): return b.data.count + b.offsets.count * 8 + validity + (v.dictionary?.byteCount ?? 0)
        case .vectors(let a): return (a.floats.count + (a.norms?.count ?? 0)) * 4 + validity
        }
    }
}
