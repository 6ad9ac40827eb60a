import CairnFormat
import CVectorKernels

/// An 8-bit copy of one segment's vectors (docs/format.md §7.2), kept by indexes built
/// `WITH (quantization = 'sq8')` as a filter in front of the float rows.
///
/// Dimension `j` of a row is stored as `code = round((x − lower[j]) / step[j])`, so the row it stands
/// for differs from the real one by at most about `step[j] / 2` in every dimension. A query's
/// approximate dot product with a row is therefore within `Σ |q_j| · step[j] / 2` (plus rounding terms,
/// ``Query/slack``) of the exact one: a row whose best possible score is worse than the k-th best exact
/// score found so far cannot enter the top k, and its floats are never read. Searches thus return what
/// a scan of the float rows returns (up to the last bits of the float scores, which BLAS computes in a
/// different order per call), while reading a quarter of the bytes for almost every row.
///
/// Invariants: `lower.count == step.count == dimension`; `codes.count == rowCount × dimension`.
/// A class, so that a search can key the queries it prepared for a segment by the codes' identity.
package final class SQ8Codes: Sendable, Equatable {
    package let dimension: Int
    package let rowCount: Int
    package let lower: [Float]
    package let step: [Float]
    /// The codes live inside `storage` from `start` on: a parsed list file keeps its bytes whole
    /// instead of copying a quarter of a segment out of them.
    private let storage: [UInt8]
    private let start: Int

    /// Row-major codes in segment row order; NULL rows are all zeros.
    package var codes: ArraySlice<UInt8> { storage[start..<(start + rowCount * dimension)] }

    package init(dimension: Int, rowCount: Int, lower: [Float], step: [Float], storage: [UInt8], start: Int) {
        precondition(lower.count == dimension && step.count == dimension && start >= 0
                     && storage.count >= start + rowCount * dimension, "SQ8 sections must fit their storage")
        self.dimension = dimension; self.rowCount = rowCount; self.lower = lower; self.step = step
        self.storage = storage; self.start = start
    }

    package static func == (a: SQ8Codes, b: SQ8Codes) -> Bool {
        a.dimension == b.dimension && a.lower == b.lower && a.step == b.step && a.codes == b.codes
    }

    /// Quantizes `vectors`; rows where `validity` is false are NULL: they do not widen the range and
    /// are stored as zeros. A dimension without any non-NULL row gets lower 0 and step 0.
    package convenience init(_ vectors: VectorArray, validity: [Bool]?) {
        let d = vectors.dimension, n = vectors.count
        var lower = [Float](repeating: .infinity, count: d)
        var upper = [Float](repeating: -.infinity, count: d)
        vectors.floats.withUnsafeBufferPointer { f in
            guard let x = f.baseAddress else { return }
            lower.withUnsafeMutableBufferPointer { lo in
                upper.withUnsafeMutableBufferPointer { hi in
                    for i in 0..<n where validity?[i] ?? true {
                        let row = x + i * d
                        for j in 0..<d {
                            lo[j] = Swift.min(lo[j], row[j])
                            hi[j] = Swift.max(hi[j], row[j])
                        }
                    }
                }
            }
        }
        var step = [Float](repeating: 0, count: d)
        var inverse = [Float](repeating: 0, count: d)
        for j in 0..<d {
            guard lower[j] <= upper[j] else { lower[j] = 0; continue }  // no non-NULL row
            step[j] = (upper[j] - lower[j]) / 255
            inverse[j] = step[j] > 0 ? 1 / step[j] : 0
        }
        let codes = [UInt8](unsafeUninitializedCapacity: n * d) { out, initialized in
            vectors.floats.withUnsafeBufferPointer { f in
                guard let x = f.baseAddress, let o = out.baseAddress else { return }
                for i in 0..<n {
                    let row = x + i * d, code = o + i * d
                    guard validity?[i] ?? true else {
                        code.initialize(repeating: 0, count: d)
                        continue
                    }
                    for j in 0..<d {
                        let q = ((row[j] - lower[j]) * inverse[j]).rounded()
                        code[j] = UInt8(Swift.min(255, Swift.max(0, q)))
                    }
                }
            }
            initialized = n * d
        }
        self.init(dimension: d, rowCount: n, lower: lower, step: step, storage: codes, start: 0)
    }

    /// A query prepared against one segment's quantizer: `q · x̂ = offset + scale · Σ weights[j] · code[j]`.
    package struct Query: Sendable {
        /// `q_j · step[j] / scale`, rounded: integer weights let the kernel multiply-add 16 codes at once.
        package var weights: [Int16]
        package var scale: Double
        /// `Σ q_j · lower[j]`, the constant part.
        package var offset: Double
        /// A bound on |approximate − exact dot product| for any row of the segment: half a step per
        /// dimension (with room for the rounding of the codes), the rounding of the weights, and the
        /// rounding of the float32 sum that computes the exact score.
        package var slack: Double
    }

    package func prepare(_ q: UnsafePointer<Float>) -> Query {
        var largest = 0.0
        for j in 0..<dimension { largest = Swift.max(largest, abs(Double(q[j]) * Double(step[j]))) }
        let scale = largest > 0 ? largest / 32767 : 1
        var weights = [Int16](repeating: 0, count: dimension)
        var offset = 0.0, steps = 0.0, weightError = 0.0, magnitude = 0.0
        for j in 0..<dimension {
            let w = Double(q[j]) * Double(step[j])
            let rounded = Swift.max(-32767, Swift.min(32767, (w / scale).rounded()))
            weights[j] = Int16(rounded)
            weightError += abs(w - scale * rounded)
            offset += Double(q[j]) * Double(lower[j])
            steps += abs(w)
            magnitude += abs(Double(q[j])) * Swift.max(abs(Double(lower[j])), abs(Double(lower[j]) + 255 * Double(step[j])))
        }
        // Codes come from a float32 reciprocal multiply, so a code may sit a hair past half a step.
        // A code is at most 255, so rounded weights move the sum by at most 255 · Σ|error|. A float32
        // dot product of `dimension` terms is off by at most dimension · 2⁻²⁴ of Σ|q_j x_j| ≤ magnitude.
        let slack = steps * (0.5 + 1e-4) + 255 * weightError + Double(dimension + 1) * 0x1p-23 * magnitude
        return Query(weights: weights, scale: scale, offset: offset, slack: slack)
    }

    /// Approximate dot products of `query` with segment rows `rows` (each < ``rowCount``), into
    /// `out[0..<rows.count]`.
    package func dots(_ query: Query, rows: [Int64], into out: UnsafeMutablePointer<Double>) {
        guard !rows.isEmpty else { return }
        precondition(rows.allSatisfy { $0 >= 0 && $0 < Int64(rowCount) }, "SQ8 rows must be segment rows")
        storage.withUnsafeBufferPointer { c in
            query.weights.withUnsafeBufferPointer { w in
                rows.withUnsafeBufferPointer { r in
                    guard let cb = c.baseAddress, let wb = w.baseAddress, let rb = r.baseAddress else { return }
                    cairn_sq8_dots(cb + start, rb, rows.count, dimension, wb, out)
                }
            }
        }
        for i in 0..<rows.count { out[i] = query.offset + query.scale * out[i] }
    }

    /// Serialized section (§7.2): `u32 dimension`, `u32 0`, `lower`, `step`, then the codes.
    package func serialize(into out: inout [UInt8]) {
        out.appendLittleEndian(UInt32(dimension))
        out.appendLittleEndian(UInt32(0))
        lower.withUnsafeBytes { out.append(contentsOf: $0) }
        step.withUnsafeBytes { out.append(contentsOf: $0) }
        out.append(contentsOf: codes)
    }
}

extension VectorKernels {
    /// Exact scores (as ``scores(_:query:metric:)``) of those of `a`'s `rows` that can still beat
    /// `threshold`, visited best approximation first: `visit(i, score)` receives the position `i` in
    /// `rows` and that row's exact score, and returns the threshold to use from then on (the k-th best
    /// score kept so far). A row is skipped only when the best score its codes allow is worse than the
    /// threshold, so a top-k fed by `visit` ends up as over every row. `codeRows[i]` is the segment row
    /// of `rows[i]` (the codes are numbered by segment row; `a` may hold a block or only its live rows).
    /// Rows that `validity` (indexed like `a`) marks NULL are never visited. `keep`, the size of the top
    /// k that `visit` feeds (whatever else feeds it too), lets rows that `keep` of these rows surely
    /// beat be dropped before the rest are ordered.
    package static func screen(_ a: VectorArray, rows: [Int], codeRows: [Int64], validity: [Bool]? = nil, codes: SQ8Codes,
                               query: UnsafePointer<Float>, prepared: SQ8Codes.Query, metric: VectorMetric, threshold: Float,
                               keep: Int? = nil, visit: (Int, Float) -> Float) {
        let n = rows.count, d = a.dimension
        precondition(d == codes.dimension && codeRows.count == n, "codes must match the rows they screen")
        guard n > 0 else { return }
        if let validity, rows.contains(where: { !validity[$0] }) {
            // NULL rows leave before any bound is computed (they must not count towards `keep` either).
            let kept = rows.indices.filter { validity[rows[$0]] }
            return screen(a, rows: kept.map { rows[$0] }, codeRows: kept.map { codeRows[$0] }, codes: codes, query: query,
                          prepared: prepared, metric: metric, threshold: threshold, keep: keep) { i, score in visit(kept[i], score) }
        }
        let norms: [Float] = metric == .innerProduct ? [] : a.floats.withUnsafeBufferPointer { m in
            rows.map { i in a.norms?[i] ?? m.baseAddress.map { dot($0 + i * d, $0 + i * d, d).squareRoot() } ?? 0 }
        }
        let queryNorm = metric == .cosine ? dot(query, query, d).squareRoot() : 0
        var bounds = [Double](repeating: 0, count: n)
        var cut = Double.infinity
        bounds.withUnsafeMutableBufferPointer { b in
            guard let bb = b.baseAddress else { return }
            codes.dots(prepared, rows: codeRows, into: bb)
            // The best and worst score each row could have, in the metric's order (smaller is closer),
            // widened by a few float32 ulps of their terms: the exact score is float32 arithmetic on them.
            let s = prepared.slack
            var worst = keep.map { TopK.Smallest(keep: $0) }
            for i in 0..<n {
                let (best, worstScore) = Self.range(dot: bb[i], slack: s, norm: metric == .innerProduct ? 0 : norms[i],
                                                    queryNorm: queryNorm, metric: metric)
                // Anything not finite (a zero norm, an overflow) cannot be ruled out.
                bb[i] = best.isFinite ? best : -.infinity
                if worstScore.isFinite { worst?.offer(score: Float(worstScore), row: i) }
            }
            // `keep` rows score at most the keep-th smallest worst score, so nothing worse can be kept.
            if let w = worst, w.threshold.isFinite { cut = Double(w.threshold.nextUp) }
        }
        // Only rows that can pass now are ordered; once k rows are kept most fail here.
        var limit = Swift.min(Double(threshold), cut)
        let order = (0..<n).filter { bounds[$0] <= limit }.sorted { bounds[$0] < bounds[$1] }
        a.floats.withUnsafeBufferPointer { m in
            guard let mb = m.baseAddress else { return }
            for i in order {
                guard bounds[i] <= limit else { break }
                let x = dot(mb + rows[i] * d, query, d)
                let score: Float
                switch metric {
                case .innerProduct: score = -x
                case .l2: score = norms[i] * norms[i] - 2 * x
                case .cosine: score = 1 - x / (norms[i] * queryNorm)
                }
                limit = Swift.min(Double(visit(i, score)), cut)
            }
        }
    }

    /// The smallest and largest score (smaller is closer) a row can have whose approximate dot product
    /// with the query is `dot`, exact within `slack`.
    @inline(__always)
    static func range(dot: Double, slack: Double, norm: Float, queryNorm: Float,
                              metric: VectorMetric) -> (best: Double, worst: Double) {
        let high = dot + slack, low = dot - slack
        switch metric {
        case .innerProduct:
            return (-high - 0x1p-22 * abs(high), -low + 0x1p-22 * abs(low))
        case .l2:
            let squared = Double(norm) * Double(norm)
            return (squared - 2 * high - 0x1p-21 * (squared + 2 * abs(high)),
                    squared - 2 * low + 0x1p-21 * (squared + 2 * abs(low)))
        case .cosine:
            let scale = Double(norm) * Double(queryNorm)
            let (a, b) = (high / scale, low / scale)
            return (1 - a - 0x1p-21 * (1 + abs(a)), 1 - b + 0x1p-21 * (1 + abs(b)))
        }
    }
}
