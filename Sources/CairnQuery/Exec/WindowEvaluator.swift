import CairnFormat
import CairnSQL

/// Computes one window function over all the rows of a query (its filtered rows, or its groups
/// after HAVING): rows are sorted by partition, then by the window's ORDER BY, then by input
/// position, and each partition is walked once. Frames follow DuckDB: without ORDER BY the whole
/// partition, with it `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW` (the current row's peers
/// included), or what `ROWS|RANGE BETWEEN …` says.
enum WindowEvaluator {
    static func evaluate(_ w: WindowSpec, _ rows: Batch, _ evaluator: Evaluator) throws(CairnError) -> ColumnVector {
        let n = rows.count
        func values(_ exprs: [BoundExpr]) throws(CairnError) -> [[Value]] {
            var out: [[Value]] = []
            for e in exprs { out.append(try evaluator.evaluate(e, rows).values(type: e.type)) }
            return out
        }
        let partition = try values(w.partitionBy), order = try values(w.orderBy), args = try values(w.arguments)

        func orderCompare(_ a: Int, _ b: Int) -> Int {
            for (k, column) in order.enumerated() {
                let x = column[a], y = column[b]
                if x.isNull || y.isNull {
                    if x.isNull && y.isNull { continue }
                    return x.isNull == w.nullsFirst[k] ? -1 : 1
                }
                let c = ValueOrder.compare(x, y)
                if c != 0 { return w.descending[k] ? -c : c }
            }
            return 0
        }
        func samePartition(_ a: Int, _ b: Int) -> Bool { partition.allSatisfy { ValueOrder.compare($0[a], $0[b]) == 0 } }
        var sorted = Array(0..<n)
        sorted.sort { a, b in
            for column in partition {
                let c = ValueOrder.compare(column[a], column[b])
                if c != 0 { return c < 0 }
            }
            let c = orderCompare(a, b)
            return c != 0 ? c < 0 : a < b
        }

        var out = [Value](repeating: .null, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n, samePartition(sorted[start], sorted[end]) { end += 1 }
            try fill(w, Array(sorted[start..<end]), args, orderCompare, &out)
            start = end
        }
        return ColumnVector.from(out, type: w.type)
    }

    /// Fills `out` for the rows of one partition (`rows`, in window order).
    private static func fill(_ w: WindowSpec, _ rows: [Int], _ args: [[Value]], _ orderCompare: (Int, Int) -> Int,
                             _ out: inout [Value]) throws(CairnError) {
        let m = rows.count
        // The range of positions of each row's peers (rows equal in every ORDER BY value).
        var peerStart = [Int](repeating: 0, count: m), peerEnd = [Int](repeating: m, count: m)
        var groupStart = 0
        for i in 1...m {
            if i == m || orderCompare(rows[i - 1], rows[i]) != 0 {
                for j in groupStart..<i { peerStart[j] = groupStart; peerEnd[j] = i }
                groupStart = i
            }
        }
        switch w.function {
        case .rowNumber:
            for i in 0..<m { out[rows[i]] = .int(Int64(i + 1)) }
        case .rank:
            for i in 0..<m { out[rows[i]] = .int(Int64(peerStart[i] + 1)) }
        case .denseRank:
            var rank: Int64 = 0
            for i in 0..<m {
                if peerStart[i] == i { rank += 1 }
                out[rows[i]] = .int(rank)
            }
        case .percentRank:
            for i in 0..<m { out[rows[i]] = .double(m > 1 ? Double(peerStart[i]) / Double(m - 1) : 0) }
        case .cumeDist:
            for i in 0..<m { out[rows[i]] = .double(Double(peerEnd[i]) / Double(m)) }
        case .ntile:
            for i in 0..<m {
                guard case .int(let buckets) = args[0][rows[i]] else { continue }
                guard buckets > 0 else { throw CairnError(.invalidInput, "ntile needs a positive number of buckets, got \(buckets)") }
                // DuckDB's (and PostgreSQL's) split: the first m % buckets buckets hold one row more.
                let b = Int(min(buckets, Int64(m))), size = m / b, extra = m % b
                let bucket = i < (size + 1) * extra ? i / (size + 1) : extra + (i - (size + 1) * extra) / size
                out[rows[i]] = .int(Int64(bucket + 1))
            }
        case .lag, .lead:
            let offset = args.count > 1 ? (args[1].first?.intValue ?? 1) : 1
            for i in 0..<m {
                let j = w.function == .lag ? i - Int(clamping: offset) : i + Int(clamping: offset)
                out[rows[i]] = (0..<m).contains(j) ? args[0][rows[j]] : (args.count > 2 ? args[2][rows[i]] : .null)
            }
        case .firstValue, .lastValue, .aggregate:
            try fillFramed(w, rows, args, peerStart, peerEnd, &out)
        }
    }

    /// The row positions `[lo, hi)` of row `i`'s frame within a partition of `m` rows.
    private static func frame(_ f: WindowFrame, _ i: Int, _ m: Int, _ peerStart: [Int], _ peerEnd: [Int]) -> Range<Int> {
        func position(_ bound: WindowFrame.Bound, end: Bool) -> Int {
            switch bound {
            case .unboundedPreceding: return 0
            case .unboundedFollowing: return m
            case .currentRow: return f.rows ? (end ? i + 1 : i) : (end ? peerEnd[i] : peerStart[i])
            case .preceding(let k): return min(m, max(0, i - k + (end ? 1 : 0)))
            case .following(let k): return min(m, max(0, i + k + (end ? 1 : 0)))
            }
        }
        let lo = position(f.start, end: false), hi = position(f.end, end: true)
        return lo < hi ? lo..<hi : lo..<lo
    }

    private static func fillFramed(_ w: WindowSpec, _ rows: [Int], _ args: [[Value]], _ peerStart: [Int], _ peerEnd: [Int],
                                   _ out: inout [Value]) throws(CairnError) {
        let m = rows.count
        let xs: [Value] = args.first.map { column in rows.map { column[$0] } } ?? []
        // Frames that start at the partition's first row are prefixes: running totals serve every row.
        let prefixes = w.frame.start == .unboundedPreceding
        var count = [Int](repeating: 0, count: prefixes ? m + 1 : 0)
        var intSum = [Int64](repeating: 0, count: prefixes ? m + 1 : 0)
        var doubleSum = [Double](repeating: 0, count: prefixes ? m + 1 : 0)
        var best = [Value](repeating: .null, count: prefixes ? m + 1 : 0)
        if prefixes, case .aggregate(let kind) = w.function {
            for j in 0..<m {
                let x = kind == .countStar ? Value.int(1) : xs[j]
                count[j + 1] = count[j] + (x.isNull ? 0 : 1)
                intSum[j + 1] = intSum[j]
                doubleSum[j + 1] = doubleSum[j]
                best[j + 1] = best[j]
                guard !x.isNull else { continue }
                if case .int(let v) = x {
                    let (s, overflow) = intSum[j].addingReportingOverflow(v)
                    if overflow, kind == .sum, w.type == .bigint { throw CairnError(.invalidInput, "sum is out of the BIGINT range") }
                    intSum[j + 1] = s
                }
                doubleSum[j + 1] = doubleSum[j] + (x.doubleValue ?? 0)
                if kind == .min || kind == .max, better(x, than: best[j], kind) { best[j + 1] = x }
            }
        }
        for i in 0..<m {
            let r = frame(w.frame, i, m, peerStart, peerEnd)
            switch w.function {
            case .firstValue: out[rows[i]] = r.isEmpty ? .null : xs[r.lowerBound]
            case .lastValue: out[rows[i]] = r.isEmpty ? .null : xs[r.upperBound - 1]
            case .aggregate(let kind):
                if prefixes {
                    let hi = r.upperBound, c = count[hi]
                    switch kind {
                    case .countStar, .count: out[rows[i]] = .int(Int64(c))
                    case .sum: out[rows[i]] = c == 0 ? .null : (w.type == .bigint ? .int(intSum[hi]) : .double(doubleSum[hi]))
                    case .avg: out[rows[i]] = c == 0 ? .null : .double(w.arguments.first?.type.isInteger == true ? Double(intSum[hi]) / Double(c) : doubleSum[hi] / Double(c))
                    default: out[rows[i]] = best[hi]
                    }
                } else {
                    out[rows[i]] = try aggregate(kind, r.map { kind == .countStar ? .int(1) : xs[$0] }, integer: w.type == .bigint)
                }
            default: break
            }
        }
    }

    /// An aggregate over one frame's values, summed in frame order.
    private static func aggregate(_ kind: AggregateKind, _ values: [Value], integer: Bool) throws(CairnError) -> Value {
        let present = values.filter { !$0.isNull }
        switch kind {
        case .countStar, .count: return .int(Int64(present.count))
        case .sum, .avg:
            guard !present.isEmpty else { return .null }
            if kind == .sum, integer {
                var s: Int64 = 0
                for v in present {
                    let (t, overflow) = s.addingReportingOverflow(v.intValue ?? 0)
                    if overflow { throw CairnError(.invalidInput, "sum is out of the BIGINT range") }
                    s = t
                }
                return .int(s)
            }
            let s = present.reduce(0.0) { $0 + ($1.doubleValue ?? 0) }
            return .double(kind == .sum ? s : s / Double(present.count))
        default:
            guard var b = present.first else { return .null }
            for v in present.dropFirst() where better(v, than: b, kind) { b = v }
            return b
        }
    }

    /// Whether `x` replaces `current` (NULL: none yet) as the frame's min or max.
    private static func better(_ x: Value, than current: Value, _ kind: AggregateKind) -> Bool {
        if current.isNull { return true }
        let c = ValueOrder.compare(x, current)
        return kind == .min ? c < 0 : c > 0
    }
}
