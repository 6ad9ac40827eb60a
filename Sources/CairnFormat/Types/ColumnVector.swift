#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A run of byte strings stored back to back: value `i` is `data[offsets[i]..<offsets[i+1]]`.
///
/// Invariant: `offsets.count == count + 1`, `offsets[0] == 0`, offsets never decrease,
/// `offsets.last == data.count`.
package struct ByteArray: Sendable, Equatable {
    package var offsets: [Int]
    package var data: [UInt8]

    package init() { offsets = [0]; data = [] }
    package init(offsets: [Int], data: [UInt8]) { self.offsets = offsets; self.data = data }
    package init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for s in strings { append(s) }
    }

    package var count: Int { offsets.count - 1 }

    package mutating func append(_ s: String) {
        s.withUTF8Bytes { data.append(contentsOf: $0) }
        offsets.append(data.count)
    }
    package mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        data.append(contentsOf: bytes)
        offsets.append(data.count)
    }
    package mutating func appendEmpty() { offsets.append(data.count) }
    package mutating func reserveCapacity(rows: Int, bytes: Int) {
        offsets.reserveCapacity(rows + 1)
        data.reserveCapacity(bytes)
    }

    package func string(at i: Int) -> String {
        data.withUnsafeBufferPointer { buf in
            String(decoding: UnsafeBufferPointer(rebasing: buf[offsets[i]..<offsets[i + 1]]), as: UTF8.self)
        }
    }
    package func length(at i: Int) -> Int { offsets[i + 1] - offsets[i] }

    /// Calls `body` with the bytes of value `i` without copying.
    @inlinable
    package func withBytes<R>(at i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try data.withUnsafeBufferPointer { buf in
            try body(UnsafeBufferPointer(rebasing: buf[offsets[i]..<offsets[i + 1]]))
        }
    }
}

extension ByteArray {
    /// The first eight bytes of `data[range]`, zero-padded, as a big-endian integer: integer order is
    /// byte order wherever two strings differ in them, so most comparisons need no `memcmp`.
    @inline(__always)
    package static func prefixKey(_ data: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64 {
        if range.count >= 8, let base = data.baseAddress {
            return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self))
        }
        var key: UInt64 = 0
        for i in 0..<8 { key = key &<< 8 | UInt64(i < range.count ? data[range.lowerBound + i] : 0) }
        return key
    }

    /// Unsigned byte order of two strings (UTF-8 code point order, as DuckDB sorts): negative, zero
    /// or positive; a string sorts before its extensions.
    @inlinable
    package static func order(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(x.count, y.count)
        if common > 0, let xb = x.baseAddress, let yb = y.baseAddress {
            let c = memcmp(xb, yb, common)
            if c != 0 { return Int(c) }
        }
        return x.count - y.count
    }

    /// The rows holding exactly `needle`'s bytes, ascending.
    package func rows(equalTo needle: ByteMatcher) -> [Int] {
        offsets.withUnsafeBufferPointer { off in
            data.withUnsafeBytes { d in
                selectIndices(count: count) { needle.matches(d.baseAddress, off[$0], off[$0 + 1] - off[$0]) }
            }
        }
    }
}

/// The indices below `count` for which `isSelected` holds, ascending. Branch-free: every index is
/// written, and the write position advances only past selected ones.
@inlinable
package func selectIndices(count: Int, where isSelected: (Int) -> Bool) -> [Int] {
    [Int](unsafeUninitializedCapacity: count) { out, initialized in
        var k = 0
        for i in 0..<count {
            out[k] = i
            k &+= isSelected(i) ? 1 : 0
        }
        initialized = k
    }
}

/// Tests byte strings for equality with one needle, rejecting almost every other string by its
/// length and its last eight bytes, where identifiers that share a prefix ("user_000042") differ.
package struct ByteMatcher {
    private let needle: [UInt8]
    private let tail: UInt64

    package init(_ needle: [UInt8]) {
        self.needle = needle
        var tail: UInt64 = 0
        for (i, byte) in needle.suffix(8).enumerated() { tail |= UInt64(byte) &<< (8 * UInt64(i)) }
        self.tail = tail
    }

    /// The byte order of the `length` bytes at `start` of `base` against the needle: negative when
    /// they sort before it, 0 when equal, positive after.
    package func order(_ base: UnsafeRawPointer?, _ start: Int, _ length: Int) -> Int {
        needle.withUnsafeBytes { ByteArray.order(UnsafeRawBufferPointer(start: base.map { $0 + start }, count: length), $0) }
    }

    /// Whether the `length` bytes at `start` of `base` are the needle's.
    @inline(__always)
    package func matches(_ base: UnsafeRawPointer?, _ start: Int, _ length: Int) -> Bool {
        guard length == needle.count else { return false }
        guard length > 0, let base else { return true }
        guard length >= 8 else {
            var t: UInt64 = 0
            for i in 0..<length { t |= UInt64(base.load(fromByteOffset: start + i, as: UInt8.self)) &<< (8 * UInt64(i)) }
            return t == tail
        }
        guard base.loadUnaligned(fromByteOffset: start + length - 8, as: UInt64.self) == tail else { return false }
        return length == 8 || needle.withUnsafeBytes { k in
            guard let k = k.baseAddress else { return false }
            return memcmp(base + start, k, length - 8) == 0
        }
    }
}

/// One column of a batch: values in their physical representation plus an optional validity mask.
///
/// Invariant: the storage holds exactly `count` values; when `validity` is non-nil it has `count`
/// entries and `validity[i] == false` means row `i` is NULL (its storage slot holds 0, 0.0, "" or zeros).
package struct ColumnVector: Sendable, Equatable {
    package enum Storage: Sendable, Equatable {
        case int64([Int64])
        case float64([Double])
        case bytes(ByteArray)
        case vectors(VectorArray)
    }

    package var storage: Storage { didSet { dictionary = nil } }
    /// nil means no row is NULL.
    package var validity: [Bool]? { didSet { dictionary = nil } }
    /// For strings decoded from a dictionary block, each row's code (see ``StringCodes``). Any change
    /// to the vector drops it, and vectors built any other way have none.
    package private(set) var dictionary: StringCodes?

    package init(storage: Storage, validity: [Bool]? = nil) {
        self.storage = storage
        self.validity = validity
    }

    /// A string vector with the dictionary codes it was decoded from.
    package init(bytes: ByteArray, validity: [Bool]?, dictionary: StringCodes) {
        self.storage = .bytes(bytes)
        self.validity = validity
        self.dictionary = dictionary
    }

    /// Equal values; the dictionary is a cache and does not count.
    package static func == (a: ColumnVector, b: ColumnVector) -> Bool {
        a.storage == b.storage && a.validity == b.validity
    }

    package var count: Int {
        switch storage {
        case .int64(let a): a.count
        case .float64(let a): a.count
        case .bytes(let b): b.count
        case .vectors(let v): v.count
        }
    }

    package var physical: PhysicalType {
        switch storage {
        case .int64: .int64
        case .float64: .float64
        case .bytes: .bytes
        case .vectors: .vector
        }
    }

    @inline(__always)
    package func isNull(_ i: Int) -> Bool { validity.map { !$0[i] } ?? false }

    package var nullCount: Int { nullCount(in: 0..<count) }

    /// NULL rows among `range`.
    package func nullCount(in range: Range<Int>) -> Int { validity.map { v in v[range].reduce(0) { $0 + ($1 ? 0 : 1) } } ?? 0 }

    /// An empty vector of the given physical type.
    package static func empty(_ physical: PhysicalType) -> ColumnVector {
        switch physical {
        case .int64: ColumnVector(storage: .int64([]))
        case .float64: ColumnVector(storage: .float64([]))
        case .bytes: ColumnVector(storage: .bytes(ByteArray()))
        case .vector: ColumnVector(storage: .vectors(VectorArray(dimension: 0)))
        }
    }

    /// `count` NULLs of the given physical type (used for columns added after a segment was written).
    package static func nulls(_ physical: PhysicalType, count: Int) -> ColumnVector {
        let validity = [Bool](repeating: false, count: count)
        switch physical {
        case .int64: return ColumnVector(storage: .int64(.init(repeating: 0, count: count)), validity: validity)
        case .float64: return ColumnVector(storage: .float64(.init(repeating: 0, count: count)), validity: validity)
        case .bytes:
            return ColumnVector(storage: .bytes(ByteArray(offsets: .init(repeating: 0, count: count + 1), data: [])),
                                validity: validity)
        case .vector:
            return ColumnVector(storage: .vectors(.zeros(dimension: 0, count: count)), validity: validity)
        }
    }
}

/// The dictionary codes of a string vector: rows with the same code hold the same string, and
/// NULL rows hold code `size`. Lets a filter compare, and a GROUP BY hash, each distinct string
/// once per block instead of once per row, and an equality filter compare codes only.
package final class StringCodes: Sendable {
    /// One code per row, each below `size` or equal to it for NULL.
    package enum Codes: Sendable {
        /// 16-bit codes, used whenever the dictionary and the NULL code fit (at most 65,535 strings, as
        /// in every block of up to 65,536 rows with a repeated or NULL value): a filter or a grouping
        /// then reads half the bytes.
        case narrow([UInt16])
        case wide([UInt32])
    }
    package let codes: Codes
    /// The distinct strings: code `c` stands for `values[c]`.
    package let values: ByteArray
    /// Distinct strings in the dictionary.
    package var size: Int { values.count }
    /// Whether `values` ascend in byte order (docs/format.md §2.5, sorted dictionary), so that code
    /// order is string order.
    package let sorted: Bool

    /// Codes for `count` rows: row `i` has the next of `dense` (codes below `values.count`) when it is
    /// valid, else the NULL code `values.count`.
    package init(count n: Int, dense: [Int64], validity: [Bool]?, values: ByteArray, sorted: Bool) {
        func build<C: FixedWidthInteger>(_: C.Type) -> [C] {
            [C](unsafeUninitializedCapacity: n) { out, initialized in
                if let validity {
                    var k = 0
                    for i in 0..<n {
                        if validity[i] {
                            out[i] = C(truncatingIfNeeded: dense[k])
                            k += 1
                        } else {
                            out[i] = C(truncatingIfNeeded: values.count)
                        }
                    }
                } else {
                    for i in 0..<n { out[i] = C(truncatingIfNeeded: dense[i]) }
                }
                initialized = n
            }
        }
        codes = values.count <= Int(UInt16.max) ? .narrow(build(UInt16.self)) : .wide(build(UInt32.self))
        self.values = values
        self.sorted = sorted
    }

    /// Memory held: the codes and the distinct strings.
    package var byteCount: Int {
        let codeBytes: Int
        switch codes {
        case .narrow(let c): codeBytes = c.count * 2
        case .wide(let c): codeBytes = c.count * 4
        }
        return codeBytes + values.data.count + values.offsets.count * 8
    }

    /// The code of `needle`, or nil when no row holds it: a binary search of a sorted dictionary,
    /// else about a nanosecond per distinct string.
    package func code(of needle: ByteMatcher) -> UInt32? {
        values.offsets.withUnsafeBufferPointer { (offsets) -> UInt32? in
            values.data.withUnsafeBytes { (data) -> UInt32? in
                guard sorted else {
                    for c in 0..<size where needle.matches(data.baseAddress, offsets[c], offsets[c + 1] - offsets[c]) {
                        return UInt32(c)
                    }
                    return nil
                }
                var low = 0, high = size
                while low < high {
                    let middle = (low + high) / 2
                    let order = needle.order(data.baseAddress, offsets[middle], offsets[middle + 1] - offsets[middle])
                    if order == 0 { return UInt32(middle) }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
    }

    /// The rows whose code is `code`, ascending. A vector of codes is compared at a time, and the lanes
    /// that match become a bitmask whose set bits are the rows: no per-row branch, so it streams at
    /// memory speed when, as usual, the needle is one string among many (a user id, a session).
    /// One loop per code width: written once, generic over `SIMD`, it ran 25× slower (4 → 110 ms for
    /// 10M codes), its lane operations left unspecialized.
    package func rows(withCode code: UInt32) -> [Int] {
        var out: [Int] = []
        switch codes {
        case .narrow(let c):
            guard let wanted = UInt16(exactly: code) else { return [] }
            c.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let needle = SIMD16<UInt16>(repeating: wanted)
                let weights = SIMD16<UInt16>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
                let whole = p.count - p.count % 16
                for i in stride(from: 0, to: whole, by: 16) {
                    let equal = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt16>.self) .== needle
                    // The bitmask is a horizontal sum: worth building only for the few vectors with a match.
                    guard any(equal) else { continue }
                    var bits = (unsafeBitCast(equal, to: SIMD16<UInt16>.self) & weights).wrappedSum()
                    while bits != 0 {
                        out.append(i + bits.trailingZeroBitCount)
                        bits &= bits &- 1
                    }
                }
                for j in whole..<p.count where base[j] == wanted { out.append(j) }
            }
        case .wide(let c):
            c.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                let needle = SIMD8<UInt32>(repeating: code)
                let weights = SIMD8<UInt32>(1, 2, 4, 8, 16, 32, 64, 128)
                let whole = p.count - p.count % 8
                for i in stride(from: 0, to: whole, by: 8) {
                    let equal = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD8<UInt32>.self) .== needle
                    // The bitmask is a horizontal sum: worth building only for the few vectors with a match.
                    guard any(equal) else { continue }
                    var bits = (unsafeBitCast(equal, to: SIMD8<UInt32>.self) & weights).wrappedSum()
                    while bits != 0 {
                        out.append(i + bits.trailingZeroBitCount)
                        bits &= bits &- 1
                    }
                }
                for j in whole..<p.count where base[j] == code { out.append(j) }
            }
        }
        return out
    }
}
