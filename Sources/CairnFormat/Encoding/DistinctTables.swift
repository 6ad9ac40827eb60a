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
    /// `key` is 0 when the slot is empty, else the high 32 bits of the string's hash above its code + 1;
    /// `start` and `length` locate its bytes. A probe reads one slot and compares bytes only when the
    /// hashes and lengths agree. The slot index is the top bits of the hash, which the key keeps, so
    /// growing the table moves slots without hashing any string again.
    private struct Slot {
        var key: UInt64
        var start: UInt32
        var length: UInt32
    }

    private var slots: [Slot]
    /// For each distinct string, the first row holding it.
    private(set) var firstRows: [Int32] = []
    private(set) var distinctBytes = 0
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
        // Small at first and grown at half full: most columns hold few distinct strings, and a table
        // that stays in cache makes each probe cheap.
        slots = [Slot](repeating: Slot(key: 0, start: 0, length: 0), count: 256)
    }

    var count: Int { firstRows.count }

    /// Sets `codes[row]` to the code of each row's string, inserting new strings. Returns false, with
    /// some codes unset, once more than `limit` strings are distinct, or when the first quarter of
    /// the rows is over nine tenths distinct: such a column is unlikely to end under the limit, and
    /// building most of a dictionary to discard it costs more than the rest of the encoding.
    mutating func encode(_ data: UnsafeRawBufferPointer, offsets: UnsafeBufferPointer<Int>, count n: Int,
                         codes: UnsafeMutableBufferPointer<Int32>) -> Bool {
        // Slots hold 32-bit positions; a block of more string data is left to the plain encoding.
        guard offsets[n] <= UInt32.max else { return false }
        let checkpoint = n >= 4096 ? n / 4 : -1
        var row = 0
        while true {
            switch insert(data, offsets, rows: row..<n, checkpoint: checkpoint, codes) {
            case .done: return true
            case .gaveUp: return false
            case .full(let at):
                grow()
                row = at
            }
        }
    }

    private enum Progress { case done, gaveUp, full(at: Int) }

    private mutating func insert(_ data: UnsafeRawBufferPointer, _ offsets: UnsafeBufferPointer<Int>, rows: Range<Int>,
                                 checkpoint: Int, _ codes: UnsafeMutableBufferPointer<Int32>) -> Progress {
        let mask = slots.count - 1
        let shift = UInt64(64 - slots.count.trailingZeroBitCount)
        let growAt = slots.count / 2
        let limit = self.limit
        var distinct = firstRows.count
        var bytes = distinctBytes
        defer { distinctBytes = bytes }
        return slots.withUnsafeMutableBufferPointer { slots in
            for row in rows {
                if row == checkpoint && distinct * 10 > row * 9 { return .gaveUp }
                let start = offsets[row], length = offsets[row + 1] - start
                let h = Self.hash(data, start, length)
                let tag = h & 0xFFFF_FFFF_0000_0000
                var s = Int(truncatingIfNeeded: h &>> shift)
                while true {
                    let e = slots[s]
                    if e.key == 0 {
                        guard distinct < limit else { return .gaveUp }
                        if distinct == growAt { return .full(at: row) }
                        firstRows.append(Int32(row))
                        distinct += 1
                        bytes += length
                        slots[s] = Slot(key: tag | UInt64(distinct), start: UInt32(start), length: UInt32(length))
                        codes[row] = Int32(distinct - 1)
                        break
                    }
                    if e.key & 0xFFFF_FFFF_0000_0000 == tag, Int(e.length) == length, Self.equal(data, start, Int(e.start), length) {
                        codes[row] = Int32(e.key & 0xFFFF_FFFF) - 1
                        break
                    }
                    s = (s + 1) & mask
                }
            }
            return .done
        }
    }

    /// Quadruples the slots and moves every distinct string to its slot in the larger table.
    private mutating func grow() {
        var larger = [Slot](repeating: Slot(key: 0, start: 0, length: 0), count: slots.count * 4)
        let mask = larger.count - 1
        let shift = UInt64(64 - larger.count.trailingZeroBitCount)
        for old in slots where old.key != 0 {
            var s = Int(truncatingIfNeeded: old.key &>> shift)
            while larger[s].key != 0 { s = (s + 1) & mask }
            larger[s] = old
        }
        slots = larger
    }

    @inline(__always)
    private static func equal(_ data: UnsafeRawBufferPointer, _ a: Int, _ b: Int, _ n: Int) -> Bool {
        guard n > 0, let base = data.baseAddress else { return true }
        if n > 32 { return memcmp(base + a, base + b, n) == 0 }
        var i = 0
        while i + 8 <= n {
            if base.loadUnaligned(fromByteOffset: a + i, as: UInt64.self) != base.loadUnaligned(fromByteOffset: b + i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < n {
            if base.load(fromByteOffset: a + i, as: UInt8.self) != base.load(fromByteOffset: b + i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
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
