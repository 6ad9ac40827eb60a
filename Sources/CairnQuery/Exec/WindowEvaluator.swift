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
                let c = ValueOrder.compare(column[a], column[b], descending: w.descending[k], nullsFirst: w.nullsFirst[k])
                if c != 0 { return c }
            }
            return 0
        }
        // Partitions are told apart by the bytes GROUP BY compares (vectors included), and sorted by
        // those bytes: any order that keeps a partition's rows together serves.
        let partitionKeys: [[UInt8]] = partition.isEmpty ? [] : (0..<n).map { i in
            var key: [UInt8] = []
            for column in partition { ValueKey.append(column[i], to: &key) }
            return key
        }
        func samePartition(_ a: Int, _ b: Int) -> Bool { partitionKeys.isEmpty || partitionKeys[a] == partitionKeys[b] }
        var sorted = Array(0..<n)
        sorted.sort { a, b in
            if !partitionKeys.isEmpty, partitionKeys[a] != partitionKeys[b] {
                return partitionKeys[a].lexicographicallyPrecedes(partitionKeys[b])
            }
            let c = orderCompare(a, b)
            return c != 0 ? c < 0 : a < b
        }

        var out = [Value](repeating: .null, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n, samePartition(sorted[start], sorted[end]) { end += 1 }
            if evaluator.context.isCancelled() { throw CairnError(.cancelled, "statement cancelled") }
            try fill(w, Array(sorted[start..<end]), args, order.first, orderCompare, evaluator.context, &out)
            start = end
        }
        return ColumnVector.from(out, type: w.type)
    }

    /// Fills `out` for the rows of one partition (`rows`, in window order).
    private static func fill(_ w: WindowSpec, _ rows: [Int], _ args: [[Value]], _ orderKey: [Value]?, _ orderCompare: (Int, Int) -> Int,
                             _ context: QueryContext, _ out: inout [Value]) throws(CairnError) {
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
            let offset = Int(clamping: args.count > 1 ? (args[1].first?.intValue ?? 1) : 1)
            for i in 0..<m {
                // Offsets beyond the partition (up to Int64.max) point outside it, without overflow.
                let j = w.function == .lag ? (offset > i ? -1 : i - offset) : (offset >= m - i ? m : i + offset)
                out[rows[i]] = (0..<m).contains(j) ? args[0][rows[j]] : (args.count > 2 ? args[2][rows[i]] : .null)
            }
        case .firstValue, .lastValue, .nthValue, .aggregate:
            var frames = (0..<m).map { frame(w.frame, $0, m, peerStart, peerEnd) }
            if w.startOffset != nil || w.endOffset != nil, let orderKey {
                try rangeFrames(w, rows.map { orderKey[$0] }, peerStart, peerEnd, &frames)
            }
            try fillFramed(w, rows, args, frames, context, &out)
        }
    }

    /// Replaces the ends of `frames` that a RANGE offset bounds: the first row whose ORDER BY value
    /// is not before (start) or the first that is after (end) the current row's value moved by the
    /// offset, backward for PRECEDING and forward for FOLLOWING in the window's order. A row whose
    /// value is NULL has its NULL peers as those ends; other rows never reach NULLs.
    private static func rangeFrames(_ w: WindowSpec, _ keys: [Value], _ peerStart: [Int], _ peerEnd: [Int],
                                    _ frames: inout [Range<Int>]) throws(CairnError) {
        let descending = w.descending.first ?? false
        // Values as numbers: timestamps and dates as microseconds, in ascending order of the window.
        func number(_ v: Value) -> Double? {
            switch v {
            case .int(let i): Double(i)
            case .double(let d): d
            case .timestamp(let t): Double(t)
            case .date(let d): Calendar.micros(days: Int64(d)).map(Double.init)
            default: nil
            }
        }
        let numbers = keys.map(number)
        guard let first = numbers.firstIndex(where: { $0 != nil }), let last = numbers.lastIndex(where: { $0 != nil }) else { return }
        let nonNull = first..<(last + 1)
        func target(_ v: Value, _ offset: Value, backward: Bool) -> Double? {
            let down = backward != descending   // toward smaller values
            if case .interval(let m, let d, let us) = offset {
                let micros: Int64?
                switch v {
                case .timestamp(let t): micros = t
                case .date(let day): micros = Calendar.micros(days: Int64(day))
                default: micros = nil
                }
                guard let micros else { return nil }
                let sign: Int32 = down ? -1 : 1
                // Past the calendar's range, every row is within the offset.
                return Calendar.add(micros: micros, months: sign * m, days: sign * d, micros: Int64(sign) * us).map(Double.init)
                    ?? (down ? -.infinity : .infinity)
            }
            guard let x = number(v), let o = offset.doubleValue else { return nil }
            return down ? x - o : x + o
        }
        // The first position in the non-NULL rows at which `passed` starts to hold (it holds from there on).
        func firstPosition(_ passed: (Double) -> Bool) -> Int {
            var lo = nonNull.lowerBound, hi = nonNull.upperBound
            while lo < hi {
                let mid = (lo + hi) / 2
                if let x = numbers[mid], passed(x) { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
        for i in frames.indices {
            var lo = frames[i].lowerBound, hi = frames[i].upperBound
            for (isEnd, bound, offset) in [(false, w.frame.start, w.startOffset), (true, w.frame.end, w.endOffset)] {
                guard let offset else { continue }
                guard numbers[i] != nil else {
                    if isEnd { hi = peerEnd[i] } else { lo = peerStart[i] }
                    continue
                }
                let backward: Bool
                switch bound {
                case .preceding, .precedingValue: backward = true
                default: backward = false
                }
                guard let t = target(keys[i], offset, backward: backward) else { continue }
                // In the window's order, "not before t" is ≥ t ascending and ≤ t descending.
                if isEnd {
                    hi = firstPosition { descending ? $0 < t : $0 > t }
                } else {
                    lo = firstPosition { descending ? $0 <= t : $0 >= t }
                }
            }
            frames[i] = lo < hi ? lo..<hi : lo..<lo
        }
    }

    /// The row positions `[lo, hi)` of row `i`'s frame within a partition of `m` rows; offsets are
    /// clamped to the partition (any Int), and a frame that ends before it starts is empty.
    private static func frame(_ f: WindowFrame, _ i: Int, _ m: Int, _ peerStart: [Int], _ peerEnd: [Int]) -> Range<Int> {
        func position(_ bound: WindowFrame.Bound, end: Bool) -> Int {
            let past = end ? 1 : 0
            switch bound {
            case .unboundedPreceding: return 0
            case .unboundedFollowing: return m
            case .currentRow: return f.rows ? i + past : (end ? peerEnd[i] : peerStart[i])
            case .preceding(let k): return k > i + past ? 0 : i + past - k
            case .following(let k): return k >= m - i - past ? m : i + past + k
            case .precedingValue, .followingValue: return end ? m : 0   // RANGE offsets: placed by rangeFrames
            }
        }
        let lo = position(f.start, end: false), hi = position(f.end, end: true)
        return lo < hi ? lo..<hi : lo..<lo
    }

    /// first_value, last_value and aggregates over each row's frame. Frames that start at the
    /// partition's first row (or end at its last) grow (or shrink) by one row at a time: running
    /// totals from that end serve every row. Other frames are summed row by row.
    private static func fillFramed(_ w: WindowSpec, _ rows: [Int], _ args: [[Value]], _ frames: [Range<Int>],
                                   _ context: QueryContext, _ out: inout [Value]) throws(CairnError) {
        let m = rows.count
        let xs: [Value] = args.first.map { column in rows.map { column[$0] } } ?? []
        guard case .aggregate(let kind) = w.function else {
            for i in 0..<m where !frames[i].isEmpty {
                switch w.function {
                case .firstValue: out[rows[i]] = xs[frames[i].lowerBound]
                case .nthValue(let k): if k <= frames[i].count { out[rows[i]] = xs[frames[i].lowerBound + k - 1] }
                default: out[rows[i]] = xs[frames[i].upperBound - 1]
                }
            }
            return
        }
        let value: (Int) -> Value = kind == .countStar ? { _ in .int(1) } : { xs[$0] }
        if w.frame.start == .unboundedPreceding || w.frame.end == .unboundedFollowing {
            // Running totals over positions 0..<j (prefix) or j..<m (suffix).
            let prefix = w.frame.start == .unboundedPreceding
            var totals = [FrameTotal](repeating: FrameTotal(), count: m + 1)
            for step in 0..<m {
                let j = prefix ? step : m - 1 - step
                var t = totals[prefix ? j : j + 1]
                t.add(value(j), kind)
                totals[prefix ? j + 1 : j] = t
            }
            for i in 0..<m {
                let r = frames[i]
                out[rows[i]] = try r.isEmpty ? FrameTotal().result(kind) : totals[prefix ? r.upperBound : r.lowerBound].result(kind)
            }
        } else if kind == .count || kind == .countStar || ((kind == .sum || kind == .avg) && xs.allSatisfy({ $0.isNull || $0.intValue != nil })) {
            // Counts and integer sums are exact as differences of running totals, so any frame costs
            // the same (a sliding hour over a long partition included).
            var counts = [Int](repeating: 0, count: m + 1), sums = [Int128](repeating: 0, count: m + 1)
            for j in 0..<m {
                let v = value(j)
                counts[j + 1] = counts[j] + (v.isNull ? 0 : 1)
                sums[j + 1] = sums[j] + Int128(v.intValue ?? 0)
            }
            for i in 0..<m {
                let r = frames[i]
                var t = FrameTotal()
                t.count = counts[r.upperBound] - counts[r.lowerBound]
                t.integers = sums[r.upperBound] - sums[r.lowerBound]
                t.isInteger = true
                out[rows[i]] = try t.result(kind)
            }
        } else {
            for i in 0..<m {
                // Frames bounded at both ends cost their length each: wide ones over many rows take a while.
                if i % 1024 == 0, context.isCancelled() { throw CairnError(.cancelled, "statement cancelled") }
                var t = FrameTotal()
                for j in frames[i] { t.add(value(j), kind) }
                out[rows[i]] = try t.result(kind)
            }
        }
    }

}

/// The running state of a window aggregate: count, exact integer sum (128 bits, so it cannot
/// overflow), compensated DOUBLE sum, and the best value for min/max.
private struct FrameTotal {
    var count = 0
    var integers: Int128 = 0
    var isInteger = false
    var doubles = CompensatedSum()
    var best = Value.null

    mutating func add(_ x: Value, _ kind: AggregateKind) {
        guard !x.isNull else { return }
        count += 1
        switch kind {
        case .sum, .avg:
            if case .int(let v) = x {
                integers += Int128(v)
                isInteger = true
            } else if let d = x.doubleValue {
                doubles.add(d)
            }
        case .min, .max:
            if best.isNull { best = x; return }
            let c = ValueOrder.compare(x, best)
            if kind == .min ? c < 0 : c > 0 { best = x }
        default:
            break
        }
    }

    func result(_ kind: AggregateKind) throws(CairnError) -> Value {
        switch kind {
        case .countStar, .count: return .int(Int64(count))
        case .min, .max: return best
        case .sum, .avg:
            guard count > 0 else { return .null }
            let total = isInteger ? Double(integers) : doubles.value
            if kind == .avg { return .double(total / Double(count)) }
            guard isInteger else { return .double(total) }
            guard let sum = Int64(exactly: integers) else { throw CairnError(.invalidInput, "sum \(integers) is out of the BIGINT range") }
            return .int(sum)
        default:
            return .null
        }
    }
}
