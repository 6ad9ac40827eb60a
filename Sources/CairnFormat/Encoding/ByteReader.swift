/// A bounds-checked little-endian cursor over bytes that came from a file (docs/format.md §1.1).
///
/// Every read checks the remaining length first and throws `.corrupt` instead of reading out of
/// bounds. When `origin` is the file offset of the first byte, errors carry the file offset of the
/// failing read; otherwise (decompressed block contents) the message names the position in `what`.
/// Callers add the file name.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    let origin: Int?
    let what: String
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer, origin: Int? = nil, what: String) {
        self.bytes = bytes
        self.origin = origin
        self.what = what
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position == bytes.count }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(CairnError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw corrupt("needs \(size) more bytes but only \(remaining) remain") }
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += size
        return v
    }

    /// The next `count` bytes, without copying.
    mutating func take(_ count: Int) throws(CairnError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else {
            throw corrupt("needs \(count) more bytes but only \(remaining) remain")
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + count])
        position += count
        return slice
    }

    /// A 32- or 64-bit count that must not exceed `limit`.
    mutating func readCount<T: FixedWidthInteger>(_: T.Type, limit: Int, _ name: String) throws(CairnError) -> Int {
        let raw = try read(T.self)
        guard raw >= 0, UInt64(raw) <= UInt64(limit) else { throw corrupt("\(name) \(raw) exceeds the limit of \(limit)") }
        return Int(raw)
    }

    func expectEnd() throws(CairnError) {
        guard isAtEnd else { throw corrupt("\(remaining) unexpected trailing bytes") }
    }

    func corrupt(_ message: String) -> CairnError {
        if let origin { return CairnError(.corrupt, "\(what): \(message)", offset: origin + position) }
        return CairnError(.corrupt, "\(what): \(message) (at byte \(position))")
    }
}

extension Array where Element == UInt8 {
    /// Appends `v` in little-endian byte order (docs/format.md §1.1).
    @inline(__always)
    package mutating func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }

    /// `withUnsafeBytes` that keeps the typed error of `body`.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(CairnError) -> R) throws(CairnError) -> R {
        try withUnsafeBufferPointer { (buf) throws(CairnError) in try body(UnsafeRawBufferPointer(buf)) }
    }
}
