#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Cairn

/// A byte sink that rows are formatted straight into: either a file (a C `FILE*` behind one reusable
/// buffer, written out whenever it passes `flushThreshold`) or a growing block of memory.
/// One thread at a time writes to an instance; the generator hands each in-memory buffer to
/// exactly one worker.
final class OutputBuffer: @unchecked Sendable {
    private let file: UnsafeMutablePointer<FILE>?
    private let path: String
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let flushThreshold = 1 << 20
    private(set) var count = 0
    private(set) var bytesWritten = 0

    init(path: String) throws {
        guard let f = fopen(path, "wb") else {
            throw CairnError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        file = f
        self.path = path
        capacity = flushThreshold + (1 << 16)
        storage = .allocate(capacity: capacity)
    }

    /// An in-memory buffer that grows as needed.
    init(memoryCapacity: Int) {
        file = nil
        path = "memory"
        capacity = max(memoryCapacity, 1 << 16)
        storage = .allocate(capacity: capacity)
    }

    deinit {
        storage.deallocate()
        if let file { fclose(file) }
    }

    /// Makes room for at least `n` more bytes (flushing or growing first if needed). Rows call this
    /// once with an upper bound of their size, then write without further checks.
    @inline(__always)
    func reserve(_ n: Int) throws {
        guard count + n > (file == nil ? capacity : flushThreshold) else { return }
        if file != nil {
            try flush()
            guard count + n <= capacity else { throw CairnError(.invalidInput, "row of \(n) bytes exceeds the output buffer") }
        } else {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: max(2 * capacity, count + n))
            grown.update(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity = max(2 * capacity, count + n)
        }
    }

    /// Writes the contents of the in-memory buffer `other` after everything written so far.
    func write(_ other: OutputBuffer) throws {
        try flush()
        guard let file, other.count > 0 else { return }
        guard fwrite(other.storage, 1, other.count, file) == other.count else {
            throw CairnError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        bytesWritten += other.count
    }

    @inline(__always)
    func byte(_ b: UInt8) {
        storage[count] = b
        count += 1
    }

    @inline(__always)
    func bytes(_ source: UnsafeBufferPointer<UInt8>) {
        guard let base = source.baseAddress else { return }
        (storage + count).update(from: base, count: source.count)
        count += source.count
    }

    @inline(__always)
    func bytes(_ source: [UInt8]) { source.withUnsafeBufferPointer { bytes($0) } }

    /// Writes `value` (≥ 0) in decimal, left-padded with zeros to `width` digits.
    @inline(__always)
    func decimal(_ value: Int64, width: Int = 1) {
        var digits = 0
        var v = value
        repeat { digits += 1; v /= 10 } while v > 0
        let n = max(digits, width)
        v = value
        var i = n - 1
        while i >= 0 {
            storage[count + i] = UInt8(truncatingIfNeeded: 48 + v % 10)
            v /= 10
            i -= 1
        }
        count += n
    }

    /// Writes `value` as 16 lowercase hex digits.
    @inline(__always)
    func hex16(_ value: UInt64) {
        for i in 0..<16 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(60 - 4 * i)) & 0xF)
            storage[count + i] = nibble < 10 ? 48 + nibble : 87 + nibble
        }
        count += 16
    }

    func flush() throws {
        guard let file, count > 0 else { return }
        guard fwrite(storage, 1, count, file) == count else {
            throw CairnError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        bytesWritten += count
        count = 0
    }

    func close() throws {
        try flush()
        guard let file else { return }
        guard fflush(file) == 0 else { throw CairnError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}
