import CairnFormat

/// A set of equally long column vectors flowing between operators.
///
/// A column no remaining expression reads may be an empty placeholder (see `Evaluator.select`);
/// operations on whole batches keep placeholders as placeholders.
package struct Batch: Sendable {
    package var columns: [ColumnVector]
    package var count: Int

    package init(columns: [ColumnVector], count: Int) {
        self.columns = columns
        self.count = count
    }

    /// Keeps only the rows at `selection` (ascending indices).
    package func gather(_ selection: [Int]) -> Batch {
        Batch(columns: columns.map { $0.count == count ? $0.gather(selection) : .empty($0.physical) }, count: selection.count)
    }
}

extension ColumnVector {
    /// Rows `range` of this vector.
    package func slice(_ r: Range<Int>) -> ColumnVector {
        let validity = self.validity.map { Array($0[r]) }
        switch storage {
        case .int64(let a): return ColumnVector(storage: .int64(Array(a[r])), validity: validity)
        case .float64(let a): return ColumnVector(storage: .float64(Array(a[r])), validity: validity)
        case .bytes(let b):
            let base = b.offsets[r.lowerBound]
            let offs = b.offsets[r.lowerBound...r.upperBound].map { $0 - base }
            return ColumnVector(storage: .bytes(ByteArray(offsets: offs, data: Array(b.data[base..<b.offsets[r.upperBound]]))),
                                validity: validity)
        case .vectors(let a):
            var out = VectorArray(dimension: a.dimension)
            out.append(a, range: r)
            return ColumnVector(storage: .vectors(out), validity: validity)
        }
    }

    /// Appends all rows of `other` (same physical type).
    package mutating func append(_ other: ColumnVector) { append(other, range: 0..<other.count) }

    /// The value at row `i`, typed as `type`.
    package func value(at i: Int, type: ColumnType) -> Value {
        if isNull(i) { return .null }
        switch storage {
        case .int64(let a):
            let x = a[i]
            switch type {
            case .boolean: return .bool(x != 0)
            case .date: return .date(Int32(truncatingIfNeeded: x))
            case .timestamp, .timestamptz: return .timestamp(x)
            case .time: return .time(x)
            case .interval:
                let days = x / Calendar.microsPerDay
                return .interval(months: 0, days: Int32(truncatingIfNeeded: days), micros: x - days * Calendar.microsPerDay)
            default: return .int(x)
            }
        case .float64(let a): return .double(a[i])
        case .bytes(let b): return type == .json ? .json(b.string(at: i)) : .string(b.string(at: i))
        case .vectors(let a): return .vector(a.row(i))
        }
    }

    /// All values, typed as `type`.
    package func values(type: ColumnType) -> [Value] { (0..<count).map { value(at: $0, type: type) } }

    /// Builds a vector of `type` from values already converted to that type.
    package static func from(_ values: [Value], type: ColumnType) -> ColumnVector {
        var b = VectorBuilder(type: type, capacity: values.count)
        for v in values { b.append(v) }
        return b.finish()
    }
}

/// A value as a column of one physical type stores it (see ``Value/stored(as:)``).
package enum StoredValue {
    case null, int(Int64), double(Double), string(String), vector([Float])
}

extension Value {
    /// This value, already converted to a column's type (or NULL), as that column's `physical`
    /// storage holds it: booleans, dates, timestamps and intervals as integers.
    package func stored(as physical: PhysicalType) -> StoredValue {
        switch self {
        case .null: .null
        case .bool(let b): .int(b ? 1 : 0)
        case .int(let i): physical == .float64 ? .double(Double(i)) : .int(i)
        case .double(let d):
            // Binding makes a double for an integer column unused for well-typed plans; clamp rather than trap.
            physical == .int64 ? .int(d.isNaN ? 0 : d >= 9.223372036854775e18 ? .max : d <= -9.223372036854775e18 ? .min : Int64(d))
                : .double(d)
        case .string(let s), .json(let s): .string(s)
        case .timestamp(let t): .int(t)
        case .date(let d): .int(Int64(d))
        case .time(let t): .int(t)
        case .interval(let m, let d, let us): .int(Int64(m) * 30 * Calendar.microsPerDay + Int64(d) * Calendar.microsPerDay + us)
        case .vector(let f): .vector(f)
        }
    }
}

/// Accumulates values of one type into a ``ColumnVector``.
package struct VectorBuilder {
    package let type: ColumnType
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bytes = ByteArray()
    private var vectors = VectorArray(dimension: 0)
    /// nil until the first NULL: most columns have none, and then no mask is kept.
    private var validity: [Bool]?
    /// The first vector whose dimension differed from the rows before it (stored as NULL instead).
    package private(set) var dimensionConflict: (expected: Int, found: Int)?
    package private(set) var count = 0

    package init(type: ColumnType, capacity: Int = 0) {
        self.type = type
        switch type.physical {
        case .int64: ints.reserveCapacity(capacity)
        case .float64: doubles.reserveCapacity(capacity)
        case .bytes: bytes.offsets.reserveCapacity(capacity + 1)
        case .vector: break
        }
    }

    /// Appends `v`, which must already be of this builder's type (or NULL).
    package mutating func append(_ v: Value) {
        switch v.stored(as: type.physical) {
        case .null: appendNull(); return
        case .int(let i): ints.append(i)
        case .double(let d): doubles.append(d)
        case .string(let s): bytes.append(s)
        case .vector(let f):
            if vectors.dimension != 0, f.count != vectors.dimension {
                if dimensionConflict == nil { dimensionConflict = (vectors.dimension, f.count) }
                appendNull()
                return
            }
            vectors.append(row: f)
        }
        appended()
    }

    package mutating func appendNull() {
        switch type.physical {
        case .int64: ints.append(0)
        case .float64: doubles.append(0)
        case .bytes: bytes.appendEmpty()
        case .vector: vectors.appendZeros()
        }
        if validity == nil {
            var mask = [Bool](repeating: true, count: count)
            mask.reserveCapacity(Swift.max(16, 2 * count))
            validity = mask
        }
        validity?.append(false)
        count += 1
    }

    @inline(__always)
    private mutating func appended() {
        validity?.append(true)
        count += 1
    }

    package mutating func appendInt(_ i: Int64) { ints.append(i); appended() }
    package mutating func appendDouble(_ d: Double) { doubles.append(d); appended() }
    package mutating func appendBytes(_ b: UnsafeBufferPointer<UInt8>) { bytes.append(bytes: b); appended() }
    package mutating func appendString(_ s: String) { bytes.append(s); appended() }
    /// Appends a vector whose dimension the caller has checked against the column's.
    package mutating func appendVector(_ v: UnsafeBufferPointer<Float>) { vectors.append(row: v); appended() }

    package func finish() -> ColumnVector {
        switch type.physical {
        case .int64: return ColumnVector(storage: .int64(ints), validity: validity)
        case .float64: return ColumnVector(storage: .float64(doubles), validity: validity)
        case .bytes: return ColumnVector(storage: .bytes(bytes), validity: validity)
        case .vector: return ColumnVector(storage: .vectors(vectors), validity: validity)
        }
    }
}

/// Combines two validity masks: a row is valid only where both are.
@inline(__always)
package func andValidity(_ a: [Bool]?, _ b: [Bool]?) -> [Bool]? {
    guard let a else { return b }
    guard let b else { return a }
    var out = a
    out.withUnsafeMutableBufferPointer { o in
        b.withUnsafeBufferPointer { bb in
            for i in 0..<o.count where !bb[i] { o[i] = false }
        }
    }
    return out
}

extension Batch {
    /// The rows of `batches` one after another (all with the same columns); nil for none.
    package static func concatenating(_ batches: [Batch]) -> Batch? {
        guard var out = batches.first else { return nil }
        for b in batches.dropFirst() {
            for c in out.columns.indices { out.columns[c].append(b.columns[c]) }
            out.count += b.count
        }
        return out
    }
}
