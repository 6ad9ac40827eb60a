import ArgumentParser
import CairnFormat
import CairnVector
import Foundation

/// `cairn-bench gen vectors`: clustered, L2-normalised float32 vectors, queries drawn from the same
/// clusters, and the exact inner-product top-100 of every query, as .npy files.
struct GenVectors: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Write clustered normalised vectors (.npy), queries and exact top-100 ground truth.")

    @Option(help: "Number of base vectors.")
    var n: Int = 100_000
    @Option(help: "Dimension.")
    var dim: Int = 1536
    @Option(help: "Number of Gaussian clusters.")
    var clusters: Int = 1000
    @Option(help: "Cluster spread relative to the distance between centres (larger is harder for IVF).")
    var spread: Double = 0.5
    @Option(help: "Number of query vectors.")
    var queries: Int = 1000
    @Option(help: "Ground-truth neighbours per query.")
    var truthK: Int = 100
    @Option(help: "PRNG seed; the same seed gives the same bytes.")
    var seed: UInt64 = 42
    @Option(help: "Base file (.npy); queries and truth go to NAME.queries.npy and NAME.truth.npy next to it.")
    var out: String

    func validate() throws {
        guard n > 0, dim > 0, clusters > 0, queries > 0, truthK > 0, truthK <= n else { throw ValidationError("sizes must be positive, truth-k ≤ n") }
        guard out.hasSuffix(".npy") else { throw ValidationError("--out must end in .npy") }
    }

    func run() throws {
        var rng = SplitMix64(seed: seed)
        let centres = (0..<clusters * dim).map { _ in Float(rng.nextGaussian()) }
        func draw(_ count: Int) -> [Float] {
            var out = [Float](repeating: 0, count: count * dim)
            for i in 0..<count {
                let c = Int(rng.next() % UInt64(clusters))
                var norm: Float = 0
                for j in 0..<dim {
                    let x = centres[c * dim + j] + Float(spread * rng.nextGaussian())
                    out[i * dim + j] = x
                    norm += x * x
                }
                let scale = 1 / norm.squareRoot()
                for j in 0..<dim { out[i * dim + j] *= scale }
            }
            return out
        }
        let progress = ProgressLine("generating")
        let base = draw(n)
        let queryVectors = draw(queries)
        progress.update(0.5)
        // Exact top-k by inner product, one sgemm per block of base rows.
        var best = [[(Float, Int32)]](repeating: [], count: queries)
        let block = 8192
        for start in stride(from: 0, to: n, by: block) {
            let rows = min(block, n - start)
            let part = VectorArray(dimension: dim, floats: Array(base[start * dim..<(start + rows) * dim]))
            var scores: [Float] = []
            BLAS.wide { VectorKernels.scores(part, queries: queryVectors, queryCount: queries, metric: .innerProduct, into: &scores) }
            for q in 0..<queries {
                let top = TopK.smallest(Array(scores[q * rows..<(q + 1) * rows]), keep: truthK)
                best[q] += top.map { (scores[q * rows + $0], Int32(start + $0)) }
                best[q] = Array(best[q].sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(truthK))
            }
            progress.update(0.5 + 0.5 * Double(start + rows) / Double(n))
        }
        progress.finish()
        let stem = String(out.dropLast(4))
        try NPY.write(base, shape: [n, dim], to: out)
        try NPY.write(queryVectors, shape: [queries, dim], to: stem + ".queries.npy")
        try NPY.write(best.flatMap { $0.map(\.1) }, shape: [queries, truthK], to: stem + ".truth.npy")
        note("wrote \(out), \(stem).queries.npy and \(stem).truth.npy (\(n) × \(dim), \(clusters) clusters, \(queries) queries)")
    }
}

/// Minimal .npy (version 1.0) writer for C-ordered float32 and int32 matrices.
enum NPY {
    static func write<T>(_ values: [T], shape: [Int], to path: String) throws {
        let descr = T.self == Float.self ? "<f4" : "<i4"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes.append(UInt8(header.utf8.count & 0xFF))
        bytes.append(UInt8(header.utf8.count >> 8))
        bytes += Array(header.utf8)
        values.withUnsafeBytes { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
