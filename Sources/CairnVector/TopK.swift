import HeapModule

/// Selection of the k smallest scores with a bounded max-heap: O(n log k), no full sort.
package enum TopK {
    private struct Candidate: Comparable {
        var score: Float
        var row: Int
        static func < (a: Candidate, b: Candidate) -> Bool { a.score != b.score ? a.score < b.score : a.row < b.row }
    }

    /// Row indices of the `keep` smallest scores among rows `validity` marks valid (all when nil),
    /// ascending by row. NaN scores rank after every number (as PostgreSQL sorts NaN).
    package static func smallest(_ scores: [Float], keep: Int, validity: [Bool]? = nil, rows: [Int]? = nil) -> [Int] {
        guard keep > 0 else { return [] }
        var heap = Heap<Candidate>()
        heap.reserveCapacity(min(keep + 1, scores.count))
        func offer(_ i: Int, _ row: Int) {
            if let validity, !validity[row] { return }
            let s = scores[i].isNaN ? Float.infinity : scores[i]
            if heap.count < keep {
                heap.insert(Candidate(score: s, row: row))
            } else if let worst = heap.max, Candidate(score: s, row: row) < worst {
                heap.replaceMax(with: Candidate(score: s, row: row))
            }
        }
        if let rows {
            for (i, r) in rows.enumerated() { offer(i, r) }
        } else {
            for i in scores.indices { offer(i, i) }
        }
        return heap.unordered.map(\.row).sorted()
    }
}
