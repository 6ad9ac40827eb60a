
/// k-means for IVF lists, with every distance computation done by `sgemm`.
///
/// Initialisation picks `k` distinct random training rows (as faiss does; k-means++ would need k
/// sequential passes over the data). Under `.innerProduct` and `.cosine` the centroids are kept at
/// unit length (spherical k-means), so a row's list is the centroid with the largest inner product;
/// under `.l2` it is the nearest centroid. An empty list is re-seeded by splitting the largest one.
package enum KMeans {
    /// Trains `k` centroids (row-major, `k × dimension`) on `data` (`n × dimension`, n ≥ k).
    package static func train(_ data: [Float], dimension d: Int, k: Int, metric: VectorMetric, iterations: Int,
                              seed: UInt64, progress: ((Double) -> Void)? = nil) -> [Float] {
        let n = data.count / d
        precondition(n >= k && k > 0, "k-means needs at least as many rows as lists")
        var rng = SplitMix(seed: seed)
        var picked = Set<Int>()
        var centroids = [Float]()
        centroids.reserveCapacity(k * d)
        while picked.count < k {
            let i = Int(rng.next() % UInt64(n))
            if picked.insert(i).inserted { centroids.append(contentsOf: data[i * d..<(i + 1) * d]) }
        }
        if metric != .l2 { normalizeRows(&centroids, dimension: d) }
        var assignment = [Int32](repeating: 0, count: n)
        for iteration in 0..<iterations {
            data.withUnsafeBufferPointer { x in
                guard let base = x.baseAddress else { return }
                assignment = assign(base, count: n, dimension: d, centroids: centroids, metric: metric)
            }
            var sums = [Float](repeating: 0, count: k * d)
            var counts = [Int](repeating: 0, count: k)
            data.withUnsafeBufferPointer { x in
                sums.withUnsafeMutableBufferPointer { s in
                    guard let xb = x.baseAddress, let sb = s.baseAddress else { return }
                    for i in 0..<n {
                        let c = Int(assignment[i])
                        counts[c] += 1
                        BLAS.saxpy(d, 1, xb + i * d, sb + c * d)
                    }
                }
            }
            for c in 0..<k where counts[c] > 0 {
                let scale = 1 / Float(counts[c])
                for j in 0..<d { sums[c * d + j] *= scale }
            }
            // Empty lists take half of the largest list: a perturbed copy of its centroid.
            for c in 0..<k where counts[c] == 0 {
                guard let big = counts.indices.max(by: { counts[$0] < counts[$1] }) else { break }
                for j in 0..<d {
                    let v = sums[big * d + j]
                    let eps: Float = (rng.next() & 1 == 0 ? 1 : -1) * 1e-4 * (abs(v) + 1e-6)
                    sums[c * d + j] = v + eps
                    sums[big * d + j] = v - eps
                }
                counts[c] = counts[big] / 2
                counts[big] -= counts[c]
            }
            centroids = sums
            if metric != .l2 { normalizeRows(&centroids, dimension: d) }
            progress?(Double(iteration + 1) / Double(iterations))
        }
        return centroids
    }

    /// The list of each of `count` rows: nearest centroid (l2) or largest inner product (ip, cosine).
    package static func assign(_ rows: UnsafePointer<Float>, count n: Int, dimension d: Int, centroids: [Float],
                               metric: VectorMetric) -> [Int32] {
        let k = centroids.count / d
        guard n > 0, k > 0 else { return [Int32](repeating: 0, count: n) }
        var out = [Int32](repeating: 0, count: n)
        let halfNorms: [Float] = metric == .l2 ? (0..<k).map { c in
            centroids.withUnsafeBufferPointer { p in
                guard let b = p.baseAddress else { return 0 }
                return 0.5 * VectorKernels.dot(b + c * d, b + c * d, d)
            }
        } : []
        let chunk = max(1, min(n, (1 << 22) / k))
        var scores = [Float](repeating: 0, count: chunk * k)
        centroids.withUnsafeBufferPointer { cb in
            scores.withUnsafeMutableBufferPointer { sb in
                guard let c = cb.baseAddress, let s = sb.baseAddress else { return }
                var start = 0
                while start < n {
                    let m = min(chunk, n - start)
                    // scores[m × k] = rows[m × d] · centroidsᵀ
                    BLAS.wide { BLAS.sgemmTransposedB(m: m, n: k, k: d, rows + start * d, c, s) }
                    for i in 0..<m {
                        var best = 0
                        var bestScore = -Float.infinity
                        let row = s + i * k
                        if metric == .l2 {
                            // argmin ‖x − c‖² = argmax (x·c − ‖c‖²/2)
                            for j in 0..<k where row[j] - halfNorms[j] > bestScore { bestScore = row[j] - halfNorms[j]; best = j }
                        } else {
                            for j in 0..<k where row[j] > bestScore { bestScore = row[j]; best = j }
                        }
                        out[start + i] = Int32(best)
                    }
                    start += m
                }
            }
        }
        return out
    }

    package static func normalizeRows(_ m: inout [Float], dimension d: Int) {
        m.withUnsafeMutableBufferPointer { p in
            guard let b = p.baseAddress else { return }
            for r in 0..<(p.count / d) {
                let norm = VectorKernels.dot(b + r * d, b + r * d, d).squareRoot()
                guard norm > 0 else { continue }
                BLAS.sscal(d, 1 / norm, b + r * d)
            }
        }
    }
}

/// A small seeded generator (SplitMix64) so that index builds are reproducible.
package struct SplitMix {
    private var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
