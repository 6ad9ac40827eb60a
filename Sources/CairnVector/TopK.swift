import HeapModule

/// Selection of the k smallest scores with a bounded max-heap: O(n log k), no full sort.
package enum TopK {
    private struct Candidate: Comparable {
        var score: Float
        var row: Int
        static func < (a: Candidate, b: Candidate) -> Bool { a.score != b.score ? a.score < b.score : a.row < b.row }
    }

    /// The `keep` smallest (score, row) pairs of those offered; ties go to the smaller row, NaN ranks
    /// after every number (as PostgreSQL sorts NaN).
    package struct Smallest {
        private let keep: Int
        private var heap = Heap<Candidate>()
        /// The score a row must not exceed to be kept: infinity until `keep` rows are kept.
        package private(set) var threshold: Float

        package init(keep: Int) {
            self.keep = keep
            threshold = keep > 0 ? .infinity : -.infinity
        }

        package mutating func offer(score: Float, row: Int) {
            guard keep > 0 else { return }
            let c = Candidate(score: score.isNaN ? .infinity : score, row: row)
            if heap.count < keep {
                heap.insert(c)
            } else if let worst = heap.max, c < worst {
                heap.replaceMax(with: c)
            } else {
                return
            }
            if heap.count == keep, let worst = heap.max { threshold = worst.score }
        }

        /// The kept rows, ascending.
        package var rows: [Int] { heap.unordered.map(\.row).sorted() }
    }

    /// Row indices of the `keep` smallest scores among rows `validity` marks valid (all when nil),
    /// ascending by row.
    package static func smallest(_ scores: [Float], keep: Int, validity: [Bool]? = nil, rows: [Int]? = nil) -> [Int] {
        guard keep > 0 else { return [] }
        var best = Smallest(keep: keep)
        if let rows {
            for (i, r) in rows.enumerated() where validity?[r] ?? true { best.offer(score: scores[i], row: r) }
        } else {
            for i in scores.indices where validity?[i] ?? true { best.offer(score: scores[i], row: i) }
        }
        return best.rows
    }
}
