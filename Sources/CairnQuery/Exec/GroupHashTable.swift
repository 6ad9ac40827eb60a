/// Open-addressing hash tables from group keys to dense group numbers 0, 1, 2, …
///
/// Swift's `Dictionary` hashes with seeded SipHash and allocates an array per byte key; these
/// tables hash machine words with a multiply-xorshift mix and keep byte keys in one arena.
/// Invariant: the slot array's size is a power of two and at most 50% full.

@inline(__always)
func mixHash(_ x: UInt64) -> UInt64 {
    var h = x &* 0x9E37_79B9_7F4A_7C15
    h ^= h >> 32
    h &*= 0xD6E8_FEB8_6659_FD93
    h ^= h >> 32
    return h
}

@inline(__always)
func hashBytes(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(b.count)
    var i = 0
    let n = b.count
    if let base = UnsafeRawPointer(b.baseAddress) {
        while i + 8 <= n {
            h = mixHash(h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(b[i]) << shift
            shift += 8
            i += 1
        }
        h = mixHash(h ^ tail)
    }
    return h
}

/// Int64 keys.
struct IntGroupTable {
    private var slots: [Int32] = []
    private var keys: [Int64] = []
    private var mask = -1

    init() {}

    var count: Int { keys.count }

    /// The group of `key`, inserting it as group `count` when new.
    @inline(__always)
    mutating func findOrInsert(_ key: Int64) -> (group: Int, inserted: Bool) {
        if slots.isEmpty { grow() }
        var i = Int(truncatingIfNeeded: mixHash(UInt64(bitPattern: key))) & mask
        while true {
            let g = slots[i]
            if g < 0 {
                let ng = keys.count
                slots[i] = Int32(ng)
                keys.append(key)
                if keys.count * 2 > slots.count { grow() }
                return (ng, true)
            }
            if keys[Int(g)] == key { return (Int(g), false) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let size = max(64, slots.count * 2)
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (g, k) in keys.enumerated() {
            var i = Int(truncatingIfNeeded: mixHash(UInt64(bitPattern: k))) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(g)
        }
    }
}

/// Byte-string keys, stored back to back in an arena.
struct BytesGroupTable {
    private var slots: [Int32] = []
    private var hashes: [UInt64] = []
    private var offsets: [Int] = [0]
    private var data: [UInt8] = []
    private var mask = -1

    init() {}

    var count: Int { hashes.count }

    /// The bytes of group `g`'s key.
    func key(_ g: Int) -> [UInt8] { Array(data[offsets[g]..<offsets[g + 1]]) }

    @inline(__always)
    mutating func findOrInsert(_ key: UnsafeBufferPointer<UInt8>) -> (group: Int, inserted: Bool) {
        if slots.isEmpty { grow() }
        let h = hashBytes(key)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let g = slots[i]
            if g < 0 {
                let ng = hashes.count
                slots[i] = Int32(ng)
                hashes.append(h)
                data.append(contentsOf: key)
                offsets.append(data.count)
                if hashes.count * 2 > slots.count { grow() }
                return (ng, true)
            }
            let gi = Int(g)
            if hashes[gi] == h && equals(gi, key) { return (gi, false) }
            i = (i + 1) & mask
        }
    }

    @inline(__always)
    private func equals(_ g: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = offsets[g], len = offsets[g + 1] - start
        guard len == key.count else { return false }
        return data.withUnsafeBufferPointer { d in
            for j in 0..<len where d[start + j] != key[j] { return false }
            return true
        }
    }

    private mutating func grow() {
        let size = max(64, slots.count * 2)
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (g, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(g)
        }
    }
}
