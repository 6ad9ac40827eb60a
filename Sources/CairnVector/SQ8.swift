import CairnFormat
import CSQ8

/// An 8-bit copy of one segment's vectors (docs/format.md §7.2), kept by indexes built
/// `WITH (quantization = 'sq8')` as a filter in front of the float rows.
///
/// Dimension `j` of a row is stored as `code = round((x − lower[j]) / step[j])`, so the row it stands
/// for differs from the real one by at most `step[j] / 2` in every dimension. A query's approximate dot
/// product with a row is therefore within `Σ |q_j| · step[j] / 2` of the exact one (``Query/slack``):
/// a row whose approximate score minus that bound is worse than the k-th best exact score found so
/// far cannot enter the top k, and its floats are never read. Searches thus return exactly what a
/// scan of the float rows returns, while reading a quarter of the bytes for almost every row.
///
/// Invariants: `lower.count == step.count == dimension`; `codes.count == rows × dimension`.
/// A class, so that a search can key the queries it prepared for a segment by the codes' identity.
package final class SQ8Codes: Sendable, Equatable {
    package let dimension: Int
    package let lower: [Float]
    package let step: [Float]
    /// Row-major, in segment row order; NULL rows are all zeros.
    package let codes: [UInt8]

    package var rowCount: Int { dimension == 0 ? 0 : codes.count / dimension }

    package init(dimension: Int, lower: [Float], step: [Float], codes: [UInt8]) {
        self.dimension = dimension; self.lower = lower; self.step = step; self.codes = codes
    }

    package static func == (a: SQ8Codes, b: SQ8Codes) -> Bool {
        a.dimension == b.dimension && a.lower == b.lower && a.step == b.step && a.codes == b.codes
    }

    /// Quantizes `vectors`; rows where `validity` is false are NULL: they do not widen the range and
    /// are stored as zeros.
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
        self.init(dimension: d, lower: lower, step: step, codes: codes)
    }

    /// A query prepared against one segment's quantizer: `q · x̂ = offset + scale · Σ weights[j] · code[j]`
    /// up to the rounding of the weights, which ``slack`` covers.
    package struct Query {
        /// `q_j · step[j] / scale`, rounded: integer weights let the kernel multiply-add 16 codes at once.
        package var weights: [Int16]
        package var scale: Float
        /// `Σ q_j · lower[j]`, the constant part.
        package var offset: Float
        /// An upper bound on |approximate − exact dot product| for any row of the segment: half a step
        /// per dimension, the rounding of the weights, and that of float arithmetic.
        package var slack: Float
    }

    package func prepare(_ q: UnsafePointer<Float>) -> Query {
        var largest: Float = 0
        for j in 0..<dimension { largest = Swift.max(largest, abs(q[j] * step[j])) }
        let scale = largest > 0 ? largest / 32767 : 1
        var weights = [Int16](repeating: 0, count: dimension)
        var offset: Float = 0, slack: Float = 0, weightError: Float = 0, magnitude: Float = 0
        for j in 0..<dimension {
            let w = q[j] * step[j]
            weights[j] = Int16(Swift.max(-32767, Swift.min(32767, (w / scale).rounded())))
            weightError += abs(w - scale * Float(weights[j]))
            offset += q[j] * lower[j]
            slack += abs(w)
            magnitude += abs(q[j]) * Swift.max(abs(lower[j]), abs(lower[j] + 255 * step[j]))
        }
        // A code is at most 255, so rounded weights move the sum by at most 255 · Σ|error|. The float32
        // sums of `dimension` products (the exact score's, `offset`) and the final scaling are each off
        // by at most about dimension · 2⁻²⁴ of the magnitude; twice that again is kept as a margin.
        slack = slack / 2 + 255 * weightError * 1.001 + 4 * Float(dimension + 1) * 0x1p-24 * magnitude
        return Query(weights: weights, scale: scale, offset: offset, slack: slack)
    }

    /// Approximate dot products of `query` with segment rows `rows`, into `out[0..<rows.count]`.
    package func dots(_ query: Query, rows: [Int64], into out: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        codes.withUnsafeBufferPointer { c in
            query.weights.withUnsafeBufferPointer { w in
                rows.withUnsafeBufferPointer { r in
                    guard let cb = c.baseAddress, let wb = w.baseAddress, let rb = r.baseAddress else { return }
                    cairn_sq8_dots(cb, rb, rows.count, dimension, wb, out)
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
    /// Scores (as ``scores(_:query:metric:)``) of those of `a`'s `rows` that can still beat `threshold`,
    /// visited best approximation first: `visit(i, score)` receives `rows[i]` and its exact score and
    /// returns the threshold to use from then on (the k-th best score kept so far). A row is skipped
    /// only when its approximate score minus the quantization bound is worse than the threshold, so a
    /// top-k fed by `visit` ends up as it would over every row. `codeRows[i]` is the segment row of
    /// `rows[i]` (the codes are numbered by segment row, `a` may hold a block or only its live rows).
    package static func screen(_ a: VectorArray, rows: [Int], codeRows: [Int64], codes: SQ8Codes, query: UnsafePointer<Float>,
                               prepared: SQ8Codes.Query, metric: VectorMetric, threshold: Float,
                               visit: (Int, Float) -> Float) {
        let n = rows.count, d = a.dimension
        guard n > 0, d == codes.dimension, codeRows.count == n else { return }
        var bounds = [Float](repeating: 0, count: n)
        let norms: [Float] = metric == .innerProduct ? [] : a.floats.withUnsafeBufferPointer { m in
            rows.map { i in a.norms?[i] ?? m.baseAddress.map { dot($0 + i * d, $0 + i * d, d).squareRoot() } ?? 0 }
        }
        let queryNorm = metric == .cosine ? dot(query, query, d).squareRoot() : 0
        bounds.withUnsafeMutableBufferPointer { b in
            guard let bb = b.baseAddress else { return }
            codes.dots(prepared, rows: codeRows, into: bb)
            // The best score each row could have, in the metric's order (smaller is closer).
            switch metric {
            case .innerProduct:
                for i in 0..<n { bb[i] = -bb[i] - prepared.slack }
            case .l2:
                for i in 0..<n { bb[i] = norms[i] * norms[i] - 2 * bb[i] - 2 * prepared.slack }
            case .cosine:
                for i in 0..<n {
                    let scale = norms[i] * queryNorm
                    bb[i] = scale > 0 ? 1 - (bb[i] + prepared.slack) / scale : -.infinity
                }
            }
        }
        // Only rows that can pass now are ordered; once k rows are kept most fail here.
        let order = (0..<n).filter { !(bounds[$0] > threshold) }.sorted { bounds[$0] < bounds[$1] }
        var threshold = threshold
        a.floats.withUnsafeBufferPointer { m in
            guard let mb = m.baseAddress else { return }
            for i in order {
                guard bounds[i] <= threshold else { break }
                let x = dot(mb + rows[i] * d, query, d)
                let score: Float
                switch metric {
                case .innerProduct: score = -x
                case .l2: score = norms[i] * norms[i] - 2 * x
                case .cosine: score = 1 - x / (norms[i] * queryNorm)
                }
                threshold = visit(i, score)
            }
        }
    }
}
