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
            var approximate = [Float](repeating: 0, count: rows.count)
            approximate.withUnsafeMutableBufferPointer { codes.dots(prepared, rows: rows.map(Int64.init), into: $0.baseAddress!) }
            for (i, r) in rows.enumerated() {
                var exact: Double = 0
                for j in 0..<d {
                    let x = vectors.floats[r * d + j]
                    let decoded = codes.lower[j] + codes.step[j] * Float(codes.codes[r * d + j])
                    #expect(abs(x - decoded) <= codes.step[j] / 2 * 1.0001 + abs(x) * 1e-6)
                    exact += Double(x) * Double(query[j])
                }
                #expect(abs(Double(approximate[i]) - exact) <= Double(prepared.slack))
            }
            // NULL rows are stored as zeros and do not widen the range.
            for r in 0..<vectors.count where !validity[r] { #expect(codes.codes[r * d..<(r + 1) * d].allSatisfy { $0 == 0 }) }
        }
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
                var short = Array(bytes.dropLast(5))
                short += Self.crc(short[...])
                #expect(throws: CairnError.self) { try IVFLists.parse(short, path: "x.ivl", generation: 9, rowCount: n) }
            }
        }
    }

    private static func crc(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        let c = CRC32C.checksum(Array(bytes))
        return [UInt8(c & 0xFF), UInt8(c >> 8 & 0xFF), UInt8(c >> 16 & 0xFF), UInt8(c >> 24)]
    }
}
