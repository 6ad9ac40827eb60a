#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Contiguous float32 storage for vector rows, 64-byte aligned, with value semantics (copy on write).
///
/// Why not `[Float]`: a flat search streams every stored vector through one matrix-vector product, and on 4 KiB
/// pages that stream runs 15–25% below what the same kernel reaches on 2 MiB pages (page walks; see
/// docs/benchmarks-changes.md, sessions 8, 9 and 12). `malloc` can neither align a block to 2 MiB nor
/// advise it before its pages are first touched, so storage that asks for huge pages and holds
/// ``hugePageBytes`` or more is mapped on its own, from a 2 MiB boundary, and advised as transparent
/// huge pages while still untouched. Only floats that searches read again and again ask (a decoded
/// segment block, which the block cache keeps): first touching fresh huge pages costs far more than
/// 4 KiB ones where the kernel has handed free memory back to a hypervisor (0.1–0.6 GB/s against
/// 1.1–2.0 GB/s on the development VM: Benchmarks/machine/first-touch.c), and short-lived
/// storage (load buffers, the copies an index build rewrites) is touched once. The rest comes from
/// `posix_memalign`.
///
/// Invariant: elements `0..<count` are initialized; `count <= capacity`.
package struct AlignedFloats: RandomAccessCollection, Sendable {
    private var storage: Storage
    package private(set) var count: Int

    /// Storage at least this large that asks for huge pages is mapped 2 MiB-aligned and advised as huge pages.
    package static let hugePageBytes = 2 << 20

    package init() {
        storage = Storage.empty
        count = 0
    }

    package init(repeating value: Float, count: Int) {
        self.init(unsafeUninitializedCount: count) { $0.initialize(repeating: value) }
    }

    /// Storage of `count` floats that `initialize` must fill completely; on huge pages if `hugePages`
    /// and large enough (for floats that will be scanned many times).
    package init(unsafeUninitializedCount count: Int, hugePages: Bool = false,
                 initializingWith initialize: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        storage = count == 0 ? Storage.empty : Storage(capacity: count, hugePages: hugePages)
        try initialize(UnsafeMutableBufferPointer(start: storage.base, count: count))
        self.count = count
    }

    /// A copy of `floats`.
    package init(_ floats: UnsafeBufferPointer<Float>) {
        self.init(unsafeUninitializedCount: floats.count) { out in
            if let src = floats.baseAddress { out.baseAddress?.update(from: src, count: floats.count) }
        }
    }

    /// A copy of `count` little-endian floats from `raw` (this storage is only read on little-endian
    /// hosts); on huge pages if `hugePages` and large enough.
    package init(copyingBytes raw: UnsafeRawBufferPointer, count: Int, hugePages: Bool = false) {
        precondition(raw.count >= count * 4, "fewer bytes than floats")
        self.init(unsafeUninitializedCount: count, hugePages: hugePages) { out in
            if count > 0, let src = raw.baseAddress, let dst = out.baseAddress {
                UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * 4)
            }
        }
    }

    package init(_ floats: [Float]) {
        self = floats.withUnsafeBufferPointer { AlignedFloats($0) }
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { count }

    package subscript(i: Int) -> Float {
        precondition(i >= 0 && i < count, "index \(i) out of range 0..<\(count)")
        return storage.base[i]
    }

    package func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Float>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(storage) { () throws(E) -> R in
            try body(UnsafeBufferPointer(start: storage.base, count: count))
        }
    }

    package func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try withUnsafeBufferPointer { (b) throws(E) -> R in try body(UnsafeRawBufferPointer(b)) }
    }

    package func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: count)) }
    }

    /// Calls `body` with the floats to change in place (copied first if the storage is shared).
    package mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        if !isKnownUniquelyReferenced(&storage) { reallocate(capacity: count) }
        return withExtendedLifetime(storage) { body(UnsafeMutableBufferPointer(start: storage.base, count: count)) }
    }

    /// Room for `capacity` floats without reallocating (exactly that much when it must allocate).
    package mutating func reserveCapacity(_ capacity: Int) {
        if capacity > storage.capacity || !isKnownUniquelyReferenced(&storage) { reallocate(capacity: Swift.max(capacity, count)) }
    }

    package mutating func append(contentsOf floats: UnsafeBufferPointer<Float>) {
        guard let src = floats.baseAddress else { return }
        prepareToAppend(floats.count).update(from: src, count: floats.count)
        count += floats.count
    }

    /// Appends the little-endian floats of `raw` (a whole number of them).
    package mutating func append(copyingBytes raw: UnsafeRawBufferPointer) {
        let n = raw.count / 4
        precondition(n * 4 == raw.count, "not a whole number of floats")
        guard n > 0, let src = raw.baseAddress else { return }
        UnsafeMutableRawPointer(prepareToAppend(n)).copyMemory(from: src, byteCount: n * 4)
        count += n
    }

    package mutating func appendZeros(_ n: Int) {
        guard n > 0 else { return }
        prepareToAppend(n).initialize(repeating: 0, count: n)
        count += n
    }

    /// Makes the storage unique with room for `n` more floats (doubling, as `Array` does) and returns
    /// where they go.
    private mutating func prepareToAppend(_ n: Int) -> UnsafeMutablePointer<Float> {
        let needed = count + n
        if needed > storage.capacity || !isKnownUniquelyReferenced(&storage) {
            reallocate(capacity: count == 0 ? needed : Swift.max(needed, 2 * storage.capacity))
        }
        return storage.base + count
    }

    private mutating func reallocate(capacity: Int) {
        let fresh = capacity == 0 ? Storage.empty : Storage(capacity: capacity, hugePages: false)
        if count > 0 { fresh.base.initialize(from: storage.base, count: count) }
        storage = fresh
    }

    /// One allocation: mapped (2 MiB-aligned, huge pages advised) or from `posix_memalign`.
    private final class Storage: @unchecked Sendable {
        // @unchecked: the memory is written only through a uniquely referenced instance (copy on write).
        let base: UnsafeMutablePointer<Float>
        let capacity: Int
        /// The mapping to `munmap`, or nil when `base` came from `posix_memalign`.
        private let mappedBytes: Int?

        static let empty = Storage(capacity: 16, hugePages: false)

        init(capacity: Int, hugePages: Bool) {
            self.capacity = capacity
            let bytes = Swift.max(64, capacity * MemoryLayout<Float>.stride)
            if hugePages, bytes >= AlignedFloats.hugePageBytes, let mapped = Self.mapHuge(bytes) {
                base = mapped.base.bindMemory(to: Float.self, capacity: capacity)
                mappedBytes = mapped.bytes
                return
            }
            var raw: UnsafeMutableRawPointer?
            guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
                fatalError("out of memory allocating \(bytes) bytes of vector storage")
            }
            base = raw.bindMemory(to: Float.self, capacity: capacity)
            mappedBytes = nil
        }

        deinit {
            if let mappedBytes { munmap(base, mappedBytes) } else { free(base) }
        }

        /// `bytes` (rounded up to 4 KiB) of fresh memory starting on a 2 MiB boundary, advised as huge
        /// pages; nil if the kernel refuses the mapping. Over-maps by 2 MiB and returns the slack.
        private static func mapHuge(_ bytes: Int) -> (base: UnsafeMutableRawPointer, bytes: Int)? {
            let huge = AlignedFloats.hugePageBytes
            let length = (bytes + 4095) & ~4095
            guard let raw = mmap(nil, length + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                  raw != MAP_FAILED else { return nil }
            let start = Int(bitPattern: raw)
            let aligned = (start + huge - 1) & ~(huge - 1)
            if aligned > start { munmap(raw, aligned - start) }
            let tail = start + length + huge - (aligned + length)
            if tail > 0, let end = UnsafeMutableRawPointer(bitPattern: aligned + length) { munmap(end, tail) }
            guard let base = UnsafeMutableRawPointer(bitPattern: aligned) else { return nil }
            #if os(Linux)
            // Advice only: without transparent huge pages the mapping simply keeps 4 KiB pages.
            _ = madvise(base, length, MADV_HUGEPAGE)
            #endif
            return (base, length)
        }
    }
}

extension AlignedFloats: Equatable {
    package static func == (a: AlignedFloats, b: AlignedFloats) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.elementsEqual(y) } }
    }
}
