#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import CairnLog
import Testing
@testable import CairnTables

/// A fresh directory under /tmp, removed when the test's scope ends.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/cairn-tables-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress, let made = mkdtemp(base) else { return "/tmp/cairn-tables-test-fallback" }
            return String(cString: made)
        }
    }

    deinit { try? DirectoryIO.removeTree(path) }

    /// Paths of all regular files below the directory, relative to it, sorted.
    func files(under sub: String = "") -> [String] {
        var out: [String] = []
        func walk(_ rel: String) {
            let full = rel.isEmpty ? path : path + "/" + rel
            for name in (try? DirectoryIO.entries(full)) ?? [] {
                let child = rel.isEmpty ? name : rel + "/" + name
                if DirectoryIO.isDirectory(path + "/" + child) { walk(child) } else { out.append(child) }
            }
        }
        walk(sub)
        return out.sorted()
    }

    func size(_ rel: String) -> Int {
        var st = stat()
        return stat(path + "/" + rel, &st) == 0 ? Int(st.st_size) : -1
    }

    /// Copies every file but `LOCK` into `other`, as the disk would hold them if the process died now.
    func copyFiles(to other: TemporaryDirectory) throws {
        for file in files() where file != "LOCK" {
            if let slash = file.lastIndex(of: "/") { try DirectoryIO.createAll(other.path + "/" + file[..<slash]) }
            other.write(file, try FileIO.readAll(path + "/" + file))
        }
    }

    func write(_ rel: String, _ bytes: [UInt8]) {
        guard let f = fopen(path + "/" + rel, "ab") else { return }
        defer { fclose(f) }
        _ = fwrite(bytes, 1, bytes.count, f)
    }
}

let september1 = Calendar.days(year: 2025, month: 9, day: 1)

func micros(day: Int64, hour: Int64 = 0) -> Int64 { day * Calendar.microsPerDay + hour * Calendar.microsPerHour }

/// events(ts TIMESTAMP NOT NULL, tenant VARCHAR, value DOUBLE), optionally partitioned by ts.
func eventsSchema(_ granularity: PartitionSpec.Granularity? = .day, name: String = "events", tsNotNull: Bool = true) -> TableSchema {
    TableSchema(name: name, columns: [
        ColumnSchema(id: 0, name: "ts", type: .timestamp, notNull: tsNotNull),
        ColumnSchema(id: 0, name: "tenant", type: .varchar, notNull: false),
        ColumnSchema(id: 0, name: "value", type: .double, notNull: false),
    ], partition: granularity.map { PartitionSpec(column: "ts", granularity: $0) })
}

func eventsBatch(timestamps: [Int64], tenant: String = "acme", valueBase: Double = 0) -> [ColumnVector] {
    [
        ColumnVector(storage: .int64(timestamps)),
        ColumnVector(storage: .bytes(ByteArray(timestamps.map { _ in tenant }))),
        ColumnVector(storage: .float64(timestamps.indices.map { Double($0) + valueBase })),
    ]
}

func openEngine(_ dir: TemporaryDirectory, readOnly: Bool = false,
                options: EngineOptions = EngineOptions(durability: .none)) throws(CairnError) -> Engine {
    try Engine.open(path: dir.path, readOnly: readOnly, options: options)
}

struct ScanResult {
    var columns: [ColumnVector]
    var stats: ScanStats
    var rowCount: Int { columns.first?.count ?? 0 }
}

func scanAll(_ table: TableSnapshot?, columns: [Int]? = nil,
             mayMatch: @escaping @Sendable (ZoneMaps) -> Bool = { _ in true }) throws -> ScanResult {
    guard let table else { throw CairnError(.notFound, "no such table in snapshot") }
    let wanted = columns ?? Array(table.schema.columns.indices)
    let plan = try table.scan(columns: wanted, mayMatch: mayMatch)
    var parts = wanted.map { _ in [ColumnVector]() }
    for unit in plan.units {
        let read = try unit.read()
        for i in read.indices {
            #expect(read[i].count == unit.rowCount)
            parts[i].append(read[i])
        }
    }
    let out = wanted.enumerated().map { i, c in
        ColumnVector.concatenate(parts[i], physical: table.schema.columns[c].type.physical)
    }
    return ScanResult(columns: out, stats: plan.stats)
}

func ints(_ v: ColumnVector) -> [Int64?] {
    guard case .int64(let a) = v.storage else { return [] }
    return a.indices.map { v.isNull($0) ? nil : a[$0] }
}

func doubles(_ v: ColumnVector) -> [Double?] {
    guard case .float64(let a) = v.storage else { return [] }
    return a.indices.map { v.isNull($0) ? nil : a[$0] }
}

func strings(_ v: ColumnVector) -> [String?] {
    guard case .bytes(let b) = v.storage else { return [] }
    return (0..<b.count).map { v.isNull($0) ? nil : b.string(at: $0) }
}
