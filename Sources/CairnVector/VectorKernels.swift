import CairnFormat
import CVectorKernels

/// Distance arithmetic over float32 vectors: exact per-pair distances with pgvector's results, and
/// screening scores for many rows at once (one query: a streaming kernel; many: BLAS sgemm).
package enum VectorKernels {
    // MARK: - Exact distances (pgvector semantics; accumulated in float like pgvector)

    @inline(__always)
    package static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        BLAS.sdot(n, a, b)
    }

    package static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= n {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self) - rb.loadUnaligned(fromByteOffset: i * 4 + 64, as: SIMD16<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 32
        }
        var s = (acc0 + acc1).sum()
        while i < n {
            let d = a[i] - b[i]
            s += d * d
            i += 1
        }
        return s
    }

    /// `a <-> b`: Euclidean distance.
    package static func l2Distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        Double(squaredL2(a, b, n)).squareRoot()
    }

    /// `a <=> b`: 1 − cosine similarity; NaN when either vector is all zeros (as pgvector). Like
    /// pgvector, one square root of the product of the squared norms, taken in double: a vector's
    /// distance to itself is then exactly 0 (two float square roots multiplied rarely give back the
    /// dot product).
    package static func cosineDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        let similarity = Double(dot(a, b, n)) / (Double(dot(a, a, n)) * Double(dot(b, b, n))).squareRoot()
        if similarity.isNaN { return .nan }
        return 1 - min(1, max(-1, similarity))
    }

    // MARK: - Screening many rows against one query

    /// Dot products of the first `rows` rows of a row-major matrix with `query`: a matrix-vector
    /// product, read as one stream by `cairn_float_dots` (Sources/CVectorKernels/dots.c), which on a
    /// single query outruns BLAS `sgemv` by half again; many queries at once go through `sgemm`.
    package static func dots(_ matrix: UnsafePointer<Float>, rows: Int, dimension: Int,
                             query: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        cairn_float_dots(matrix, rows, dimension, query, out)
    }

    /// Scores of every row of `a` against `query`, ordered like the metric's distance (smaller is
    /// closer) and cheap to compute from one matrix-vector product plus stored row norms:
    /// l2 → ‖x‖² − 2x·q, ip → −x·q, cosine → 1 − x·q / (‖x‖‖q‖). Zero rows score NaN under cosine.
    package static func scores(_ a: VectorArray, query: [Float], metric: VectorMetric) -> [Float] {
        let n = a.count, d = a.dimension
        var out = [Float](repeating: 0, count: n)
        guard n > 0, d == query.count else { return out }
        let norms = metric == .innerProduct ? [] : (a.norms ?? a.computeNorms())
        a.floats.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let qb = q.baseAddress, let ob = o.baseAddress else { return }
                    dots(mb, rows: n, dimension: d, query: qb, into: ob)
                    rank(ob, n, rowNorms: norms, query: qb, dimension: d, metric: metric)
                }
            }
        }
        return out
    }

    /// Scores of every row of `a` against each of `queryCount` queries (row-major `queryCount × d`),
    /// as a `queryCount × a.count` matrix, from one `sgemm` on the calling thread (wrap the call in
    /// ``BLAS/wide(_:_:)`` to spread one large product over the cores). Same meaning as
    /// ``scores(_:query:metric:)``. `out` is reused between calls (its pages stay mapped); it is
    /// resized to `queryCount × a.count`.
    package static func scores(_ a: VectorArray, queries: [Float], queryCount q: Int, metric: VectorMetric, into out: inout [Float]) {
        let n = a.count, d = a.dimension
        if out.count != q * n { out = [Float](repeating: 0, count: q * n) }
        guard n > 0, q > 0, queries.count == q * d else { return }
        let norms = metric == .innerProduct ? [] : (a.norms ?? a.computeNorms())
        a.floats.withUnsafeBufferPointer { m in
            queries.withUnsafeBufferPointer { qs in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let qb = qs.baseAddress, let ob = o.baseAddress else { return }
                    BLAS.sgemmTransposedB(m: q, n: n, k: d, qb, mb, ob)
                    for j in 0..<q { rank(ob + j * n, n, rowNorms: norms, query: qb + j * d, dimension: d, metric: metric) }
                }
            }
        }
    }

    /// ``scores(_:query:metric:)`` for the listed rows only (an IVF probe), ascending.
    package static func scores(_ a: VectorArray, rows: [Int], query: [Float], metric: VectorMetric) -> [Float] {
        var out: [Float] = [], gathered: [Float] = []
        guard a.dimension == query.count else { return [Float](repeating: 0, count: rows.count) }
        query.withUnsafeBufferPointer { q in
            guard let qb = q.baseAddress else { return }
            scores(a, rows: rows, queries: qb, queryCount: 1, metric: metric, into: &out, gathered: &gathered)
        }
        return out
    }

    /// Scores of the listed rows of `a` (ascending) against `queryCount` queries (row-major
    /// `queryCount × d`), as a `queryCount × rows.count` matrix: the rows of one IVF list scored for
    /// every query that probes it. Same meaning as ``scores(_:query:metric:)``. Rows of one list are
    /// stored next to each other (§7.2): one query takes one matrix-vector product per run of consecutive rows (an
    /// sgemm would first copy them into its panels); several take one `sgemm`, over the rows in place
    /// when consecutive, else gathered into `gathered`.
    package static func scores(_ a: VectorArray, rows: [Int], queries: UnsafePointer<Float>, queryCount q: Int,
                               metric: VectorMetric, into out: inout [Float], gathered: inout [Float]) {
        let d = a.dimension, n = rows.count
        if out.count < q * n { out = [Float](repeating: 0, count: q * n) }
        guard n > 0, q > 0, let first = rows.first, let last = rows.last else { return }
        let consecutive = last - first == n - 1
        if q > 1, !consecutive, gathered.count < n * d { gathered = [Float](repeating: 0, count: n * d) }
        a.floats.withUnsafeBufferPointer { m in
            gathered.withUnsafeMutableBufferPointer { g in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let ob = o.baseAddress else { return }
                    if q == 1 {
                        var j = 0
                        while j < n {
                            var end = j + 1
                            while end < n, rows[end] == rows[end - 1] + 1 { end += 1 }
                            dots(mb + rows[j] * d, rows: end - j, dimension: d, query: queries, into: ob + j)
                            j = end
                        }
                    } else {
                        var x = mb + first * d
                        if !consecutive, let gb = g.baseAddress {
                            for (i, r) in rows.enumerated() { (gb + i * d).update(from: mb + r * d, count: d) }
                            x = UnsafePointer(gb)
                        }
                        BLAS.sgemmTransposedB(m: q, n: n, k: d, queries, x, ob)
                    }
                    // Segment blocks store row norms (§3.3); other rows compute the few they need.
                    let norms: [Float] = metric == .innerProduct ? [] : rows.map { i in
                        a.norms?[i] ?? dot(mb + i * d, mb + i * d, d).squareRoot()
                    }
                    for j in 0..<q { rank(ob + j * n, n, rowNorms: norms, query: queries + j * d, dimension: d, metric: metric) }
                }
            }
        }
    }

    /// Turns `n` dot products of `query` with rows whose norms are `rowNorms` (unused for inner
    /// product) into scores, in place: l2 → ‖x‖² − 2x·q, ip → −x·q, cosine → 1 − x·q / (‖x‖‖q‖).
    @inline(__always)
    private static func rank(_ row: UnsafeMutablePointer<Float>, _ n: Int, rowNorms: [Float], query: UnsafePointer<Float>,
                             dimension d: Int, metric: VectorMetric) {
        switch metric {
        case .innerProduct:
            for i in 0..<n { row[i] = -row[i] }
        case .l2:
            for i in 0..<n { row[i] = rowNorms[i] * rowNorms[i] - 2 * row[i] }
        case .cosine:
            let qn = dot(query, query, d).squareRoot()
            for i in 0..<n { row[i] = 1 - row[i] / (rowNorms[i] * qn) }
        }
    }
}
