// Little-endian helpers shared by the WAL and manifest codecs (docs/format.md §1.1).

#if _endian(big)
#error("Cairn's log formats are little-endian and copy column memory directly; big-endian hosts are unsupported")
#endif

/// A bounds-checked little-endian reader over bytes that came from a file. Reads return nil instead
/// of running past the end, so callers decide how to report the damage (torn tail vs. corruption).
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { return nil }
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += size
        return v
    }

    /// The next `count` bytes, without copying.
    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, remaining >= count else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        position += count
        return slice
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    /// Overwrites `MemoryLayout<T>.size` bytes at `index` (which the caller has already reserved).
    @inline(__always)
    mutating func storeLE<T: FixedWidthInteger>(_ v: T, at index: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: v.littleEndian, toByteOffset: index, as: T.self) }
    }
}
