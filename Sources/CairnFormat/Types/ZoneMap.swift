/// Min/max and null statistics of one column over a set of rows (a block, a segment, a partition).
///
/// `min`/`max` are `.null` when every row is NULL or when the column has no usable bounds
/// (for example strings longer than ``ZoneMap/maxStringBound`` bytes). Integers, dates and timestamps
/// use `.int`, floating point `.double`, strings `.string`.
package struct ZoneMap: Sendable, Equatable {
    package var min: Value
    package var max: Value
    package var nullCount: Int
    package var rowCount: Int

    /// Strings longer than this are not recorded as bounds, to keep footers small.
    package static let maxStringBound = 64

    package init(min: Value, max: Value, nullCount: Int, rowCount: Int) {
        self.min = min
        self.max = max
        self.nullCount = nullCount
        self.rowCount = rowCount
    }

    /// The zone map of `rows` rows that are all NULL (a column added after they were written).
    package static func nulls(_ rows: Int) -> ZoneMap { ZoneMap(min: .null, max: .null, nullCount: rows, rowCount: rows) }

    package var hasBounds: Bool { !min.isNull && !max.isNull }
    package var allNull: Bool { nullCount == rowCount }

    /// Computes the zone map of a column vector.
    package init(_ v: ColumnVector) {
        let n = v.count
        var nulls = 0
        var lo = Value.null, hi = Value.null
        switch v.storage {
        case .int64(let a):
            var mn = Int64.max, mx = Int64.min, any = false
            for i in 0..<n {
                if let val = v.validity, !val[i] { nulls += 1; continue }
                any = true
                mn = Swift.min(mn, a[i]); mx = Swift.max(mx, a[i])
            }
            if any { lo = .int(mn); hi = .int(mx) }
        case .float64(let a):
            var mn = Double.infinity, mx = -Double.infinity, any = false, nan = false
            for i in 0..<n {
                if let val = v.validity, !val[i] { nulls += 1; continue }
                if a[i].isNaN { nan = true; continue }
                any = true
                mn = Swift.min(mn, a[i]); mx = Swift.max(mx, a[i])
            }
            // NaN sorts above everything in DuckDB; a block with NaN gets no upper bound.
            if any && !nan { lo = .double(mn); hi = .double(mx) }
        case .bytes(let b):
            var mnIdx = -1, mxIdx = -1, tooLong = false
            nulls = v.nullCount
            // Byte order (UTF-8 byte order is code point order, DuckDB's): the first eight bytes as a
            // big-endian integer decide most comparisons, and memcmp runs only on equal prefixes.
            // COPY and every flush compute this for every block.
            b.offsets.withUnsafeBufferPointer { off in
                b.data.withUnsafeBytes { d in
                    func value(_ i: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: d[off[i]..<off[i + 1]]) }
                    var mnKey: UInt64 = 0, mxKey: UInt64 = 0
                    for i in 0..<n {
                        if let val = v.validity, !val[i] { continue }
                        // A block with a string too long to be a bound has no bounds at all.
                        if off[i + 1] - off[i] > ZoneMap.maxStringBound { tooLong = true; break }
                        let key = ByteArray.prefixKey(d, off[i]..<off[i + 1])
                        if mnIdx < 0 {
                            mnIdx = i; mxIdx = i; mnKey = key; mxKey = key
                        } else if key < mnKey || key == mnKey && ByteArray.order(value(i), value(mnIdx)) < 0 {
                            mnIdx = i; mnKey = key
                        } else if key > mxKey || key == mxKey && ByteArray.order(value(mxIdx), value(i)) < 0 {
                            mxIdx = i; mxKey = key
                        }
                    }
                }
            }
            if !tooLong, mnIdx >= 0 { lo = .string(b.string(at: mnIdx)); hi = .string(b.string(at: mxIdx)) }
        case .vectors:
            // Vectors have no order; only the NULL count is kept.
            nulls = v.nullCount
        }
        self.init(min: lo, max: hi, nullCount: nulls, rowCount: n)
    }
}
