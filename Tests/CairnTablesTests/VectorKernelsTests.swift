import CairnFormat
import CairnVector
import PropertyBased
import Testing

/// The one-query dot-product kernel (Sources/CVectorKernels/dots.c) against a double-precision loop.
@Suite struct VectorKernelsTests {
    /// Dimensions 1…100 (so the 32-wide steps, the 8-wide steps and the scalar tail all run) and 1536;
    /// rows of random scale, read from an offset into the buffer, as blocks are.
    private static let cases = Generator<(d: Int, n: Int, offset: Int, scale: Float), Shrink.None<(d: Int, n: Int, offset: Int, scale: Float)>> { rng in
        let d = Int.random(in: 0..<8, using: &rng) == 0 ? 1536 : Int.random(in: 1...100, using: &rng)
        let scales: [Float] = [1e-3, 1, 1e3]
        return (d, Int.random(in: 1...20, using: &rng), Int.random(in: 0...3, using: &rng), scales[Int.random(in: 0..<3, using: &rng)])
    }

    @Test func dotsEqualADoublePrecisionLoop() async {
        await propertyCheck(count: 200, input: Self.cases) { d, n, offset, scale in
            var rng = SystemRandomNumberGenerator()
            let floats = (0..<(offset + n) * d).map { _ in Float.random(in: -scale...scale, using: &rng) }
            let query = (0..<d).map { _ in Float.random(in: -1...1, using: &rng) }
            var out = [Float](repeating: .nan, count: n)
            floats.withUnsafeBufferPointer { m in
                query.withUnsafeBufferPointer { q in
                    out.withUnsafeMutableBufferPointer { o in
                        VectorKernels.dots(m.baseAddress! + offset * d, rows: n, dimension: d, query: q.baseAddress!, into: o.baseAddress!)
                    }
                }
            }
            for i in 0..<n {
                var exact = 0.0, magnitude = 0.0
                for j in 0..<d {
                    let p = Double(floats[(offset + i) * d + j]) * Double(query[j])
                    exact += p
                    magnitude += abs(p)
                }
                // float32 accumulation in any order stays within d·ε of the sum of magnitudes.
                #expect(abs(Double(out[i]) - exact) <= Double(d) * 1.2e-7 * magnitude + 1e-30, "row \(i) of \(n), d \(d)")
            }
        }
    }
}
