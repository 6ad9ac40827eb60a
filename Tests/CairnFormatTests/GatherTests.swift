import PropertyBased
import Testing
@testable import CairnFormat

@Suite struct GatherTests {
    /// A selection of runs of consecutive rows (copied a run at a time), repeats, reversals and jumps.
    static let selections = Generator<(ColumnVector, [Int]), Shrink.None<(ColumnVector, [Int])>> { rng in
        let n = Int.random(in: 1...600, using: &rng)
        let column = withNulls(.bytes(ByteArray(randomStrings(count: n, &rng))), count: n, &rng)
        var selection: [Int] = []
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            let start = Int.random(in: 0..<n, using: &rng)
            let length = Int.random(in: 0...(n - start), using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: selection += start..<(start + length)
            case 1: selection += (start..<(start + length)).reversed()
            default: selection += Array(repeating: start, count: Int.random(in: 1...3, using: &rng))
            }
        }
        return (column, selection)
    }

    @Test func byteGatherMatchesRowByRow() async {
        await propertyCheck(count: 300, input: Self.selections) { column, selection in
            guard case .bytes(let strings) = column.storage else { return }
            let gathered = column.gather(selection)
            guard case .bytes(let out) = gathered.storage else { Issue.record("gather changed the storage"); return }
            #expect(out.count == selection.count)
            #expect((0..<out.count).map { out.string(at: $0) } == selection.map { strings.string(at: $0) })
            #expect((0..<gathered.count).map { gathered.isNull($0) } == selection.map { column.isNull($0) })
        }
    }

    /// Reordering in place gives what gathering by the same permutation gives: rows, NULLs and norms,
    /// whether the storage is held only by the column (moved in place) or shared (copied first).
    @Test func reorderMatchesGatherForPermutations() async {
        let cases = Generator<(ColumnVector, [Int]), Shrink.None<(ColumnVector, [Int])>> { rng in
            let n = Int.random(in: 0...300, using: &rng), d = Int.random(in: 1...9, using: &rng)
            var vectors = VectorArray(dimension: d, floats: (0..<(n * d)).map { _ in Float.random(in: -1...1, using: &rng) })
            if Bool.random(using: &rng) { vectors = vectors.withNorms() }
            let validity = Bool.random(using: &rng) ? (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) != 0 } : nil
            var order = Array(0..<n)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: order.shuffle(using: &rng)
            case 1: order.reverse()
            default: break  // the identity: nothing moves
            }
            return (ColumnVector(storage: .vectors(vectors), validity: validity), order)
        }
        await propertyCheck(count: 200, input: cases) { column, order in
            let expected = column.gather(order)
            var shared = column
            shared.reorder(order)
            #expect(shared == expected)
            var unique = column.gather(Array(0..<column.count))
            unique.reorder(order)
            #expect(unique == expected)
            guard case .vectors(let a) = unique.storage, case .vectors(let b) = expected.storage else {
                Issue.record("reorder changed the storage")
                return
            }
            #expect(a.norms == b.norms)
            #expect(column == column.gather(Array(0..<column.count)), "the reordered copies left the original alone")
        }
    }
}
