/// Fixed-dimension float32 vectors stored row after row: row `i` is
/// `floats[i * dimension ..< (i + 1) * dimension]`, so a run of rows is one dense row-major matrix
/// that BLAS reads in place.
///
/// Invariants: `floats.count == count * dimension`; `norms` is nil or holds the L2 norm of every row.
/// NULL rows (marked by the owning ``ColumnVector``'s validity) are all zeros. A dimension of 0 with
/// rows means "all NULL, dimension not known yet" (a column an old segment lacks); appending real
/// vectors widens those rows to zeros of the new dimension.
package struct VectorArray: Sendable, Equatable {
    package private(set) var dimension: Int
    package private(set) var count: Int
    package private(set) var floats: AlignedFloats
    /// Row norms, kept when the rows came from a segment (§3.3) so cosine search needs no extra pass.
    package private(set) var norms: [Float]?

    package init(dimension: Int) {
        self.dimension = dimension
        count = 0
        floats = AlignedFloats()
        norms = nil
    }

    /// `floats.count` must be a multiple of `dimension` (which must be positive).
    package init(dimension: Int, floats: [Float], norms: [Float]? = nil) {
        self.init(dimension: dimension, floats: AlignedFloats(floats), norms: norms)
    }

    /// `floats.count` must be a multiple of `dimension` (which must be positive).
    package init(dimension: Int, floats: AlignedFloats, norms: [Float]? = nil) {
        precondition(dimension > 0 && floats.count % dimension == 0, "vector storage is not a whole number of rows")
        self.dimension = dimension
        count = floats.count / dimension
        self.floats = floats
        self.norms = norms?.count == count ? norms : nil
    }

    /// `count` all-zero rows (the storage of NULLs).
    package static func zeros(dimension: Int, count: Int) -> VectorArray {
        var v = VectorArray(dimension: dimension)
        v.count = count
        v.floats = AlignedFloats(repeating: 0, count: dimension * count)
        return v
    }

    package mutating func reserveCapacity(_ rows: Int) { floats.reserveCapacity(rows * dimension) }

    /// Appends one row, which must have `dimension` elements (any dimension if the array is empty).
    package mutating func append(row: UnsafeBufferPointer<Float>) {
        adopt(dimension: row.count)
        precondition(row.count == dimension, "vector of \(row.count) dimensions appended to VECTOR(\(dimension))")
        floats.append(contentsOf: row)
        count += 1
        norms = nil
    }

    package mutating func append(row: [Float]) { row.withUnsafeBufferPointer { append(row: $0) } }

    /// Appends a row of zeros (a NULL).
    package mutating func appendZeros() {
        floats.appendZeros(dimension)
        count += 1
        norms?.append(0)
    }

    /// Appends `n` rows of `d` floats given as little-endian bytes, with their norms (the array keeps
    /// norms only while every row has them).
    package mutating func append(rows n: Int, dimension d: Int, floatBytes: UnsafeRawBufferPointer, norms rowNorms: [Float]?) {
        guard n > 0 else { return }
        let keepNorms = (count == 0 || norms != nil) && rowNorms?.count == n
        adopt(dimension: d)
        precondition(d == dimension && floatBytes.count == n * d * 4, "\(n) rows of VECTOR(\(d)) appended to VECTOR(\(dimension))")
        floats.append(copyingBytes: floatBytes)
        count += n
        if keepNorms, let rowNorms {
            var all = norms ?? []
            norms = nil
            all.append(contentsOf: rowNorms)
            norms = all
        } else {
            norms = nil
        }
    }

    /// Appends rows `range` of `other`.
    package mutating func append(_ other: VectorArray, range: Range<Int>) {
        guard !range.isEmpty else { return }
        if other.dimension == 0 {
            for _ in range { appendZeros() }
            return
        }
        let d = other.dimension
        other.floats.withUnsafeBytes { raw in
            append(rows: range.count, dimension: d, floatBytes: UnsafeRawBufferPointer(rebasing: raw[(range.lowerBound * d * 4)..<(range.upperBound * d * 4)]),
                   norms: other.norms.map { Array($0[range]) })
        }
    }

    /// The rows at `indices`, in that order.
    package func gather(_ indices: [Int]) -> VectorArray {
        var out = VectorArray(dimension: dimension)
        out.count = indices.count
        let d = dimension
        out.floats = AlignedFloats(unsafeUninitializedCount: indices.count * d) { dst in
            floats.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }
                for (j, i) in indices.enumerated() { (o + j * d).initialize(from: s + i * d, count: d) }
            }
        }
        out.norms = norms.map { n in indices.map { n[$0] } }
        return out
    }

    /// Reorders the rows in place so that row `j` becomes the old row `order[j]`, as
    /// `self = gather(order)` would, but cycle by cycle through a one-row buffer: a segment's vectors
    /// are reordered without allocating (and faulting in) a second copy of them.
    /// Requires: `order` is a permutation of `0..<count`.
    package mutating func reorder(_ order: [Int]) {
        precondition(order.count == count, "a reorder must name every row once")
        let d = dimension
        if let n = norms { norms = order.map { n[$0] } }
        guard d > 0, count > 1 else { return }
        var placed = [Bool](repeating: false, count: count)
        var saved = [Float](repeating: 0, count: d)
        floats.withUnsafeMutableBufferPointer { f in
            saved.withUnsafeMutableBufferPointer { t in
                guard let base = f.baseAddress, let temp = t.baseAddress else { return }
                for start in 0..<count where !placed[start] {
                    placed[start] = true
                    guard order[start] != start else { continue }
                    // Row `start` is overwritten first, so it waits in `temp` for the cycle's last slot.
                    temp.update(from: base + start * d, count: d)
                    var j = start
                    while order[j] != start {
                        let from = order[j]
                        (base + j * d).update(from: base + from * d, count: d)
                        placed[from] = true
                        j = from
                    }
                    (base + j * d).update(from: temp, count: d)
                }
            }
        }
    }

    /// Calls `body` with row `i`.
    @inlinable
    package func withRow<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try floats.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[i * dimension..<(i + 1) * dimension])) }
    }

    package func row(_ i: Int) -> [Float] { withRow(i) { Array($0) } }

    /// Widens an all-NULL array of unknown dimension to zeros of `d`.
    private mutating func adopt(dimension d: Int) {
        guard dimension != d, dimension == 0 else { return }
        dimension = d
        floats = AlignedFloats(repeating: 0, count: count * d)
        norms = nil
    }
}

extension VectorArray {
    /// Equal rows; stored norms are derived data and do not take part.
    package static func == (a: VectorArray, b: VectorArray) -> Bool {
        a.dimension == b.dimension && a.count == b.count && a.floats == b.floats
    }

    /// The L2 norm of every row.
    package func computeNorms() -> [Float] {
        floats.withUnsafeBufferPointer { f in
            (0..<count).map { i in Self.norm(UnsafeBufferPointer(rebasing: f[i * dimension..<(i + 1) * dimension])) }
        }
    }

    /// The L2 norm of `row`, summed in float in index order (the bits segments store, §3.3).
    package static func norm(_ row: UnsafeBufferPointer<Float>) -> Float {
        var s: Float = 0
        for x in row { s += x * x }
        return s.squareRoot()
    }

    /// This array with its row norms filled in, for search over rows that came from inserts.
    package func withNorms() -> VectorArray {
        guard norms == nil else { return self }
        var out = self
        out.norms = computeNorms()
        return out
    }

    /// Builds from raw parts read from a file; the caller has checked the sizes.
    package init(dimension: Int, count: Int, floats: AlignedFloats, norms: [Float]?) {
        self.dimension = dimension
        self.count = count
        self.floats = floats
        self.norms = norms
    }
}
