// Micro-benchmarks of the storage and vector kernels: `swift package benchmark` (Benchmarks/README.md).
// Each reports wall time (p50/p99 and the rest of package-benchmark's percentiles), throughput and
// allocations; throughput counts the unit named in the benchmark (rows, bytes, records, queries).
import Benchmark
import CairnFormat
import CairnLog
import CairnVector
import Foundation

let benchmarks: @Sendable () -> Void = {
    let rows = 65_536
    var rng = SplitMix(seed: 42)
    // A block of event-like columns: ascending timestamps, a low-cardinality string, bit-packable codes.
    let timestamps = ColumnVector(storage: .int64((0..<rows).map { 1_756_684_800_000_000 + Int64($0) * 1_300_000 + Int64(rng.next() % 1_000) }))
    let kinds = ["page_view", "login", "logout", "api_call", "email_sent", "error", "login_failed", "export"]
    var kindBytes = ByteArray()
    for i in 0..<rows { kindBytes.append(kinds[Int(rng.next() % UInt64(i % 7 == 0 ? 8 : 2))]) }
    let kindColumn = ColumnVector(storage: .bytes(kindBytes))
    let statuses = ColumnVector(storage: .int64((0..<rows).map { _ in [200, 200, 200, 201, 304, 404, 500][Int(rng.next() % 7)] }))
    let columns: [(String, ColumnVector)] = [("timestamps (delta)", timestamps), ("strings (dictionary)", kindColumn),
                                            ("status codes (bit-packed)", statuses)]

    let rowsConfig = Benchmark.Configuration(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .one,
                                             maxDuration: .seconds(2))
    for (name, column) in columns {
        Benchmark("encode \(name), 65,536 rows", configuration: rowsConfig) { benchmark in
            for _ in benchmark.scaledIterations { blackHole(EncodedBlock.encode(column)) }
        }
        let encoded = EncodedBlock.encode(column).bytes
        Benchmark("decode \(name), 65,536 rows", configuration: rowsConfig) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try encoded.withUnsafeBytes { raw in try EncodedBlock.decode(raw, physical: column.physical, rows: rows) })
            }
        }
    }

    // zstd on the encoded blocks of the three columns (what a segment stores).
    var payload: [UInt8] = []
    for (_, column) in columns { payload += EncodedBlock.encode(column).bytes }
    let compressed = (try? payload.withUnsafeBytes { try Zstd.compress($0) }) ?? []
    Benchmark("zstd compress \(payload.count / 1024) KiB of encoded blocks", configuration: rowsConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try payload.withUnsafeBytes { try Zstd.compress($0) }) }
    }
    Benchmark("zstd decompress to \(payload.count / 1024) KiB", configuration: rowsConfig) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try compressed.withUnsafeBytes { try Zstd.decompress($0, decompressedSize: payload.count) })
        }
    }

    // A segment of 262,144 rows × 3 columns written (fsynced) and read back block by block.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cairn-micro-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let segmentColumns = columns.enumerated().map { i, c in
        SegmentColumn(id: UInt32(i), type: i == 1 ? .varchar : (i == 0 ? .timestamp : .integer),
                      data: ColumnVector.concatenateForBenchmark([c.1, c.1, c.1, c.1]))
    }
    let segmentPath = directory + "/bench.seg"
    // CRC-32C of an 8 MiB block (a cached vector block's size): the CPU's instruction, then the tables.
    let block = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    Benchmark("CRC-32C of 8 MiB, \(CRC32C.hardware ? "CPU instruction" : "tables (no instruction)")", configuration: rowsConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(block.withUnsafeBytes { CRC32C.checksum($0) }) }
    }
    Benchmark("CRC-32C of 8 MiB, tables", configuration: rowsConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(block.withUnsafeBytes { CRC32C.software($0) }) }
    }

    Benchmark("segment write, 262,144 rows × 3 columns", configuration: rowsConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try SegmentWriter.write(to: segmentPath, columns: segmentColumns)) }
    }
    Benchmark("segment read, 262,144 rows × 3 columns", configuration: rowsConfig) { benchmark in
        _ = try SegmentWriter.write(to: segmentPath, columns: segmentColumns)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let reader = try SegmentReader(path: segmentPath)
            for column in reader.columnIDs { for block in 0..<reader.blockCount { blackHole(try reader.read(column: column, block: block)) } }
        }
    }

    // One WAL commit of a 100-row batch, in each durability mode.
    let batch = [timestamps.sliceForBenchmark(0..<100), statuses.sliceForBenchmark(0..<100)]
    for (name, durability) in [("fsync", WALDurability.everyCommit), ("group commit 10 ms", .interval(milliseconds: 10)), ("none", .never)] {
        Benchmark("WAL append 100 rows, durability \(name)", configuration: .init(metrics: [.wallClock, .throughput],
                                                                                  maxDuration: .seconds(2))) { benchmark in
            let walDirectory = directory + "/wal-\(name.prefix(4))-\(UInt64.random(in: 0...UInt64.max))"
            try FileManager.default.createDirectory(atPath: walDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: walDirectory) }
            let wal = try WALWriter(directory: walDirectory, sequence: 1, durability: durability)
            defer { wal.close() }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                var record = WALRecordBuffer.insert(tableID: 1, columnIDs: [0, 1], columns: batch, rowCount: 100)
                try wal.append(&record)
            }
        }
    }

    // Distance kernels on 1536-dimensional float32 vectors (OpenAI-style embeddings).
    let d = 1536, n = 10_000, q = 64
    let matrix = (0..<(n * d)).map { _ in Float(rng.next() % 2_000) / 1_000 - 1 }
    let queries = Array(matrix[0..<(q * d)])
    let vectors = VectorArray(dimension: d, floats: matrix)
    let vectorConfig = Benchmark.Configuration(metrics: [.wallClock, .throughput], maxDuration: .seconds(2))
    Benchmark("dot, 1536 dimensions", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo,
                                                          maxDuration: .seconds(2))) { benchmark in
        matrix.withUnsafeBufferPointer { m in
            guard let base = m.baseAddress else { return }
            for i in benchmark.scaledIterations { blackHole(VectorKernels.dot(base, base + (i % n) * d, d)) }
        }
    }
    Benchmark("streamed scores, 10,000 × 1536, one query", configuration: vectorConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(VectorKernels.scores(vectors, query: queries.prefix(d).map { $0 }, metric: .innerProduct)) }
    }
    Benchmark("sgemm scores, 10,000 × 1536, 64 queries", configuration: vectorConfig) { benchmark in
        var out: [Float] = []
        for _ in benchmark.scaledIterations {
            VectorKernels.scores(vectors, queries: queries, queryCount: q, metric: .innerProduct, into: &out)
            blackHole(out)
        }
    }
    let scores = (0..<100_000).map { _ in Float(rng.next() % 1_000_000) }
    Benchmark("top-10 of 100,000 scores", configuration: vectorConfig) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(TopK.smallest(scores, keep: 10)) }
    }
    let training = Array(matrix[0..<(5_000 * d)])
    Benchmark("k-means iteration, 5,000 × 1536, 64 lists", configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(KMeans.train(training, dimension: d, k: 64, metric: .innerProduct, iterations: 1, seed: 7) { _ in })
        }
    }
}

extension ColumnVector {
    /// Rows `range` of an int64 column (the benchmarks' WAL batches).
    fileprivate func sliceForBenchmark(_ range: Range<Int>) -> ColumnVector {
        guard case .int64(let a) = storage else { return self }
        return ColumnVector(storage: .int64(Array(a[range])))
    }

    /// `parts` (same physical type) one after another, without validity (the benchmarks' columns have none).
    fileprivate static func concatenateForBenchmark(_ parts: [ColumnVector]) -> ColumnVector {
        switch parts[0].storage {
        case .int64:
            var all: [Int64] = []
            for p in parts { if case .int64(let a) = p.storage { all += a } }
            return ColumnVector(storage: .int64(all))
        case .bytes:
            var out = ByteArray()
            for p in parts { if case .bytes(let b) = p.storage { for i in 0..<b.count { out.append(b.string(at: i)) } } }
            return ColumnVector(storage: .bytes(out))
        default: return parts[0]
        }
    }
}
