import CairnFormat
import CairnLog
import Synchronization

/// The manifest payload (docs/format.md §6.2): everything durable about the database except the
/// rows still in the write-ahead log. Written as JSON by ``CairnLog/ManifestFile``.
struct Catalog: Codable, Sendable {
    /// Version 2 added deletion files, retention policies and sort keys; version 1 manifests are read as is.
    static let currentFormatVersion = 2
    static let readableFormatVersions: ClosedRange<Int> = 1...2

    var formatVersion = Catalog.currentFormatVersion
    /// Table ids are never reused, so log records of a dropped table can never be applied to a new one.
    var nextTableID: UInt32 = 1
    var nextSegmentID: UInt64 = 1
    /// Log files with a smaller sequence hold nothing that is not already in segments (or of dropped tables).
    var walStart: UInt64 = 1
    var tables: [TableEntry] = []

    func tableIndex(named name: String) -> Int? {
        let wanted = name.lowercased()
        return tables.firstIndex { $0.schema.name.lowercased() == wanted }
    }

    func table(id: UInt32) -> TableEntry? { tables.first { $0.id == id } }

    /// Every file this catalog names, relative to the database directory, each once: what a backup
    /// copies, CHECK verifies, and an open keeps.
    var files: [String] {
        var files: [String] = []
        var deletionFiles = Set<String>()
        for table in tables {
            for index in table.schema.indexes {
                files.append(VectorIndexDefinition.centroidFile(tableID: table.id, generation: index.generation))
            }
            for segment in table.partitions.flatMap(\.segments) {
                files.append(segment.file)
                for index in table.schema.indexes {
                    files.append(VectorIndexDefinition.listFile(segmentFile: segment.file, generation: index.generation))
                }
                if let d = segment.deletes {
                    let file = SegmentDeletes.file(segmentFile: segment.file, generation: d.generation)
                    if deletionFiles.insert(file).inserted { files.append(file) }
                }
            }
        }
        return files
    }
}

struct TableEntry: Codable, Sendable {
    var id: UInt32
    var schema: TableSchema
    var nextColumnID: UInt32
    /// Sorted by key, the null partition first.
    var partitions: [PartitionEntry]

    var storedRowCount: Int { partitions.reduce(0) { $0 + $1.segments.reduce(0) { $0 + $1.liveRowCount } } }

    /// Adds a segment to the partition with `key`, creating the partition if needed.
    mutating func addSegment(_ segment: SegmentEntry, key: Int64?) {
        if let i = partitions.firstIndex(where: { $0.key == key }) {
            partitions[i].segments.append(segment)
        } else {
            partitions.append(PartitionEntry(key: key, segments: [segment]))
            partitions.sort { PartitionKeyOrder.less($0.key, $1.key) }
        }
    }
}

/// One partition of a table: all of its segments. `key` is nil for the null partition of a
/// partitioned table and for the single partition of an unpartitioned one.
struct PartitionEntry: Codable, Sendable {
    var key: Int64?
    var segments: [SegmentEntry]
}

struct SegmentEntry: Codable, Sendable {
    /// Path relative to the database directory: `tables/<table id>/<partition>/<segment id>.seg`.
    var file: String
    var summary: SegmentSummary
    /// The segment's deletion file (§8); nil when no row of it is deleted.
    var deletes: SegmentDeletes?

    /// Rows of the segment that are not deleted.
    var liveRowCount: Int { summary.rowCount - (deletes?.count ?? 0) }
}

enum PartitionKeyOrder {
    /// nil (the null partition) first, then ascending keys.
    static func less(_ a: Int64?, _ b: Int64?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let x?, let y?): x < y
        }
    }
}

/// Encodes catalogs for the manifest, reusing the JSON of segment entries seen in the previous catalog:
/// segments are immutable, so after a first encoding a commit only encodes the schemas and what changed.
/// The result decodes exactly like `JSONEncoder`'s encoding of the catalog.
final class ManifestEncoder: Sendable {
    private let fragments = Mutex<[String: [UInt8]]>([:])

    func encode(_ catalog: Catalog, directory: String) throws(CairnError) -> [UInt8] {
        let previous = fragments.withLock { $0 }
        var current: [String: [UInt8]] = [:]
        var out: [UInt8] = []
        func append(_ text: String) { out.append(contentsOf: text.utf8) }
        append("{\"formatVersion\":\(catalog.formatVersion),\"nextSegmentID\":\(catalog.nextSegmentID),"
               + "\"nextTableID\":\(catalog.nextTableID),\"tables\":[")
        for (t, table) in catalog.tables.enumerated() {
            if t > 0 { append(",") }
            append("{\"id\":\(table.id),\"nextColumnID\":\(table.nextColumnID),\"partitions\":[")
            for (p, partition) in table.partitions.enumerated() {
                if p > 0 { append(",") }
                append(partition.key.map { "{\"key\":\($0),\"segments\":[" } ?? "{\"segments\":[")
                for (i, segment) in partition.segments.enumerated() {
                    if i > 0 { append(",") }
                    // The cached JSON is of the entry without `deletes`, which each DELETE changes; that is spliced in.
                    let fragment: [UInt8]
                    if let cached = previous[segment.file] {
                        fragment = cached
                    } else {
                        var plain = segment
                        plain.deletes = nil
                        fragment = try ManifestFile.json(plain, directory: directory)
                    }
                    current[segment.file] = fragment
                    if let d = segment.deletes, fragment.first == UInt8(ascii: "{") {
                        append("{\"deletes\":{\"count\":\(d.count),\"generation\":\(d.generation)},")
                        out.append(contentsOf: fragment.dropFirst())
                    } else {
                        out.append(contentsOf: fragment)
                    }
                }
                append("]}")
            }
            append("],\"schema\":")
            out.append(contentsOf: try ManifestFile.json(table.schema, directory: directory))
            append("}")
        }
        append("],\"walStart\":\(catalog.walStart)}")
        fragments.withLock { $0 = current }
        return out
    }
}
