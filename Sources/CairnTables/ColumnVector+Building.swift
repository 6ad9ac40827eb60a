import CairnFormat

// Whole-column copies used by the head, flushes and bulk loads (and, for `append`, the query layer's
// batches). Otherwise internal, so they never clash with helpers other modules define on ColumnVector.

extension ColumnVector {
    /// Rows `range` of this vector.
    func slice(_ range: Range<Int>) -> ColumnVector {
        if range == 0..<count { return self }
        var out = ColumnVector.empty(physical)
        out.append(self, range: range)
        return out
    }

    /// Appends rows `range` of `other` (same physical type).
    package mutating func append(_ other: ColumnVector, range: Range<Int>) {
        guard !range.isEmpty else { return }
        let before = count
        // Each case takes the storage out before appending, so the array is uniquely referenced and
        // grows in place. (Switching on a tuple of both storages keeps a second reference alive for the
        // whole case, and every append then copied everything appended so far.)
        switch other.storage {
        case .int64(let b):
            guard case .int64(var a) = storage else { return }
            storage = .int64([])
            a.append(contentsOf: b[range])
            storage = .int64(a)
        case .float64(let b):
            guard case .float64(var a) = storage else { return }
            storage = .float64([])
            a.append(contentsOf: b[range])
            storage = .float64(a)
        case .bytes(let b):
            guard case .bytes(var a) = storage else { return }
            storage = .bytes(ByteArray())
            let base = a.data.count - b.offsets[range.lowerBound]
            a.data.append(contentsOf: b.data[b.offsets[range.lowerBound]..<b.offsets[range.upperBound]])
            a.offsets.append(contentsOf: b.offsets[(range.lowerBound + 1)...range.upperBound].lazy.map { $0 + base })
            storage = .bytes(a)
        case .vectors(let b):
            guard case .vectors(var a) = storage else { return }
            storage = .vectors(VectorArray(dimension: 0))
            a.append(b, range: range)
            storage = .vectors(a)
        }
        if validity != nil || other.validity != nil {
            var v = validity ?? [Bool](repeating: true, count: before)
            validity = nil
            if let o = other.validity { v.append(contentsOf: o[range]) } else {
                v.append(contentsOf: repeatElement(true, count: range.count))
            }
            validity = v
        }
    }

    /// Approximate memory held, for the head's flush threshold.
    var approximateBytes: Int {
        let values: Int
        switch storage {
        case .int64(let a): values = a.count * 8
        case .float64(let a): values = a.count * 8
        case .bytes(let b): values = b.data.count + b.offsets.count * 8
        case .vectors(let a): values = a.floats.count * 4
        }
        return values + (validity?.count ?? 0)
    }

    /// Concatenation of `parts`, all of physical type `physical`.
    static func concatenate(_ parts: [ColumnVector], physical: PhysicalType) -> ColumnVector {
        if parts.count == 1 { return parts[0] }
        var out = ColumnVector.empty(physical)
        // One allocation of the final size: a partition's vectors are hundreds of MB, and growing
        // by doubling would copy them again and fault in fresh pages each time.
        let rows = parts.reduce(0) { $0 + $1.count }
        switch out.storage {
        case .int64(var a):
            out.storage = .int64([])
            a.reserveCapacity(rows)
            out.storage = .int64(a)
        case .float64(var a):
            out.storage = .float64([])
            a.reserveCapacity(rows)
            out.storage = .float64(a)
        case .bytes(var b):
            out.storage = .bytes(ByteArray())
            var bytes = 0
            for part in parts { if case .bytes(let p) = part.storage { bytes += p.data.count } }
            b.reserveCapacity(rows: rows, bytes: bytes)
            out.storage = .bytes(b)
        case .vectors(var v):
            if let dimension = parts.lazy.compactMap({ p -> Int? in
                if case .vectors(let x) = p.storage, x.dimension > 0 { x.dimension } else { nil }
            }).first {
                out.storage = .vectors(VectorArray(dimension: 0))
                v = VectorArray(dimension: dimension)
                v.reserveCapacity(rows)
                out.storage = .vectors(v)
            }
        }
        for part in parts { out.append(part, range: 0..<part.count) }
        return out
    }

    /// The stable order that sorts an int64 column ascending with NULLs last, or nil if it already is sorted.
    func sortPermutation() -> [Int]? {
        guard case .int64(let a) = storage else { return nil }
        let validity = self.validity
        var sorted = true
        var sawNull = false
        var previous = Int64.min
        for i in 0..<a.count {
            if !(validity?[i] ?? true) { sawNull = true; continue }
            if sawNull || a[i] < previous { sorted = false; break }
            previous = a[i]
        }
        if sorted { return nil }
        return (0..<a.count).sorted { i, j in
            let ni = !(validity?[i] ?? true), nj = !(validity?[j] ?? true)
            if ni != nj { return nj }
            if ni { return i < j }
            return a[i] != a[j] ? a[i] < a[j] : i < j
        }
    }
}

extension Engine {
    /// The row order segments are written in: by the table's sort key (``TableSchema/sortColumnIndices``),
    /// each key ascending with NULLs last, stably; strings compare by bytes. nil when already in order.
    static func sortOrder(_ columns: [ColumnVector], schema: TableSchema) -> [Int]? {
        let keys = schema.sortColumnIndices
        if keys.count == 1, case .int64 = columns[keys[0]].storage { return columns[keys[0]].sortPermutation() }
        guard !keys.isEmpty, let n = columns.first?.count, n > 1 else { return nil }
        let comparators = keys.map { RowComparator(columns[$0]) }
        func less(_ i: Int, _ j: Int) -> Bool {
            for c in comparators {
                let r = c.compare(i, j)
                if r != 0 { return r < 0 }
            }
            return i < j
        }
        var sorted = true
        for i in 1..<n where less(i, i - 1) { sorted = false; break }
        if sorted { return nil }
        return (0..<n).sorted(by: less)
    }
}

/// Three-way comparison of two rows of one column: NULLs after values, strings by bytes, NaN after numbers.
private struct RowComparator {
    let column: ColumnVector

    init(_ column: ColumnVector) { self.column = column }

    func compare(_ i: Int, _ j: Int) -> Int {
        let ni = column.isNull(i), nj = column.isNull(j)
        if ni || nj { return ni == nj ? 0 : (ni ? 1 : -1) }
        switch column.storage {
        case .int64(let a): return a[i] == a[j] ? 0 : (a[i] < a[j] ? -1 : 1)
        case .float64(let a):
            if a[i].isNaN || a[j].isNaN { return a[i].isNaN == a[j].isNaN ? 0 : (a[i].isNaN ? 1 : -1) }
            return a[i] == a[j] ? 0 : (a[i] < a[j] ? -1 : 1)
        case .bytes(let b):
            let r = b.data.withUnsafeBytes { d in
                ByteArray.order(UnsafeRawBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]]),
                                UnsafeRawBufferPointer(rebasing: d[b.offsets[j]..<b.offsets[j + 1]]))
            }
            return r == 0 ? 0 : (r < 0 ? -1 : 1)
        case .vectors: return 0
        }
    }
}
