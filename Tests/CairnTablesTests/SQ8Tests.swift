import CairnFormat
import CairnVector
import PropertyBased
import Testing

/// The 8-bit copy of IVF list files (docs/format.md §7.2): its bound on the approximation error, which
/// lets searches skip float rows without changing their answers, and its serialized form.
@Suite struct SQ8Tests {
    /// Rows of a random dimension (1…80, so the kernel's 32-wide steps and its tail both run) with
    /// values of random scale, some rows NULL, some dimensions constant.
    private static let matrices = Generator<(VectorArray, [Bool], [Float]), Shrink.None<(VectorArray, [Bool], [Float])>> { rng in
        let d = Int.random(in: 1...80, using: &rng), n = Int.random(in: 1...40, using: &rng)
        let scales: [Float] = [1e-3, 1, 1e3]
        let scale: Float = scales[Int.random(in: 0..<3, using: &rng)]
        let constant = Set((0..<d).filter { _ in Int.random(in: 0..<8, using: &rng) == 0 })
        var floats: [Float] = []
        for _ in 0..<n {
            for j in 0..<d {
                let x: Float = constant.contains(j) ? 0.5 * scale : Float.random(in: -scale...scale, using: &rng)
                floats.append(x)
            }
        }
        let validity = (0..<n).map { _ in Int.random(in: 0..<6, using: &rng) != 0 }
        let query = (0..<d).map { _ in Float.random(in: -1...1, using: &rng) }
        return (VectorArray(dimension: d, floats: floats), validity, query)
    }

    @Test func approximateDotProductsStayWithinTheSlack() async {
        await propertyCheck(count: 300, input: Self.matrices) { vectors, validity, query in
            let codes = SQ8Codes(vectors, validity: validity)
            let d = vectors.dimension
            #expect(codes.rowCount == vectors.count)
            let prepared = query.withUnsafeBufferPointer { codes.prepare($0.baseAddress!) }
            let rows = (0..<vectors.count).filter { validity[$0] }
            var approximate = [Double](repeating: 0, count: rows.count)
            approximate.withUnsafeMutableBufferPointer { codes.dots(prepared, rows: rows.map(Int64.init), into: $0.baseAddress!) }
            for (i, r) in rows.enumerated() {
                var exact: Double = 0
                for j in 0..<d {
                    let x = vectors.floats[r * d + j]
                    let decoded = codes.lower[j] + codes.step[j] * Float(codes.codes[r * d + j])
                    #expect(abs(x - decoded) <= codes.step[j] / 2 * 1.0001 + abs(x) * 1e-6)
                    exact += Double(x) * Double(query[j])
                }
                #expect(abs(approximate[i] - exact) <= prepared.slack)
            }
            // NULL rows are stored as zeros and do not widen the range.
            for r in 0..<vectors.count where !validity[r] { #expect(codes.codes[r * d..<(r + 1) * d].allSatisfy { $0 == 0 }) }
        }
    }

    /// The kernel's 32-bit lanes at their worst: 4,096 dimensions of code 255 times weight ±32,767.
    @Test func largestSumsDoNotOverflow() {
        let d = 4096
        var storage = [UInt8](repeating: 255, count: d)
        storage += (0..<d).map { UInt8($0 % 256) }
        let codes = SQ8Codes(dimension: d, rowCount: 2, lower: [Float](repeating: 0, count: d),
                             step: [Float](repeating: 1 / 255, count: d), storage: storage, start: 0)
        for sign: Float in [1, -1] {
            let query = [Float](repeating: sign, count: d)
            let prepared = query.withUnsafeBufferPointer { codes.prepare($0.baseAddress!) }
            #expect(prepared.weights.allSatisfy { $0 == Int16(sign) * 32767 })
            var out = [Double](repeating: 0, count: 2)
            out.withUnsafeMutableBufferPointer { codes.dots(prepared, rows: [0, 1], into: $0.baseAddress!) }
            let second = (0..<d).reduce(0.0) { $0 + Double(sign) * Double($1 % 256) * Double(Float(1) / 255) }
            #expect(abs(out[0] - Double(sign) * 4096 * 255 * Double(Float(1) / 255)) <= prepared.slack)
            #expect(abs(out[1] - second) <= prepared.slack)
        }
    }

    /// A top k fed by ``VectorKernels/screen`` equals the top k over every non-NULL row's exact score,
    /// ties and all, for every metric: with duplicate rows, rows of large norm, queries of tiny norm, and
    /// NULL rows (holding values, so that a screen counting them would keep or cut the wrong rows).
    @Test func screeningKeepsTheExactTopK() async {
        let cases = Generator<(VectorArray, [Float], Int, [Bool]), Shrink.None<(VectorArray, [Float], Int, [Bool])>> { rng in
            let d = Int.random(in: 1...70, using: &rng), n = Int.random(in: 1...60, using: &rng)
            let rowScale: Float = [1, 1e3][Int.random(in: 0..<2, using: &rng)]
            var floats: [Float] = []
            for i in 0..<n {
                if i > 0, Int.random(in: 0..<5, using: &rng) == 0 {
                    floats.append(contentsOf: floats[(i - 1) * d..<i * d])  // a duplicate of the row before
                } else {
                    for _ in 0..<d { floats.append(Float.random(in: -rowScale...rowScale, using: &rng)) }
                }
            }
            let queryScale: Float = [1e-4, 1][Int.random(in: 0..<2, using: &rng)]
            let query = (0..<d).map { _ in Float.random(in: -queryScale...queryScale, using: &rng) }
            let validity = (0..<n).map { _ in Int.random(in: 0..<6, using: &rng) != 0 }
            return (VectorArray(dimension: d, floats: floats), query, Int.random(in: 1...8, using: &rng), validity)
        }
        await propertyCheck(count: 300, input: cases) { vectors, query, k, validity in
            let codes = SQ8Codes(vectors, validity: validity)
            let d = vectors.dimension, rows = Array(0..<vectors.count)
            for metric in [VectorMetric.innerProduct, .l2, .cosine] {
                var all = TopK.Smallest(keep: k), screened = TopK.Smallest(keep: k)
                query.withUnsafeBufferPointer { q in
                    vectors.floats.withUnsafeBufferPointer { m in
                        let qn = VectorKernels.dot(q.baseAddress!, q.baseAddress!, d).squareRoot()
                        for r in rows where validity[r] {
                            let x = VectorKernels.dot(m.baseAddress! + r * d, q.baseAddress!, d)
                            let norm = VectorKernels.dot(m.baseAddress! + r * d, m.baseAddress! + r * d, d).squareRoot()
                            let score: Float = switch metric {
                            case .innerProduct: -x
                            case .l2: norm * norm - 2 * x
                            case .cosine: 1 - x / (norm * qn)
                            }
                            all.offer(score: score, row: r)
                        }
                    }
                    VectorKernels.screen(vectors, rows: rows, codeRows: rows.map(Int64.init), validity: validity, codes: codes,
                                         query: q.baseAddress!, prepared: codes.prepare(q.baseAddress!), metric: metric,
                                         threshold: screened.threshold, keep: k) { i, score in
                        screened.offer(score: score, row: rows[i])
                        return screened.threshold
                    }
                }
                #expect(screened.rows == all.rows, "\(metric)")
            }
        }
    }

    /// Centroids of `IVFCentroids.codedBytes` or more are screened by their 8-bit codes when a single
    /// query probes them; it must pick the lists the batched probe (one `sgemm` over the float
    /// centroids) picks. (Two float sums of the same products can differ in their last bits, so a query
    /// whose `probes`-th and next list score within a rounding error of each other may fairly get
    /// either: those few draws are skipped, and counted.)
    @Test(arguments: [VectorMetric.l2, .innerProduct])
    func screenedProbePicksTheListsOfTheFloatProbe(metric: VectorMetric) {
        var rng = SystemRandomNumberGenerator()
        let d = 256, lists = IVFCentroids.codedBytes / (d * MemoryLayout<Float>.stride) + 3
        var centroids = (0..<(lists * d)).map { _ in Float.random(in: -1...1, using: &rng) }
        if metric != .l2 { KMeans.normalizeRows(&centroids, dimension: d) }
        let index = IVFCentroids(metric: metric, lists: lists, dimension: d, vectors: centroids)
        #expect(index.screensProbes)
        #expect(!IVFCentroids(metric: metric, lists: lists - 6, dimension: d, vectors: Array(centroids[..<((lists - 6) * d)])).screensProbes)
        var compared = 0
        for probes in [1, 7, 40, 700, lists - 1] {
            let queries = (0..<(2 * d)).map { _ in Float.random(in: -1...1, using: &rng) }
            let batched = index.probe(queries: queries, count: 2, probes: probes)
            for j in 0..<2 {
                let q = Array(queries[(j * d)..<((j + 1) * d)])
                // Scores in Double, as the probe ranks them (smaller is nearer).
                let scores = (0..<lists).map { c -> Double in
                    let x = (0..<d).reduce(0.0) { $0 + Double(centroids[c * d + $1]) * Double(q[$1]) }
                    let norm = (0..<d).reduce(0.0) { $0 + Double(centroids[c * d + $1]) * Double(centroids[c * d + $1]) }
                    return metric == .l2 ? norm - 2 * x : -x
                }.sorted()
                guard scores[probes] - scores[probes - 1] > 1e-5 * max(1, abs(scores[probes])) else { continue }
                compared += 1
                #expect(index.probe(q, probes: probes) == batched[j], "probes \(probes), query \(j)")
            }
        }
        #expect(compared >= 8, "only \(compared) of 10 draws were clear of rounding ties")
    }

    @Test func listFilesRoundTripWithAndWithoutCodes() throws {
        var rng = SystemRandomNumberGenerator()
        let d = 37, n = 50
        let vectors = VectorArray(dimension: d, floats: (0..<(n * d)).map { _ in Float.random(in: -1...1, using: &rng) })
        let assignment = (0..<n).map { _ in Int32.random(in: 0..<4, using: &rng) }
        for codes in [nil, SQ8Codes(vectors, validity: nil)] {
            let lists = IVFLists(assignment: assignment, lists: 4, codes: codes)
            let bytes = lists.serialized(generation: 9)
            #expect(try IVFLists.parse(bytes, path: "x.ivl", generation: 9, rowCount: n) == lists)
            // A flag this build does not know, and a code section cut short, are corruption.
            var flagged = bytes
            flagged[12] |= 2
            flagged.replaceSubrange((flagged.count - 4)..., with: Self.crc(flagged.dropLast(4)))
            #expect(throws: CairnError.self) { try IVFLists.parse(flagged, path: "x.ivl", generation: 9, rowCount: n) }
            if codes != nil {
                #expect(bytes[8] == 2 && bytes[12] == 1)
                var short = Array(bytes.dropLast(5))
                short += Self.crc(short[...])
                #expect(throws: CairnError.self) { try IVFLists.parse(short, path: "x.ivl", generation: 9, rowCount: n) }
                // Version 2 without the flag is corrupt; a later version is refused by version.
                var unflagged = bytes
                unflagged[12] = 0
                unflagged.replaceSubrange((unflagged.count - 4)..., with: Self.crc(unflagged.dropLast(4)))
                #expect(throws: CairnError.self) { try IVFLists.parse(unflagged, path: "x.ivl", generation: 9, rowCount: n) }
                var later = bytes
                later[8] = 3
                later.replaceSubrange((later.count - 4)..., with: Self.crc(later.dropLast(4)))
                do {
                    _ = try IVFLists.parse(later, path: "x.ivl", generation: 9, rowCount: n)
                    Issue.record("version 3 was read")
                } catch {
                    #expect(error.code == .unsupportedVersion)
                }
            } else {
                #expect(bytes[8] == 1 && bytes[12] == 0)
            }
        }
    }

    private static func crc(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let c = CRC32C.checksum(Array(bytes))
        return [UInt8(c & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c >> 16 & 0xFF), UInt8(c >> 24)]
    }
}
