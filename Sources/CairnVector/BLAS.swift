#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CairnFormat
import CBLAS
import Synchronization

/// The CBLAS routines Cairn uses, from the system's BLAS, opened at first use.
///
/// OpenBLAS picks its kernels once, when it is loaded, from the CPU model it recognises; on a CPU it
/// does not know (a new Xeon, a virtual machine hiding the model) it falls back to generic SSE3
/// kernels that run sgemm 3–4× slower. So Cairn does not link BLAS: before opening it, if
/// `OPENBLAS_CORETYPE` is unset, it names the kernels the CPU's features support (`SKYLAKEX` with
/// AVX-512, `HASWELL` with AVX2 and FMA). A value set in the environment is always kept. Without any
/// BLAS library the routines fall back to plain loops, correct and slow.
///
/// Thread count: Cairn runs its own workers across blocks, so per-block calls are single-threaded
/// (OpenBLAS threads spinning between small calls only steal the cores the workers need); the few large
/// calls made from one thread — batched `sgemm`, k-means — use every core (``wide(_:_:)``).
package enum BLAS {
    package static let rowMajor = Int32(bitPattern: CblasRowMajor.rawValue)
    package static let noTranspose = Int32(bitPattern: CblasNoTrans.rawValue)
    package static let transpose = Int32(bitPattern: CblasTrans.rawValue)

    private typealias Sdot = @convention(c) (Int32, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32) -> Float
    private typealias Saxpy = @convention(c) (Int32, Float, UnsafePointer<Float>?, Int32, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias Sscal = @convention(c) (Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias Sgemm = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                              UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void
    private typealias CoreName = @convention(c) () -> UnsafeMutablePointer<CChar>?

    private struct Library: @unchecked Sendable {
        var sdot: Sdot?, saxpy: Saxpy?, sscal: Sscal?, sgemm: Sgemm?
        var setThreads: SetThreads?, coreName: CoreName?
        var path: String?
    }

    private static let library: Library = {
        if getenv("OPENBLAS_CORETYPE") == nil, let core = preferredKernels() { setenv("OPENBLAS_CORETYPE", core, 0) }
        let candidates = ["libopenblas.so.0", "libblas.so.3", "libopenblas.so", "libblas.so",
                          "/System/Library/Frameworks/Accelerate.framework/Accelerate"]
        for name in candidates {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { continue }
            func symbol<T>(_ s: String, _: T.Type) -> T? { dlsym(handle, s).map { unsafeBitCast($0, to: T.self) } }
            var lib = Library(sdot: symbol("cblas_sdot", Sdot.self), saxpy: symbol("cblas_saxpy", Saxpy.self),
                              sscal: symbol("cblas_sscal", Sscal.self),
                              sgemm: symbol("cblas_sgemm", Sgemm.self), setThreads: symbol("openblas_set_num_threads", SetThreads.self),
                              coreName: symbol("openblas_get_corename", CoreName.self), path: name)
            guard lib.sdot != nil, lib.saxpy != nil, lib.sscal != nil, lib.sgemm != nil else {
                lib = Library()
                continue
            }
            lib.setThreads?(1)
            return lib
        }
        return Library()
    }()

    /// The kernels to ask OpenBLAS for on this CPU, from the features Linux reports; nil to let it choose.
    private static func preferredKernels() -> String? {
        guard let file = fopen("/proc/cpuinfo", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            guard let line, strncmp(line, "flags", 5) == 0 else { continue }
            let flags = Set(String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init))
            if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(flags.contains) { return "SKYLAKEX" }
            if ["avx2", "fma"].allSatisfy(flags.contains) { return "HASWELL" }
            return nil
        }
        return nil
    }

    /// Which library and kernels are in use, e.g. `libopenblas.so.0 (SkylakeX)`; for reports.
    package static var description: String {
        guard let path = library.path else { return "no BLAS library (plain loops)" }
        guard let name = library.coreName?() else { return path }
        return "\(path) (\(String(cString: name)))"
    }

    // MARK: - Routines (row-major, unit strides where Cairn uses them)

    @inline(__always)
    package static func sdot(_ n: Int, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        if let f = library.sdot { return f(Int32(n), x, 1, y, 1) }
        var s: Float = 0
        for i in 0..<n { s += x[i] * y[i] }
        return s
    }

    /// y += alpha · x
    package static func saxpy(_ n: Int, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        if let f = library.saxpy { return f(Int32(n), alpha, x, 1, y, 1) }
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// x *= alpha
    package static func sscal(_ n: Int, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        if let f = library.sscal { return f(Int32(n), alpha, x, 1) }
        for i in 0..<n { x[i] *= alpha }
    }

    /// C[m × n] = A[m × k] · B[n × k]ᵀ (row-major, packed).
    package static func sgemmTransposedB(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                         _ c: UnsafeMutablePointer<Float>) {
        useDefault()
        if let f = library.sgemm {
            return f(rowMajor, noTranspose, transpose, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, c, Int32(n))
        }
        for i in 0..<m { for j in 0..<n { c[i * n + j] = sdot(k, a + i * k, b + j * k) } }
    }

    // MARK: - Threads

    /// Large calls in flight; BLAS goes back to one thread when the last one ends.
    private static let wideCalls = Mutex<Int>(0)

    /// Opens the library (once) with its single-thread default in place.
    package static func useDefault() { _ = library }

    /// Online cores, the thread count of large calls.
    package static var cores: Int { Processors.online }

    /// Runs one large BLAS computation on `threads` threads (default: every core).
    package static func wide<T>(_ threads: Int = cores, _ body: () throws -> T) rethrows -> T {
        let setter = library.setThreads
        wideCalls.withLock { n in
            n += 1
            setter?(Int32(max(1, threads)))
        }
        defer {
            wideCalls.withLock { n in
                n -= 1
                if n == 0 { setter?(1) }
            }
        }
        return try body()
    }
}
