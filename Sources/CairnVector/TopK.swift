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
            // Most rows of a long scan lose to the kept ones: one comparison, no heap access (NaN goes on).
            guard keep > 0, !(score > threshold) else { return }
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
    /// ascending by row. `scores[i]` belongs to row `rows[i]` (to row `i` when nil).
    package static func smallest(_ scores: [Float], keep: Int, validity: [Bool]? = nil, rows: [Int]? = nil) -> [Int] {
        var seen = Smallest(keep: keep)
        return smallest(scores, keep: keep, validity: validity, rows: rows, seen: &seen)
    }

    /// ``smallest(_:keep:validity:rows:)`` for one of several parts of a search: `seen` holds the
    /// `keep` smallest scores of the parts before, and a row scoring above all of them is not returned
    /// (it cannot be among the `keep` smallest overall); the rows returned are offered to `seen`.
    package static func smallest(_ scores: [Float], keep: Int, validity: [Bool]? = nil, rows: [Int]? = nil,
                                 seen: inout Smallest) -> [Int] {
        guard keep > 0 else { return [] }
        var best = Smallest(keep: keep)
        for i in scores.indices where !(scores[i] > seen.threshold) {
            let row = rows?[i] ?? i
            guard validity?[row] ?? true else { continue }
            best.offer(score: scores[i], row: row)
            seen.offer(score: scores[i], row: row)
        }
        return best.rows
    }
}
