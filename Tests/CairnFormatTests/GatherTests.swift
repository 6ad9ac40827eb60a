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
}
