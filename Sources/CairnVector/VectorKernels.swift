import CairnFormat

/// Distance arithmetic over float32 vectors: exact per-pair distances with pgvector's results, and
/// BLAS-backed screening scores for many rows at once.
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

    /// `a <=> b`: 1 − cosine similarity; NaN when either vector is all zeros (as pgvector).
    package static func cosineDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
        cosineDistance(dot: dot(a, b, n), normA: dot(a, a, n).squareRoot(), normB: dot(b, b, n).squareRoot())
    }

    @inline(__always)
    package static func cosineDistance(dot: Float, normA: Float, normB: Float) -> Double {
        let similarity = Double(dot) / (Double(normA) * Double(normB))
        if similarity.isNaN { return .nan }
        return 1 - min(1, max(-1, similarity))
    }

    // MARK: - Screening many rows against one query

    /// Dot products of the first `rows` rows of a row-major matrix with `query` (`sgemv`).
    package static func dots(_ matrix: UnsafePointer<Float>, rows: Int, dimension: Int,
                             query: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        BLAS.sgemv(rows: rows, columns: dimension, matrix, query, out)
    }

    /// Scores of every row of `a` against `query`, ordered like the metric's distance (smaller is
    /// closer) and cheap to compute from one `sgemv` plus stored row norms:
    /// l2 → ‖x‖² − 2x·q, ip → −x·q, cosine → 1 − x·q / (‖x‖‖q‖). Zero rows score NaN under cosine.
    package static func scores(_ a: VectorArray, query: [Float], metric: VectorMetric) -> [Float] {
        let n = a.count, d = a.dimension
        var out = [Float](repeating: 0, count: n)
        guard n > 0, d == query.count else { return out }
        let norms = metric == .innerProduct ? nil : (a.norms ?? a.computeNorms())
        a.floats.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let qb = q.baseAddress, let ob = o.baseAddress else { return }
                    dots(mb, rows: n, dimension: d, query: qb, into: ob)
                    switch metric {
                    case .innerProduct:
                        for i in 0..<n { o[i] = -o[i] }
                    case .l2:
                        guard let norms else { return }
                        for i in 0..<n { o[i] = norms[i] * norms[i] - 2 * o[i] }
                    case .cosine:
                        guard let norms else { return }
                        let qn = dot(qb, qb, d).squareRoot()
                        for i in 0..<n { o[i] = 1 - o[i] / (norms[i] * qn) }
                    }
                }
            }
        }
        return out
    }

    /// Scores of every row of `a` against each of `queryCount` queries (row-major `queryCount × d`),
    /// as a `queryCount × a.count` matrix, from one `sgemm`. Same meaning as ``scores(_:query:metric:)``.
    /// `out` is reused between calls (its pages stay mapped); it is resized to `queryCount × a.count`.
    package static func scores(_ a: VectorArray, queries: [Float], queryCount q: Int, metric: VectorMetric, into out: inout [Float]) {
        let n = a.count, d = a.dimension
        if out.count != q * n { out = [Float](repeating: 0, count: q * n) }
        guard n > 0, q > 0, queries.count == q * d else { return }
        let norms = metric == .innerProduct ? nil : (a.norms ?? a.computeNorms())
        a.floats.withUnsafeBufferPointer { m in
            queries.withUnsafeBufferPointer { qs in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let qb = qs.baseAddress, let ob = o.baseAddress else { return }
                    BLAS.wide { BLAS.sgemmTransposedB(m: q, n: n, k: d, qb, mb, ob) }
                    guard let norms else {
                        for i in 0..<(q * n) { o[i] = -o[i] }
                        return
                    }
                    for j in 0..<q {
                        let row = ob + j * n
                        if metric == .l2 {
                            for i in 0..<n { row[i] = norms[i] * norms[i] - 2 * row[i] }
                        } else {
                            let qn = dot(qb + j * d, qb + j * d, d).squareRoot()
                            for i in 0..<n { row[i] = 1 - row[i] / (norms[i] * qn) }
                        }
                    }
                }
            }
        }
    }

    /// ``scores(_:query:metric:)`` for the listed rows only (an IVF probe), ascending. Rows of one list
    /// are stored next to each other (§7.2), so each run of consecutive rows is one `sgemv`.
    package static func scores(_ a: VectorArray, rows: [Int], query: [Float], metric: VectorMetric) -> [Float] {
        let d = a.dimension
        var out = [Float](repeating: 0, count: rows.count)
        guard d == query.count else { return out }
        a.floats.withUnsafeBufferPointer { m in
            query.withUnsafeBufferPointer { q in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let qb = q.baseAddress, let ob = o.baseAddress else { return }
                    var j = 0
                    while j < rows.count {
                        var end = j + 1
                        while end < rows.count, rows[end] == rows[end - 1] + 1 { end += 1 }
                        dots(mb + rows[j] * d, rows: end - j, dimension: d, query: qb, into: ob + j)
                        j = end
                    }
                    // Segment blocks store row norms (§3.3); other rows compute the few they need.
                    let norms = a.norms
                    func norm(_ i: Int) -> Float { norms?[i] ?? dot(mb + i * d, mb + i * d, d).squareRoot() }
                    let qn = metric == .cosine ? dot(qb, qb, d).squareRoot() : 0
                    for (j, i) in rows.enumerated() {
                        switch metric {
                        case .innerProduct: o[j] = -o[j]
                        case .l2: o[j] = norm(i) * norm(i) - 2 * o[j]
                        case .cosine: o[j] = 1 - o[j] / (norm(i) * qn)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Scores of the listed rows of `a` (ascending) against `queryCount` queries (row-major
    /// `queryCount × d`), as a `queryCount × rows.count` matrix from one `sgemm`: the rows of one IVF
    /// list scored for every query that probes it. Rows are used in place when consecutive, else
    /// gathered into `gathered`. Same meaning as ``scores(_:query:metric:)``.
    package static func scores(_ a: VectorArray, rows: [Int], queries: UnsafePointer<Float>, queryCount q: Int,
                               metric: VectorMetric, into out: inout [Float], gathered: inout [Float]) {
        let d = a.dimension, n = rows.count
        if out.count < q * n { out = [Float](repeating: 0, count: q * n) }
        guard n > 0, q > 0, let first = rows.first, let last = rows.last else { return }
        let consecutive = last - first == n - 1
        if !consecutive, gathered.count < n * d { gathered = [Float](repeating: 0, count: n * d) }
        a.floats.withUnsafeBufferPointer { m in
            gathered.withUnsafeMutableBufferPointer { g in
                out.withUnsafeMutableBufferPointer { o in
                    guard let mb = m.baseAddress, let ob = o.baseAddress else { return }
                    var x = mb + first * d
                    if !consecutive, let gb = g.baseAddress {
                        for (i, r) in rows.enumerated() { (gb + i * d).update(from: mb + r * d, count: d) }
                        x = UnsafePointer(gb)
                    }
                    // One query: sgemv streams the rows once; sgemm would first copy them into its panels.
                    if q == 1 { dots(x, rows: n, dimension: d, query: queries, into: ob) } else {
                        BLAS.sgemmTransposedB(m: q, n: n, k: d, queries, x, ob)
                    }
                    let norms = a.norms
                    func norm(_ i: Int) -> Float { norms?[i] ?? dot(mb + i * d, mb + i * d, d).squareRoot() }
                    switch metric {
                    case .innerProduct:
                        for i in 0..<(q * n) { o[i] = -o[i] }
                    case .l2:
                        let squared = rows.map { norm($0) * norm($0) }
                        for j in 0..<q { for c in 0..<n { o[j * n + c] = squared[c] - 2 * o[j * n + c] } }
                    case .cosine:
                        let rowNorms = rows.map(norm)
                        for j in 0..<q {
                            let qn = dot(queries + j * d, queries + j * d, d).squareRoot()
                            for c in 0..<n { o[j * n + c] = 1 - o[j * n + c] / (rowNorms[c] * qn) }
                        }
                    }
                }
            }
        }
    }
}
