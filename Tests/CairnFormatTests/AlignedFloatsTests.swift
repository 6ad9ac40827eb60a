import PropertyBased
import Testing
@testable import CairnFormat

// The storage of vector rows: value semantics like [Float], with its own alignment rules.

@Suite struct AlignedFloatsTests {
    /// One step of a generated history, applied to an `AlignedFloats` and to a `[Float]` model alike.
    private enum Step: CustomStringConvertible {
        case append([Float])
        case appendZeros(Int)
        case reserve(Int)
        /// Keeps a copy, so the next mutation must not write through to it.
        case copy
        /// Starts over from storage that asked for huge pages (mapped on its own when ≥ 2 MiB), as
        /// a decoded segment block is: later steps grow, copy and free it.
        case hugeBlock([Float])

        var description: String {
            switch self {
            case .append(let f): "append \(f.count)"
            case .appendZeros(let n): "appendZeros \(n)"
            case .reserve(let n): "reserve \(n)"
            case .copy: "copy"
            case .hugeBlock(let f): "hugeBlock \(f.count)"
            }
        }
    }

    /// Random histories whose sizes cross the huge-page threshold (2 MiB = 524,288 floats) both ways,
    /// on storage that did and did not ask for huge pages: every state equals the model, and every
    /// copy taken keeps the contents it had.
    @Test func behavesLikeAnArrayOfFloats() async {
        let threshold = AlignedFloats.hugePageBytes / 4
        let histories = Generator<[Step], Shrink.None<[Step]>> { rng in
            (0..<Int.random(in: 1...12, using: &rng)).map { _ in
                let big = Int.random(in: 0..<4, using: &rng) == 0
                let n = big ? Int.random(in: threshold / 2...threshold + 4096, using: &rng) : Int.random(in: 0...300, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: return .append((0..<n).map { _ in Float.random(in: -1e6...1e6, using: &rng) })
                case 1: return .appendZeros(n)
                case 2: return .reserve(n)
                case 3: return .hugeBlock((0..<n).map { _ in Float.random(in: -1e6...1e6, using: &rng) })
                default: return .copy
                }
            }
        }
        await propertyCheck(count: 60, input: histories) { steps in
            var floats = AlignedFloats(), model: [Float] = []
            var copies: [(AlignedFloats, [Float])] = []
            for step in steps {
                switch step {
                case .append(let f): f.withUnsafeBufferPointer { floats.append(contentsOf: $0) }; model += f
                case .appendZeros(let n): floats.appendZeros(n); model += repeatElement(0, count: n)
                case .reserve(let n): floats.reserveCapacity(n)
                case .copy: copies.append((floats, model))
                case .hugeBlock(let f):
                    floats = AlignedFloats(unsafeUninitializedCount: f.count, hugePages: true) { out in
                        for (i, x) in f.enumerated() { out[i] = x }
                    }
                    model = f
                }
                #expect(floats.count == model.count)
                #expect(floats.withUnsafeBufferPointer { Array($0) } == model)
            }
            for (copy, expected) in copies { #expect(copy.withUnsafeBufferPointer { Array($0) } == expected) }
            #expect(floats == AlignedFloats(model))
        }
    }

    /// Storage is 64-byte aligned for BLAS; storage that asks for huge pages and holds 2 MiB or more
    /// starts on a 2 MiB boundary, where transparent huge pages can back all of it.
    @Test func alignsSmallAndHugeStorage() {
        let huge = AlignedFloats.hugePageBytes
        for count in [1, 15, 1000, huge / 4 - 1, huge / 4, 1365 * 1536, 3 * huge / 4 + 5] {
            for hugePages in [false, true] {
                let floats = AlignedFloats(unsafeUninitializedCount: count, hugePages: hugePages) { $0.initialize(repeating: 1.5) }
                let address = floats.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }
                #expect(address % 64 == 0, "\(count) floats")
                if hugePages, count * 4 >= huge { #expect(address % huge == 0, "\(count) floats") }
                #expect(floats.count == count && floats.first == 1.5 && floats.last == 1.5)
            }
        }
    }

    @Test func copiesLittleEndianBytes() {
        let values: [Float] = [0, -0.0, 1.25, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -3e-7]
        let floats = values.withUnsafeBytes { AlignedFloats(copyingBytes: $0, count: values.count) }
        #expect(floats.map(\.bitPattern) == values.map(\.bitPattern))
        #expect(AlignedFloats(values) == floats && AlignedFloats(values.dropLast()) != floats)
    }
}
