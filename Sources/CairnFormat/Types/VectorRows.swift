/// Read-only rows of a VECTOR column where they already lie (a block's bytes as read from its segment,
/// or an array in memory), for passes that copy out only some rows and should not first decode every
/// row into an array of its own (an index build samples half a table to train on).
package struct VectorRows {
    /// Floats per row (0 for ``nulls(_:)``).
    package let dimension: Int
    /// Rows.
    package let count: Int
    /// nil when no row is NULL.
    package let validity: [Bool]?
    /// `count × dimension` little-endian floats.
    private let floats: UnsafeRawBufferPointer

    init(dimension: Int, count: Int, validity: [Bool]?, floats: UnsafeRawBufferPointer) {
        precondition(floats.count == count * dimension * 4, "vector rows must cover their bytes")
        self.dimension = dimension; self.count = count; self.validity = validity; self.floats = floats
    }

    /// `count` NULL rows of no known dimension.
    package static func nulls(_ count: Int) -> VectorRows {
        VectorRows(dimension: 0, count: count, validity: [Bool](repeating: false, count: count), floats: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Whether row `i` is NULL (its floats are zeros then).
    package func isNull(_ i: Int) -> Bool { validity.map { !$0[i] } ?? false }

    /// Calls `body` with row `i`.
    package func withRow<R>(_ i: Int, _ body: (UnsafeBufferPointer<Float>) -> R) -> R {
        precondition(i >= 0 && i < count, "row \(i) out of range 0..<\(count)")
        let bytes = dimension * 4
        return UnsafeRawBufferPointer(rebasing: floats[(i * bytes)..<((i + 1) * bytes)]).withMemoryRebound(to: Float.self, body)
    }
}

extension VectorArray {
    /// Calls `body` with these rows as ``VectorRows`` (NULLs as `validity` marks them).
    package func withRows<R>(validity: [Bool]?, _ body: (VectorRows) throws(CairnError) -> R) throws(CairnError) -> R {
        try floats.withUnsafeBytes { (raw) throws(CairnError) -> R in
            try body(VectorRows(dimension: dimension, count: count, validity: validity, floats: raw))
        }
    }
}
