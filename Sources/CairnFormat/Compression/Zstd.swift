import CZstd
import Synchronization

/// Zstandard compression of whole blocks (see docs/format.md §3.2).
///
/// Contexts are expensive to create, so each call borrows one from a small shared pool and returns it
/// afterwards; a context is used by one thread at a time, which makes both functions safe to call
/// concurrently.
package enum Zstd {
    package static let defaultLevel: Int32 = 1

    /// Compresses `src` into one zstd frame that records its decompressed size.
    package static func compress(_ src: UnsafeRawBufferPointer, level: Int32 = defaultLevel) throws(CairnError) -> [UInt8] {
        let ctx = try compressors.borrow()
        defer { compressors.giveBack(ctx) }
        let bound = ZSTD_compressBound(src.count)
        var failure: String?
        let out = [UInt8](unsafeUninitializedCapacity: bound) { buf, initialized in
            let r = ZSTD_compressCCtx(ctx.pointer, buf.baseAddress, bound, src.baseAddress, src.count, level)
            if ZSTD_isError(r) != 0 {
                failure = String(cString: ZSTD_getErrorName(r))
                initialized = 0
            } else {
                initialized = r
            }
        }
        if let failure { throw CairnError(.io, "zstd compression failed: \(failure)") }
        return out
    }

    /// Decompresses one zstd frame whose decompressed size must be exactly `decompressedSize`.
    package static func decompress(_ src: UnsafeRawBufferPointer, decompressedSize: Int) throws(CairnError) -> [UInt8] {
        guard decompressedSize >= 0 else { throw CairnError(.corrupt, "negative decompressed size") }
        let frameSize = ZSTD_getFrameContentSize(src.baseAddress, src.count)
        guard frameSize == UInt64(decompressedSize) else {
            throw CairnError(.corrupt, "zstd frame does not declare the expected size of \(decompressedSize) bytes")
        }
        let ctx = try decompressors.borrow()
        defer { decompressors.giveBack(ctx) }
        var failure: String?
        let out = [UInt8](unsafeUninitializedCapacity: decompressedSize) { buf, initialized in
            let r = ZSTD_decompressDCtx(ctx.pointer, buf.baseAddress, decompressedSize, src.baseAddress, src.count)
            if ZSTD_isError(r) != 0 {
                failure = String(cString: ZSTD_getErrorName(r))
                initialized = 0
            } else if r != decompressedSize {
                failure = "frame decompressed to \(r) bytes, expected \(decompressedSize)"
                initialized = 0
            } else {
                initialized = r
            }
        }
        if let failure { throw CairnError(.corrupt, "zstd decompression failed: \(failure)") }
        return out
    }

    private static let compressors = ContextPool(create: { ZSTD_createCCtx() }, free: { _ = ZSTD_freeCCtx($0) })
    private static let decompressors = ContextPool(create: { ZSTD_createDCtx() }, free: { _ = ZSTD_freeDCtx($0) })
}

/// A zstd context pointer. Contexts are only ever used by the one thread that borrowed them.
private struct ZstdContext: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Idle zstd contexts of one kind, kept for reuse; at most `capacity` are kept.
private final class ContextPool: Sendable {
    private let idle = Mutex<[ZstdContext]>([])
    private let create: @Sendable () -> OpaquePointer?
    private let free: @Sendable (OpaquePointer) -> Void
    private let capacity = 8

    init(create: @escaping @Sendable () -> OpaquePointer?, free: @escaping @Sendable (OpaquePointer) -> Void) {
        self.create = create
        self.free = free
    }

    func borrow() throws(CairnError) -> ZstdContext {
        if let ctx = idle.withLock({ $0.popLast() }) { return ctx }
        guard let p = create() else { throw CairnError(.io, "cannot allocate a zstd context") }
        return ZstdContext(pointer: p)
    }

    func giveBack(_ ctx: ZstdContext) {
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < capacity else { return false }
            pool.append(ctx)
            return true
        }
        if !kept { free(ctx.pointer) }
    }
}
