import CairnVector
import PropertyBased
import Testing

@Suite struct TopKTests {
    /// A search split into parts (scan units), each screened with the scores of the parts before it:
    /// each part keeps at most k rows, and every row among the k smallest of all rows (ordered by
    /// score, NaN last, then part, then row, as the search breaks ties) survives its part's screen.
    @Test func partsScreenedAgainstEarlierPartsKeepTheOverallSmallest() async {
        let cases = Generator<([[Float]], Int), Shrink.None<([[Float]], Int)>> { rng in
            let parts = (0..<Int.random(in: 1...8, using: &rng)).map { _ in
                (0..<Int.random(in: 0...40, using: &rng)).map { _ -> Float in
                    switch Int.random(in: 0..<10, using: &rng) {
                    case 0: .nan
                    case 1, 2, 3: Float(Int.random(in: 0...5, using: &rng))  // many ties
                    default: Float.random(in: -10...10, using: &rng)
                    }
                }
            }
            return (parts, Int.random(in: 1...12, using: &rng))
        }
        await propertyCheck(count: 500, input: cases) { parts, k in
            var seen = TopK.Smallest(keep: k)
            var kept: Set<[Int]> = []
            for (p, scores) in parts.enumerated() {
                let rows = TopK.smallest(scores, keep: k, seen: &seen)
                #expect(rows.count <= k && rows == rows.sorted())
                for r in rows { kept.insert([p, r]) }
            }
            let all = parts.enumerated().flatMap { p, scores in
                scores.enumerated().map { (score: $1.isNaN ? Float.infinity : $1, part: p, row: $0) }
            }
            let winners = all.sorted { ($0.score, $0.part, $0.row) < ($1.score, $1.part, $1.row) }.prefix(k)
            for w in winners { #expect(kept.contains([w.part, w.row]), "part \(w.part) row \(w.row) score \(w.score)") }
        }
    }
}
