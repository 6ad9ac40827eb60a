extension ColumnVector {
    /// The rows at `selection`, in that order: filters, deletes and sorts all move rows through here, so
    /// it copies with one allocation per buffer and no per-row bounds or uniqueness checks.
    /// Requires: every index in `selection` is a row of this vector.
    package func gather(_ selection: [Int]) -> ColumnVector {
        let validity = self.validity.map { v in v.withUnsafeBufferPointer { p in selection.map { p[$0] } } }
        switch storage {
        case .int64(let a):
            return ColumnVector(storage: .int64(a.withUnsafeBufferPointer { p in selection.map { p[$0] } }), validity: validity)
        case .float64(let a):
            return ColumnVector(storage: .float64(a.withUnsafeBufferPointer { p in selection.map { p[$0] } }), validity: validity)
        case .bytes(let b):
            return ColumnVector(storage: .bytes(Self.gather(b, selection)), validity: validity)
        case .vectors(let a):
            return ColumnVector(storage: .vectors(a.gather(selection)), validity: validity)
        }
    }

    /// `self = gather(order)` for a permutation `order`; vectors move in place (``VectorArray/reorder(_:)``)
    /// when this column holds the only reference to them.
    package mutating func reorder(_ order: [Int]) {
        guard case .vectors(var a) = storage else {
            self = gather(order)
            return
        }
        storage = .vectors(VectorArray(dimension: 0))  // drops this column's reference, so `a` may be unique
        a.reorder(order)
        storage = .vectors(a)
        validity = validity.map { v in v.withUnsafeBufferPointer { p in order.map { p[$0] } } }
    }

    private static func gather(_ b: ByteArray, _ selection: [Int]) -> ByteArray {
        b.offsets.withUnsafeBufferPointer { off in
            let offsets = [Int](unsafeUninitializedCapacity: selection.count + 1) { out, initialized in
                var total = 0
                out[0] = 0
                for (j, i) in selection.enumerated() {
                    total += off[i + 1] - off[i]
                    out[j + 1] = total
                }
                initialized = selection.count + 1
            }
            let total = offsets[selection.count]
            let data = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
                b.data.withUnsafeBufferPointer { src in
                    guard let s = src.baseAddress, let d = out.baseAddress else { return }
                    // Selections are mostly runs of consecutive rows (a partition's rows, a nearly
                    // sorted segment): each run's strings are one copy.
                    selection.withUnsafeBufferPointer { sel in
                        var at = 0, j = 0
                        while j < sel.count {
                            let first = sel[j]
                            var last = first
                            j += 1
                            while j < sel.count && sel[j] == last + 1 { last += 1; j += 1 }
                            let length = off[last + 1] - off[first]
                            (d + at).initialize(from: s + off[first], count: length)
                            at += length
                        }
                    }
                }
                initialized = total
            }
            return ByteArray(offsets: offsets, data: data)
        }
    }
}
