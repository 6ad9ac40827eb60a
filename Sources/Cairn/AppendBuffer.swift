import CairnFormat
import CairnQuery
import Foundation

/// One column of an ``Appender``'s current batch, in memory the buffer manages itself.
///
/// Appending to a Swift array re-checks uniqueness and capacity and goes through a generic copy on
/// every call, which cost more than the copy itself: a value here is a store, and a string a
/// `memcpy` and an offset. ``columnVector()`` copies the batch into the arrays of a ``ColumnVector``;
/// the appender calls it on the loader's thread, after handing the buffer over.
///
/// Used by one thread at a time (the appender's, then the loader's), so its state is exempt from
/// run-time exclusivity checks, which cost as much as the stores they guard.
///
/// Invariants: `count <= rowCapacity`; `byteCount <= byteCapacity`; `validity` is nil or has
/// `count` initialized entries. Fixed-width rows (integers, doubles, vectors) are `width` bytes each
/// in `fixed`; byte-string rows keep their end offset (an `Int`) in `fixed` and their bytes in `bytes`.
final class AppendBuffer: @unchecked Sendable {
    let physical: PhysicalType
    /// Floats per row of a vector column; 0 otherwise.
    let dimension: Int
    private let width: Int
    private let rowCapacity: Int
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var fixed: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var bytes: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var byteCount = 0
    @exclusivity(unchecked) private var byteCapacity: Int
    /// nil until the first NULL, as most columns have none.
    @exclusivity(unchecked) private var validity: UnsafeMutablePointer<Bool>?

    /// A buffer for `rows` rows; byte-string columns start with room for `bytes` bytes and grow.
    init(physical: PhysicalType, dimension: Int, rows: Int, bytes byteHint: Int) {
        self.physical = physical
        self.dimension = dimension
        width = physical == .vector ? dimension * MemoryLayout<Float>.stride : 8
        rowCapacity = rows
        fixed = .allocate(byteCount: max(1, rows * width), alignment: 64)
        byteCapacity = physical == .bytes ? max(byteHint, 4096) : 0
        bytes = .allocate(capacity: max(1, byteCapacity))
    }

    deinit {
        fixed.deallocate()
        bytes.deallocate()
        validity?.deallocate()
    }

    /// Empties the buffer, keeping its memory.
    func removeAll() {
        count = 0
        byteCount = 0
        validity?.deallocate()
        validity = nil
    }

    /// Bytes of string data appended, a hint for the size of the next batch's buffer.
    var stringBytes: Int { byteCount }

    @inline(__always)
    func append(int v: Int64) {
        fixed.storeBytes(of: v, toByteOffset: count &* 8, as: Int64.self)
        appended()
    }

    @inline(__always)
    func append(double v: Double) {
        fixed.storeBytes(of: v, toByteOffset: count &* 8, as: Double.self)
        appended()
    }

    @inline(__always)
    func append(bytes src: UnsafeBufferPointer<UInt8>) {
        let n = src.count
        if n > byteCapacity &- byteCount { grow(to: byteCount + n) }
        if let s = src.baseAddress { Self.copy(from: s, to: bytes + byteCount, count: n) }
        byteCount &+= n
        fixed.storeBytes(of: byteCount, toByteOffset: count &* 8, as: Int.self)
        appended()
    }

    /// Copies `n` bytes; strings of up to 32 bytes, most of an event's, with a few overlapping loads
    /// and stores instead of a call to `memmove`.
    ///
    /// Strings of up to 15 bytes are Swift's small strings, which `withUTF8Bytes` has just stored
    /// to the stack as two 8-byte words. No load here straddles the boundary between those two
    /// words, because such a load cannot be forwarded from the stores and stalls until they retire.
    @inline(__always)
    private static func copy(from s: UnsafePointer<UInt8>, to d: UnsafeMutablePointer<UInt8>, count n: Int) {
        let (src, dst) = (UnsafeRawPointer(s), UnsafeMutableRawPointer(d))
        switch n {
        case 16...32:
            dst.storeBytes(of: src.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n &- 16, as: SIMD16<UInt8>.self),
                           toByteOffset: n &- 16, as: SIMD16<UInt8>.self)
        case 8..<16:
            dst.storeBytes(of: src.loadUnaligned(as: UInt64.self), as: UInt64.self)
            copyShort(from: s + 8, to: d + 8, count: n &- 8)
        case 0..<8:
            copyShort(from: s, to: d, count: n)
        default:
            d.update(from: s, count: n)
        }
    }

    /// Copies fewer than 8 bytes; every load lies within `s[0..<n]`.
    @inline(__always)
    private static func copyShort(from s: UnsafePointer<UInt8>, to d: UnsafeMutablePointer<UInt8>, count n: Int) {
        if n >= 4 {
            let (src, dst) = (UnsafeRawPointer(s), UnsafeMutableRawPointer(d))
            dst.storeBytes(of: src.loadUnaligned(as: UInt32.self), as: UInt32.self)
            dst.storeBytes(of: src.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self), toByteOffset: n &- 4, as: UInt32.self)
        } else {
            for i in 0..<n { d[i] = s[i] }
        }
    }

    @inline(__always)
    func append(string: String) { string.withUTF8Bytes { append(bytes: $0) } }

    /// Appends a vector of `dimension` floats (checked by the caller).
    func append(vector v: UnsafeBufferPointer<Float>) {
        if let s = v.baseAddress { (fixed + count * width).copyMemory(from: s, byteCount: width) }
        appended()
    }

    /// Appends a value already converted to the column's type.
    func append(_ v: Value) {
        switch v.stored(as: physical) {
        case .null: appendNull()
        case .int(let i): append(int: i)
        case .double(let d): append(double: d)
        case .string(let s): append(string: s)
        case .vector(let f): f.withUnsafeBufferPointer { append(vector: $0) }
        }
    }

    func appendNull() {
        switch physical {
        case .bytes: fixed.storeBytes(of: byteCount, toByteOffset: count &* 8, as: Int.self)
        default: memset(fixed + count * width, 0, width)
        }
        if validity == nil {
            let mask = UnsafeMutablePointer<Bool>.allocate(capacity: rowCapacity)
            mask.initialize(repeating: true, count: count)
            validity = mask
        }
        validity?[count] = false
        count += 1
    }

    @inline(__always)
    private func appended() {
        validity?[count] = true
        count &+= 1
    }

    private func grow(to needed: Int) {
        var capacity = byteCapacity * 2
        while capacity < needed { capacity *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        larger.update(from: bytes, count: byteCount)
        bytes.deallocate()
        bytes = larger
        byteCapacity = capacity
    }

    /// The rows as a column vector (a copy; the buffer is unchanged).
    func columnVector() -> ColumnVector {
        let n = count
        let validity = self.validity.map { Array(UnsafeBufferPointer(start: $0, count: n)) }
        let stored = UnsafeRawBufferPointer(start: fixed, count: n * width)
        switch physical {
        case .int64: return ColumnVector(storage: .int64([Int64](copyingBytes: stored, count: n)), validity: validity)
        case .float64: return ColumnVector(storage: .float64([Double](copyingBytes: stored, count: n)), validity: validity)
        case .bytes:
            let offsets = [0] + [Int](copyingBytes: stored, count: n)
            let data = Array(UnsafeBufferPointer(start: bytes, count: byteCount))
            return ColumnVector(storage: .bytes(ByteArray(offsets: offsets, data: data)), validity: validity)
        case .vector:
            let vectors = VectorArray(dimension: dimension, floats: AlignedFloats(copyingBytes: stored, count: n * dimension))
            return ColumnVector(storage: .vectors(vectors), validity: validity)
        }
    }
}
