import ArgumentParser
import Cairn
import enum CairnVector.BLAS
import Foundation

/// The `vectors` report; key names are a stable interface (Benchmarks/README.md).
struct VectorsReport: Encodable {
    struct Result: Encodable {
        let index: String
        let metric: String
        let lists: Int?
        let probes: Int?
        /// `none` or `sq8` (ivfflat only).
        let quantization: String?
        let k: Int
        let recall_at_k: Double
        let qps_single: Double
        let qps_batch: Double
        let threads: Int
        let train_s: Double?
        let add_s: Double
        /// The database's files (segments with the vectors, IVF lists and centroids, manifest, log),
        /// the counterpart of a serialized faiss index.
        let memory_bytes: Int
        /// Resident memory of the whole process (runtime and BLAS buffers included).
        let rss_bytes: Int
    }
    let engine = "cairn"
    let rows: Int
    let dimension: Int
    let queries: Int
    let openblas_coretype: String?
    /// The BLAS library and kernels in use, e.g. `libopenblas.so.0 (SkylakeX)`.
    let blas: String
    let results: [Result]
}

struct VectorsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Load vectors into a fresh database and measure recall and queries per second.")

    @Option(help: "Base vectors: .npy (float16/32/64, 2-D) or raw little-endian float32 (needs --dim).")
    var base: String
    @Option(help: "Query vectors, same formats.")
    var queries: String
    @Option(help: "Exact neighbour ids per query: .npy (int32/int64) or raw int32 rows.")
    var truth: String
    @Option(help: "Dimension of raw float32 files.")
    var dim: Int?
    @Option(help: "ip, l2 or cosine.")
    var metric: String = "ip"
    @Option(help: "flat or ivfflat.")
    var index: String = "flat"
    @Option(help: "IVF lists.")
    var lists: Int = 1024
    @Option(help: "IVF quantization: none, or sq8 (an 8-bit copy of the vectors screens the float rows).")
    var quantization: String = "none"
    @Option(help: "Comma-separated probe counts to measure (ivfflat).")
    var probes: String = "1,2,4,8,16,32,64"
    @Option(help: "Neighbours per query.")
    var k: Int = 10
    @Option(help: "Threads for the batched measurement (single queries always use one).")
    var threads: Int = 2
    @Option(help: "Write the JSON report here ('-' for stdout).")
    var json: String?
    @Option(help: "Database directory (must not exist); default a temporary directory that is removed afterwards.")
    var db: String?
    @Flag(help: "Search the database an earlier run left at --db as it is (no load, no index build): for before/after timing of searches.")
    var reuse = false

    func run() throws {
        guard ["ip", "l2", "cosine"].contains(metric) else { throw ValidationError("--metric must be ip, l2 or cosine") }
        guard ["flat", "ivfflat"].contains(index) else { throw ValidationError("--index must be flat or ivfflat") }
        let vectorMetric: VectorMetric = metric == "ip" ? .innerProduct : metric == "l2" ? .l2 : .cosine
        let opclass = metric == "ip" ? "vector_ip_ops" : metric == "l2" ? "vector_l2_ops" : "vector_cosine_ops"

        let (queryVectors, queryDim) = try VectorFile.readFloats(queries, dim: dim)
        let baseDim = try VectorFile.dimension(of: base, dim: dim)
        guard baseDim == queryDim else { throw ValidationError("base has \(baseDim) dimensions, queries \(queryDim)") }
        let truthRows = try VectorFile.readIDs(truth, rows: queryVectors.count)
        guard truthRows.allSatisfy({ $0.count >= k }) else { throw ValidationError("truth has fewer than k ids per query") }

        let directory = db ?? NSTemporaryDirectory() + "cairn-bench-vectors-\(getpid())"
        let reusing = reuse && db != nil && FileManager.default.fileExists(atPath: directory)
        guard reusing || !FileManager.default.fileExists(atPath: directory) else { throw ValidationError("\(directory) already exists") }
        defer { if db == nil { try? FileManager.default.removeItem(atPath: directory) } }
        let database = try Database(path: directory, options: .init(durability: .none))
        defer { database.close() }
        var addSeconds = 0.0
        let count: () throws -> String = { try database.query("SELECT count(*) FROM vecs")[0][0].description }
        var trainSeconds: Double?
        if !reusing {
            try database.execute("CREATE TABLE vecs (id BIGINT, embedding VECTOR(\(baseDim)))")
            let format = base.hasSuffix(".npy") ? "FORMAT npy" : "FORMAT f32, DIMENSION \(baseDim)"
            let loadProgress = ProgressLine("load")
            (_, addSeconds) = try Measure.time {
                try database.execute("COPY vecs (id, embedding) FROM '\(base)' (\(format))", progress: loadProgress.update)
                try database.execute("CHECKPOINT")
            }
            loadProgress.finish()
            note("loaded \(try count()) vectors of \(baseDim) dimensions in \(String(format: "%.2f", addSeconds)) s")
            if index == "ivfflat" {
                let buildProgress = ProgressLine("index")
                (_, trainSeconds) = try Measure.time {
                    try database.execute("CREATE INDEX vecs_ivf ON vecs USING ivfflat (embedding \(opclass)) WITH (lists = \(lists), quantization = '\(quantization)')",
                                         progress: buildProgress.update)
                }
                buildProgress.finish()
                note("built ivfflat (\(lists) lists) in \(String(format: "%.2f", trainSeconds ?? 0)) s")
            }
        }

        let settings: [Int?] = index == "flat" ? [nil] : try probes.split(separator: ",").map {
            guard let p = Int($0.trimmingCharacters(in: .whitespaces)), p > 0 else { throw ValidationError("bad --probes \($0)") }
            return p
        }
        // One untimed pass brings the stored vectors into memory, as a peer's index is before it is timed.
        _ = try database.nearest(to: queryVectors, k: k, in: "vecs", metric: vectorMetric, probes: settings.compactMap { $0 }.max())
        var results: [VectorsReport.Result] = []
        for p in settings {
            try database.execute("SET threads = 1")
            var found: [[Int64]] = []
            let searchProgress = ProgressLine("search" + (p.map { " probes=\($0)" } ?? ""))
            let (_, singleSeconds) = try Measure.time {
                for (i, q) in queryVectors.enumerated() {
                    searchProgress.update(Double(i) / Double(queryVectors.count))
                    let r = try database.nearest(to: q, k: k, in: "vecs", metric: vectorMetric, probes: p)
                    found.append(r.map { if case .int(let id) = $0[0] { id } else { -1 } })
                }
            }
            searchProgress.finish()
            try database.execute("SET threads = \(threads)")
            let (_, batchSeconds) = try Measure.time {
                _ = try database.nearest(to: queryVectors, k: k, in: "vecs", metric: vectorMetric, probes: p)
            }
            var hits = 0
            for (f, t) in zip(found, truthRows) { hits += Set(f).intersection(t.prefix(k)).count }
            let recall = Double(hits) / Double(k * queryVectors.count)
            let result = VectorsReport.Result(index: index, metric: metric, lists: index == "flat" ? nil : lists, probes: p,
                                              quantization: index == "flat" ? nil : quantization, k: k,
                                              recall_at_k: recall, qps_single: Double(queryVectors.count) / singleSeconds,
                                              qps_batch: Double(queryVectors.count) / batchSeconds, threads: threads,
                                              train_s: trainSeconds, add_s: addSeconds,
                                              memory_bytes: Measure.bytesOnDisk(directory), rss_bytes: Measure.residentBytes())
            note("\(index) probes=\(p.map(String.init) ?? "-") recall@\(k)=\(String(format: "%.4f", recall)) "
                 + "single=\(String(format: "%.1f", result.qps_single)) q/s batch=\(String(format: "%.1f", result.qps_batch)) q/s")
            results.append(result)
        }
        let report = VectorsReport(rows: Int(try count()) ?? 0, dimension: baseDim,
                                   queries: queryVectors.count,
                                   openblas_coretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                                   blas: BLAS.description, results: results)
        try writeJSON(report, to: json)
    }
}

/// Reads the matrices `cairn-bench vectors` takes: .npy or raw little-endian files.
enum VectorFile {
    struct Header { let dataOffset: Int; let descr: String; let shape: [Int] }

    static func npyHeader(_ data: Data, path: String) throws -> Header {
        guard data.count >= 10, data[0] == 0x93, data[1..<6].elementsEqual("NUMPY".utf8) else { throw ValidationError("\(path) is not a .npy file") }
        let lengthBytes = data[6] == 1 ? 2 : 4
        let length = data[8..<(8 + lengthBytes)].reversed().reduce(0) { $0 << 8 | Int($1) }
        let start = 8 + lengthBytes
        guard data.count >= start + length else { throw ValidationError("\(path): truncated .npy header") }
        let text = String(decoding: data[start..<(start + length)], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let k = text.range(of: "'\(key)'"), let colon = text[k.upperBound...].firstIndex(of: ":") else { return nil }
            let rest = text[text.index(after: colon)...].drop { $0 == " " }
            if rest.first == "(", let close = rest.firstIndex(of: ")") { return String(rest[...close]) }
            return rest.prefix { $0 != "," && $0 != "}" }.trimmingCharacters(in: CharacterSet(charactersIn: "' "))
        }
        guard let descr = field("descr"), let shape = field("shape") else { throw ValidationError("\(path): no descr/shape") }
        let dims = shape.trimmingCharacters(in: CharacterSet(charactersIn: "() ")).split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return Header(dataOffset: start + length, descr: descr, shape: dims)
    }

    static func dimension(of path: String, dim: Int?) throws -> Int {
        if path.hasSuffix(".npy") {
            let h = try npyHeader(try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe), path: path)
            guard h.shape.count == 2 else { throw ValidationError("\(path): expected a 2-D array") }
            return h.shape[1]
        }
        guard let dim else { throw ValidationError("raw float32 files need --dim") }
        return dim
    }

    static func readFloats(_ path: String, dim: Int?) throws -> ([[Float]], Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        var offset = 0, d = dim ?? 0, size = 4, descr = "<f4"
        if path.hasSuffix(".npy") {
            let h = try npyHeader(data, path: path)
            guard h.shape.count == 2 else { throw ValidationError("\(path): expected a 2-D array") }
            offset = h.dataOffset; d = h.shape[1]; descr = h.descr
            size = descr == "<f2" ? 2 : descr == "<f8" ? 8 : 4
            guard ["<f2", "<f4", "<f8"].contains(descr) else { throw ValidationError("\(path): unsupported dtype \(descr)") }
        }
        guard d > 0 else { throw ValidationError("raw float32 files need --dim") }
        let n = (data.count - offset) / (d * size)
        let rows: [[Float]] = data.withUnsafeBytes { raw in
            (0..<n).map { i in
                (0..<d).map { j in
                    let at = offset + (i * d + j) * size
                    switch size {
                    case 2: return Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                    case 8: return Float(raw.loadUnaligned(fromByteOffset: at, as: Double.self))
                    default: return raw.loadUnaligned(fromByteOffset: at, as: Float.self)
                    }
                }
            }
        }
        return (rows, d)
    }

    static func readIDs(_ path: String, rows: Int) throws -> [[Int64]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        var offset = 0, width = 0, size = 4
        if path.hasSuffix(".npy") {
            let h = try npyHeader(data, path: path)
            guard h.shape.count == 2, h.shape[0] == rows else { throw ValidationError("\(path): expected \(rows) rows of ids") }
            offset = h.dataOffset; width = h.shape[1]
            size = h.descr.hasSuffix("8") ? 8 : 4
        } else {
            guard rows > 0, data.count % (rows * 4) == 0 else { throw ValidationError("\(path): size is not \(rows) rows of int32") }
            width = data.count / (rows * 4)
        }
        return data.withUnsafeBytes { raw in
            (0..<rows).map { i in
                (0..<width).map { j in
                    let at = offset + (i * width + j) * size
                    return size == 8 ? raw.loadUnaligned(fromByteOffset: at, as: Int64.self) : Int64(raw.loadUnaligned(fromByteOffset: at, as: Int32.self))
                }
            }
        }
    }
}

