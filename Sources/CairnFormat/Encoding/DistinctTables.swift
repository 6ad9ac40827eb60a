#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Open-addressing hash tables that count distinct values while building a dictionary, and give up as
/// soon as a limit is exceeded so that high-cardinality blocks cost little.

/// Distinct `Int64` values, up to `limit`.
struct Int64DistinctTable {
    private var keys: [Int64]
    private var codes: [Int32]
    private let shift: UInt64
    private let limit: Int
    /// Distinct values in order of first appearance.
    private(set) var values: [Int64] = []

    init(limit: Int) {
        var capacity = 16
        while capacity < limit * 2 { capacity *= 2 }
        keys = [Int64](repeating: 0, count: capacity)
        codes = [Int32](repeating: -1, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        self.limit = limit
    }

    @inline(__always)
    private func slot(_ v: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: v) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The code of `v` (its index in `values`), inserting it if new; nil once more than `limit` values are distinct.
    @inline(__always)
    mutating func code(of v: Int64) -> Int32? {
        let mask = keys.count - 1
        var s = slot(v)
        while true {
            let c = codes[s]
            if c < 0 {
                guard values.count < limit else { return nil }
                keys[s] = v
                codes[s] = Int32(values.count)
                values.append(v)
                return codes[s]
            }
            if keys[s] == v { return c }
            s = (s + 1) & mask
        }
    }

    /// Renumbers codes so that they follow the order of `values` after sorting them.
    mutating func sortValues() {
        values.sort()
        for (i, v) in values.enumerated() {
            var s = slot(v)
            while keys[s] != v || codes[s] < 0 { s = (s + 1) & (keys.count - 1) }
            codes[s] = Int32(i)
        }
    }
}

/// Distinct byte strings of a `ByteArray`, up to `limit`. Strings are referenced by row, not copied.
struct ByteStringDistinctTable {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    /// For each distinct string, the first row holding it.
    private(set) var firstRows: [Int32] = []
    private(set) var distinctBytes = 0
    private let limit: Int

    init(limit: Int) {
        var capacity = 16
        while capacity < limit * 2 { capacity *= 2 }
        slots = [Int32](repeating: -1, count: capacity)
        self.limit = limit
    }

    var count: Int { firstRows.count }

    /// The code of row `row`'s string, inserting it if new; nil once more than `limit` strings are distinct.
    mutating func code(ofRow row: Int, in data: UnsafeRawBufferPointer, offsets: UnsafeBufferPointer<Int>) -> Int32? {
        let start = offsets[row], length = offsets[row + 1] - start
        let h = Self.hash(data, start, length)
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = slots[s]
            if e < 0 {
                guard firstRows.count < limit else { return nil }
                slots[s] = Int32(firstRows.count)
                firstRows.append(Int32(row))
                hashes.append(h)
                distinctBytes += length
                return slots[s]
            }
            if hashes[Int(e)] == h {
                let other = Int(firstRows[Int(e)])
                let oStart = offsets[other], oLength = offsets[other + 1] - oStart
                if oLength == length, Self.equal(data, start, oStart, length) { return e }
            }
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    private static func equal(_ data: UnsafeRawBufferPointer, _ a: Int, _ b: Int, _ n: Int) -> Bool {
        guard n > 0, let base = data.baseAddress else { return true }
        return memcmp(base + a, base + b, n) == 0
    }

    private static func hash(_ data: UnsafeRawBufferPointer, _ start: Int, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        guard n > 0, let base = data.baseAddress else { return h &* 0xFF51_AFD7_ED55_8CCD }
        var i = 0
        while i + 8 <= n {
            h = (h ^ base.loadUnaligned(fromByteOffset: start + i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h &>> 32
            i += 8
        }
        var tail: UInt64 = 0
        var k: UInt64 = 0
        while i < n {
            tail |= UInt64(base.load(fromByteOffset: start + i, as: UInt8.self)) &<< k
            k += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h &>> 29)
    }
}
