import CairnFormat

/// An IVF index's trained centroids (docs/format.md §7.1).
package struct IVFCentroids: Sendable, Equatable {
    package let metric: VectorMetric
    package let lists: Int
    package let dimension: Int
    /// `lists × dimension`, row-major.
    package let vectors: [Float]
    /// ‖c‖² of each centroid under `.l2` (empty otherwise), so a probe is one matrix-vector product.
    private let squaredNorms: [Float]
    /// Centroids too large to stay in cache (6 MiB for 1,024 of 1,536 dimensions) are also kept as
    /// 8-bit codes, so that a single query's probe reads a quarter of the bytes and exact scores only
    /// for the few centroids the codes cannot place (see ``screenedProbe(_:keep:_:)``). Smaller sets cost less
    /// through one matrix-vector product (566 of 384 dimensions, 870 KiB: 32 µs a probe, screened 39 µs).
    private let coded: (codes: SQ8Codes, rows: [Int64])?
    package static let codedBytes = 4 << 20

    /// Whether a single query's probe is screened by the centroids' 8-bit codes.
    package var screensProbes: Bool { coded != nil }

    package init(metric: VectorMetric, lists: Int, dimension: Int, vectors: [Float]) {
        self.metric = metric; self.lists = lists; self.dimension = dimension; self.vectors = vectors
        let valid = vectors.count == lists * dimension
        squaredNorms = metric != .l2 || !valid ? [] : vectors.withUnsafeBufferPointer { c in
            (0..<lists).map { j in c.baseAddress.map { VectorKernels.dot($0 + j * dimension, $0 + j * dimension, dimension) } ?? 0 }
        }
        if valid, vectors.count * MemoryLayout<Float>.stride >= Self.codedBytes {
            coded = (SQ8Codes(VectorArray(dimension: dimension, floats: vectors), validity: nil), (0..<lists).map(Int64.init))
        } else {
            coded = nil
        }
    }

    package static func == (a: IVFCentroids, b: IVFCentroids) -> Bool {
        a.metric == b.metric && a.lists == b.lists && a.dimension == b.dimension && a.vectors == b.vectors
    }

    /// The `probes` lists whose centroids are closest to `query` under the metric.
    package func probe(_ query: [Float], probes: Int) -> [Int] {
        let keep = min(max(1, probes), lists)
        if let coded, query.count == dimension, keep < lists {
            return query.withUnsafeBufferPointer { q in q.baseAddress.map { screenedProbe($0, keep: keep, coded) } ?? [] }
        }
        var scores = [Float](repeating: 0, count: lists)
        vectors.withUnsafeBufferPointer { c in
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    guard let cb = c.baseAddress, let qb = q.baseAddress, let sb = s.baseAddress, query.count == dimension else { return }
                    VectorKernels.dots(cb, rows: lists, dimension: dimension, query: qb, into: sb)
                    rank(sb)
                }
            }
        }
        return TopK.smallest(scores, keep: keep)
    }

    /// The `keep` lists (ascending) that an exact probe picks, from the 8-bit codes: each list's score
    /// lies in a range the codes bound (``SQ8Codes/Query/slack``). A list whose worst possible score is
    /// below the (`keep` + 1)-th smallest best possible score (so at most `keep` − 1 others can beat it)
    /// is in, whatever the exact scores are;
    /// exact scores are computed only for the lists left to decide the remaining places, best bound
    /// first, until no bound can win a place. Which lists, not their order, is what a probe needs, so
    /// the lists that are surely in are never scored exactly.
    private func screenedProbe(_ q: UnsafePointer<Float>, keep: Int, _ coded: (codes: SQ8Codes, rows: [Int64])) -> [Int] {
        let prepared = coded.codes.prepare(q)
        var bestBound = [Double](repeating: 0, count: lists), worstBound = [Double](repeating: 0, count: lists)
        bestBound.withUnsafeMutableBufferPointer { b in
            guard let bb = b.baseAddress else { return }
            coded.codes.dots(prepared, rows: coded.rows, into: bb)
        }
        let slack = prepared.slack
        for j in 0..<lists {
            let norm = metric == .l2 ? Float(Double(squaredNorms[j]).squareRoot()) : 0
            let (best, worst) = VectorKernels.range(dot: bestBound[j], slack: slack, norm: norm, queryNorm: 0,
                                                    metric: metric == .l2 ? .l2 : .innerProduct)
            // Anything not finite (an overflow) cannot be placed by its bounds.
            bestBound[j] = best.isFinite ? best : -.infinity
            worstBound[j] = worst.isFinite ? worst : .infinity
        }
        // Fewer than keep + 1 lists have a best bound below the (keep + 1)-th smallest; a list whose
        // worst bound is below it can be beaten by at most keep − 1 others.
        let sureCut = Self.smallest(bestBound, rank: keep + 1)
        var chosen = (0..<lists).filter { worstBound[$0] < sureCut }
        let open = keep - chosen.count
        guard open > 0 else { return chosen }
        // keep lists score at most the keep-th smallest worst bound: a list whose best bound is above it
        // cannot be kept.
        let cut = Self.smallest(worstBound, rank: keep)
        let candidates = (0..<lists).filter { !(worstBound[$0] < sureCut) && bestBound[$0] <= cut }.sorted { bestBound[$0] < bestBound[$1] }
        var rest = TopK.Smallest(keep: open)
        vectors.withUnsafeBufferPointer { c in
            guard let cb = c.baseAddress else { return }
            for j in candidates {
                guard bestBound[j] <= Double(rest.threshold) else { break }
                let x = VectorKernels.dot(cb + j * dimension, q, dimension)
                rest.offer(score: metric == .l2 ? squaredNorms[j] - 2 * x : -x, row: j)
            }
        }
        chosen += rest.rows
        return chosen.sorted()
    }

    /// The `rank`-th smallest of `values` (1-based, `1 ≤ rank ≤ values.count`): a quickselect on a copy.
    private static func smallest(_ values: [Double], rank: Int) -> Double {
        var v = values
        var lo = 0, hi = v.count - 1
        let k = rank - 1
        while lo < hi {
            let pivot = v[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while v[i] < pivot { i += 1 }
                while v[j] > pivot { j -= 1 }
                if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return v[k] }
        }
        return v[k]
    }

    /// ``probe(_:probes:)`` for `count` queries at once (row-major `count × dimension`), from one `sgemm`.
    package func probe(queries: [Float], count: Int, probes: Int) -> [[Int]] {
        guard count > 0, queries.count == count * dimension, vectors.count == lists * dimension else { return [] }
        // One query is a matrix-vector product: sgemm would copy the centroids into its panels and
        // wake BLAS threads that then spin.
        if count == 1 { return [probe(queries, probes: probes)] }
        var scores = [Float](repeating: 0, count: count * lists)
        vectors.withUnsafeBufferPointer { c in
            queries.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    guard let cb = c.baseAddress, let qb = q.baseAddress, let sb = s.baseAddress else { return }
                    BLAS.wide { BLAS.sgemmTransposedB(m: count, n: lists, k: dimension, qb, cb, sb) }
                    for i in 0..<count { rank(sb + i * lists) }
                }
            }
        }
        let keep = min(max(1, probes), lists)
        return (0..<count).map { i in TopK.smallest(Array(scores[i * lists..<(i + 1) * lists]), keep: keep) }
    }

    /// Turns one query's dot products with the centroids into scores, smaller nearer: ‖c‖² − 2c·q
    /// under l2 (‖q‖² is the same for every list), −c·q otherwise (centroids are unit length).
    private func rank(_ scores: UnsafeMutablePointer<Float>) {
        if metric == .l2 {
            for j in 0..<lists { scores[j] = squaredNorms[j] - 2 * scores[j] }
        } else {
            for j in 0..<lists { scores[j] = -scores[j] }
        }
    }

    static let magic = Array("CAIRNIVC".utf8)

    package func serialized() -> [UInt8] {
        var out = Self.magic
        out.appendLittleEndian(IVFFormat.version)
        out.appendLittleEndian(UInt32(0))
        out.append(IVFFormat.code(metric))
        out.append(contentsOf: [0, 0, 0])
        out.appendLittleEndian(UInt32(lists))
        out.appendLittleEndian(UInt32(dimension))
        out.appendLittleEndian(UInt32(0))
        vectors.withUnsafeBytes { out.append(contentsOf: $0) }
        out.appendLittleEndian(CRC32C.checksum(out))
        return out
    }

    package static func parse(_ bytes: [UInt8], path: String) throws(CairnError) -> IVFCentroids {
        let (body, _, _) = try IVFFormat.verify(bytes, magic: magic, path: path)
        var r = ByteCursorLE(body)
        let metric = try IVFFormat.metric(r.u8(), path: path)
        r.skip(3)
        let lists = Int(r.u32()), dimension = Int(r.u32())
        r.skip(4)
        guard lists > 0, (1...VectorText.maxDimension).contains(dimension), r.remaining == lists * dimension * 4 else {
            throw CairnError.corrupt(path, offset: 0, "centroid file sizes do not match (\(lists) lists × \(dimension))")
        }
        return IVFCentroids(metric: metric, lists: lists, dimension: dimension, vectors: r.floats(lists * dimension))
    }
}

/// Which IVF list each row of one segment belongs to (docs/format.md §7.2): row ids grouped by list,
/// ascending within a list, so the rows of the probed lists are read without scanning the others.
package struct IVFLists: Sendable, Equatable {
    /// `lists + 1` offsets into `rows`; list `l` is `rows[offsets[l]..<offsets[l+1]]`.
    package private(set) var offsets: [UInt32]
    package private(set) var rows: [UInt32]
    /// The segment's 8-bit copy, for indexes built with `quantization = 'sq8'` (flag bit 0).
    package private(set) var codes: SQ8Codes?
    /// Whether `rows[i] == i` for every `i`: the segment stores its rows grouped by these lists (a
    /// table keeps them grouped by its first index), so list `l` is segment rows
    /// `offsets[l]..<offsets[l+1]` and a probe need not read the row ids (after a scan has pushed
    /// them out of cache, each list's first id costs a trip to memory).
    package private(set) var inRowOrder: Bool

    package init(assignment: [Int32], lists: Int, codes: SQ8Codes? = nil) {
        var counts = [UInt32](repeating: 0, count: lists + 1)
        for a in assignment { counts[Int(a) + 1] += 1 }
        for l in 0..<lists { counts[l + 1] += counts[l] }
        var next = counts
        var rows = [UInt32](repeating: 0, count: assignment.count)
        for (i, a) in assignment.enumerated() {
            rows[Int(next[Int(a)])] = UInt32(i)
            next[Int(a)] += 1
        }
        self.init(offsets: counts, rows: rows, codes: codes)
    }

    private init(offsets: [UInt32], rows: [UInt32], codes: SQ8Codes?) {
        self.offsets = offsets; self.rows = rows; self.codes = codes
        inRowOrder = rows.indices.allSatisfy { rows[$0] == UInt32(truncatingIfNeeded: $0) }
    }

    /// Segment row of entry `i` of ``rows``.
    @inline(__always)
    package func row(at i: Int) -> Int { inRowOrder ? i : Int(rows[i]) }

    package var lists: Int { offsets.count - 1 }

    package func size(of list: Int) -> Int { Int(offsets[list + 1] - offsets[list]) }

    static let magic = Array("CAIRNIVL".utf8)

    package func serialized(generation: UInt64) -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(64 + (lists + rows.count) * 4 + (codes.map { $0.codes.count + $0.dimension * 8 } ?? 0))
        // Files with codes are version 2, so that builds which predate them refuse them by version.
        out.appendLittleEndian(codes == nil ? IVFFormat.version : IVFFormat.codesVersion)
        out.appendLittleEndian(codes == nil ? UInt32(0) : IVFFormat.codesFlag)
        out.appendLittleEndian(generation)
        out.appendLittleEndian(UInt32(lists))
        out.appendLittleEndian(UInt32(rows.count))
        offsets.withUnsafeBytes { out.append(contentsOf: $0) }
        rows.withUnsafeBytes { out.append(contentsOf: $0) }
        codes?.serialize(into: &out)
        out.appendLittleEndian(CRC32C.checksum(out))
        return out
    }

    /// Parses a list file; returns nil when it belongs to another generation of the index.
    package static func parse(_ bytes: [UInt8], path: String, generation: UInt64, rowCount: Int) throws(CairnError) -> IVFLists? {
        let (body, version, flags) = try IVFFormat.verify(bytes, magic: magic, path: path, versions: 1...IVFFormat.codesVersion,
                                                          knownFlags: IVFFormat.codesFlag)
        guard (flags & IVFFormat.codesFlag != 0) == (version == IVFFormat.codesVersion) else {
            throw CairnError.corrupt(path, offset: 12, "list file version \(version) with flags \(flags)")
        }
        var r = ByteCursorLE(body)
        guard r.remaining >= 16 else { throw CairnError.corrupt(path, offset: 16, "list file header is truncated") }
        guard r.u64() == generation else { return nil }
        let lists = Int(r.u32()), rows = Int(r.u32())
        guard rows == rowCount, r.remaining >= (lists + 1) * 4 + rows * 4 else {
            throw CairnError.corrupt(path, offset: 16, "list file holds \(rows) rows in \(lists) lists; the segment has \(rowCount)")
        }
        let offsets = r.u32s(lists + 1), ids = r.u32s(rows)
        var codes: SQ8Codes?
        if flags & IVFFormat.codesFlag != 0 {
            let at = r.index
            let d = Int(r.u32()), reserved = r.u32()
            guard reserved == 0, (1...VectorText.maxDimension).contains(d), r.remaining == d * 8 + rows * d else {
                throw CairnError.corrupt(path, offset: at, "8-bit code section does not hold \(rows) rows of \(d) dimensions")
            }
            let lower = r.floats(d), step = r.floats(d)
            guard lower.allSatisfy(\.isFinite), step.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                throw CairnError.corrupt(path, offset: at + 8, "8-bit code section has a bound that is not finite")
            }
            // The codes stay inside the file's bytes: no copy of a quarter of the segment.
            codes = SQ8Codes(dimension: d, rowCount: rows, lower: lower, step: step, storage: bytes, start: r.index)
            r.skip(rows * d)
        }
        guard r.remaining == 0 else {
            throw CairnError.corrupt(path, offset: r.index, "\(r.remaining) unexpected bytes before the checksum")
        }
        guard offsets.first == 0, offsets.last == UInt32(rows), zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }),
              ids.allSatisfy({ Int($0) < rows }) else {
            throw CairnError.corrupt(path, offset: 32, "list offsets or row ids are out of range")
        }
        return IVFLists(offsets: offsets, rows: ids, codes: codes)
    }
}

/// Shared header/trailer rules of the IVF files: magic, u32 version, u32 flags, CRC-32C trailer.
package enum IVFFormat {
    package static let version: UInt32 = 1
    /// List files with an 8-bit code section after the row ids (§7.2) are version 2 with this flag.
    static let codesVersion: UInt32 = 2
    static let codesFlag: UInt32 = 1

    static func code(_ m: VectorMetric) -> UInt8 {
        switch m {
        case .l2: 1
        case .innerProduct: 2
        case .cosine: 3
        }
    }

    static func metric(_ code: UInt8, path: String) throws(CairnError) -> VectorMetric {
        switch code {
        case 1: return .l2
        case 2: return .innerProduct
        case 3: return .cosine
        default: throw CairnError.corrupt(path, offset: 16, "unknown metric code \(code)")
        }
    }

    /// Checks magic, version (one of `versions`), flags (only `knownFlags` may be set) and CRC; returns
    /// the bytes between the 16-byte header and the CRC, the version and the flags.
    static func verify(_ bytes: [UInt8], magic: [UInt8], path: String, versions: ClosedRange<UInt32> = IVFFormat.version...IVFFormat.version,
                       knownFlags: UInt32 = 0) throws(CairnError) -> (ArraySlice<UInt8>, version: UInt32, flags: UInt32) {
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else {
            throw CairnError.corrupt(path, offset: 0, "not a Cairn IVF file (bad magic or too short)")
        }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) }
        let computed = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        guard stored == computed else {
            throw CairnError.corrupt(path, offset: bytes.count - 4, "checksum mismatch")
        }
        let version = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
        guard versions.contains(version) else {
            let readable = versions.count == 1 ? "\(versions.lowerBound)" : "\(versions.lowerBound)–\(versions.upperBound)"
            throw CairnError(.unsupportedVersion, "\(path): IVF file version \(version) is not supported (this build reads \(readable))",
                             file: path, offset: 8)
        }
        let flags = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
        guard flags & ~knownFlags == 0 else { throw CairnError.corrupt(path, offset: 12, "unknown flags \(flags)") }
        return (bytes[16..<(bytes.count - 4)], version, flags)
    }
}

/// A little-endian reader over bytes whose length the caller has already checked.
struct ByteCursorLE {
    private let bytes: ArraySlice<UInt8>
    private var position: Int
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes; position = bytes.startIndex }
    var remaining: Int { bytes.endIndex - position }
    /// The position as an index of the underlying array (a file offset when it holds a whole file).
    var index: Int { position }
    mutating func skip(_ n: Int) { position += min(n, remaining) }
    mutating func u8() -> UInt8 { guard remaining >= 1 else { return 0 }; defer { position += 1 }; return bytes[position] }
    mutating func u32() -> UInt32 { load(UInt32.self) }
    mutating func u64() -> UInt64 { load(UInt64.self) }
    private mutating func load<T: FixedWidthInteger>(_: T.Type) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { position = bytes.endIndex; return 0 }
        defer { position += size }
        return bytes[position..<(position + size)].withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
    }
    mutating func floats(_ n: Int) -> [Float] { array(n) }
    mutating func u32s(_ n: Int) -> [UInt32] { array(n) }
    private mutating func array<T>(_ n: Int) -> [T] {
        let byteCount = n * MemoryLayout<T>.stride
        guard remaining >= byteCount else { position = bytes.endIndex; return [] }
        defer { position += byteCount }
        return bytes[position..<(position + byteCount)].withUnsafeBytes { raw in
            (0..<n).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) }
        }
    }
}
