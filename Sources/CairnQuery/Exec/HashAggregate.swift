import CairnFormat

/// Key → group-number lookup structures of an ``AggregateTable``. A value type, so hot loops run
/// on a local copy instead of paying exclusivity checks on class properties per row.
struct GroupIndex {
    /// Composite (or floating-point) keys, serialized; group number = table index.
    var composite = BytesGroupTable()
    /// A single integer-like key: table index → group number (the NULL group is kept apart).
    var ints = IntGroupTable()
    var intGroups: [Int] = []
    /// A single string key, hashed straight from the column's bytes: table index → group number.
    var strings = BytesGroupTable()
    var stringGroups: [Int] = []
    var nullGroup: Int?
}

/// Hash aggregation state for one worker: groups found so far and one accumulator per aggregate.
///
/// Invariant: `keys.count == groupCount` and every accumulator holds `groupCount` states.
final class AggregateTable {
    let keyTypes: [ColumnType]
    let specs: [AggregateSpec]
    private var index = GroupIndex()
    private(set) var keys: [[Value]] = []
    var accumulators: [Accumulator]
    private enum KeyShape { case none, singleInt, singleString, composite }
    private let shape: KeyShape

    init(keyTypes: [ColumnType], specs: [AggregateSpec]) {
        self.keyTypes = keyTypes
        self.specs = specs
        accumulators = specs.map { Accumulator($0) }
        if keyTypes.isEmpty { shape = .none }
        else if keyTypes.count == 1 && keyTypes[0].physical == .int64 { shape = .singleInt }
        else if keyTypes.count == 1 && keyTypes[0].physical == .bytes { shape = .singleString }
        else { shape = .composite }
        if keyTypes.isEmpty { addGroup([]) }
    }

    var groupCount: Int { keys.count }

    private func addGroup(_ values: [Value]) {
        keys.append(values)
        for a in accumulators { a.addGroup() }
    }

    /// Group index of every row of a batch whose key columns are `keyVectors`.
    func assignGroups(_ keyVectors: [ColumnVector], count n: Int) -> [Int] {
        if shape == .none { return [Int](repeating: 0, count: n) }
        var ix = index
        index = GroupIndex()
        var newKeys: [[Value]] = []
        let base = keys.count
        var groups = [Int](repeating: 0, count: n)
        let type = keyTypes[0]
        groups.withUnsafeMutableBufferPointer { out in
            switch (shape, keyVectors[0].storage) {
            case (.singleInt, .int64(let a)):
                let v = keyVectors[0]
                a.withUnsafeBufferPointer { p in
                    for i in 0..<n {
                        if v.isNull(i) { out[i] = Self.nullGroup(&ix, base, &newKeys); continue }
                        let (t, inserted) = ix.ints.findOrInsert(p[i])
                        if inserted {
                            ix.intGroups.append(base + newKeys.count)
                            newKeys.append([ColumnVector(storage: .int64([p[i]])).value(at: 0, type: type)])
                        }
                        out[i] = ix.intGroups[t]
                    }
                }
            case (.singleString, .bytes(let b)) where keyVectors[0].dictionary != nil:
                // Each distinct string of the block is hashed once, at its first row.
                guard let dictionary = keyVectors[0].dictionary else { break }
                var codeGroups = [Int](repeating: -1, count: dictionary.size + 1)
                b.data.withUnsafeBufferPointer { d in
                    b.offsets.withUnsafeBufferPointer { o in
                        let strings = (data: d, offsets: o, type: type, nullCode: dictionary.size, base: base)
                        switch dictionary.codes {
                        case .narrow(let c):
                            c.withUnsafeBufferPointer { Self.groupByCode($0, strings, out, &codeGroups, &ix, &newKeys) }
                        case .wide(let c):
                            c.withUnsafeBufferPointer { Self.groupByCode($0, strings, out, &codeGroups, &ix, &newKeys) }
                        }
                    }
                }
            case (.singleString, .bytes(let b)):
                let v = keyVectors[0]
                b.data.withUnsafeBufferPointer { d in
                    b.offsets.withUnsafeBufferPointer { o in
                        for i in 0..<n {
                            if v.isNull(i) { out[i] = Self.nullGroup(&ix, base, &newKeys); continue }
                            out[i] = Self.stringGroup(&ix, UnsafeBufferPointer(rebasing: d[o[i]..<o[i + 1]]), type, base, &newKeys)
                        }
                    }
                }
            default:
                var scratch: [UInt8] = []
                scratch.reserveCapacity(64)
                for i in 0..<n {
                    scratch.removeAll(keepingCapacity: true)
                    for v in keyVectors { Self.appendKey(v, i, &scratch) }
                    let (g, inserted) = scratch.withUnsafeBufferPointer { ix.composite.findOrInsert($0) }
                    if inserted { newKeys.append(keyVectors.enumerated().map { $1.value(at: i, type: keyTypes[$0]) }) }
                    out[i] = g
                }
            }
        }
        index = ix
        for k in newKeys { addGroup(k) }
        return groups
    }

    /// Groups rows by their dictionary code: each distinct string is looked up once, at its first row.
    /// A function of its own with `inout` state rather than a local function: one capturing `ix`
    /// boxed it, and every row of every group-by paid a run-time exclusivity check (Q8 of the events
    /// benchmark took 226 ms instead of 118).
    private static func groupByCode<C: FixedWidthInteger>(
        _ codes: UnsafeBufferPointer<C>,
        _ strings: (data: UnsafeBufferPointer<UInt8>, offsets: UnsafeBufferPointer<Int>, type: ColumnType, nullCode: Int, base: Int),
        _ out: UnsafeMutableBufferPointer<Int>, _ codeGroups: inout [Int], _ ix: inout GroupIndex, _ newKeys: inout [[Value]]
    ) {
        let (d, o) = (strings.data, strings.offsets)
        for i in 0..<out.count {
            let c = Int(codes[i])
            var g = codeGroups[c]
            if g < 0 {
                g = c == strings.nullCode ? nullGroup(&ix, strings.base, &newKeys)
                    : stringGroup(&ix, UnsafeBufferPointer(rebasing: d[o[i]..<o[i + 1]]), strings.type, strings.base, &newKeys)
                codeGroups[c] = g
            }
            out[i] = g
        }
    }

    @inline(__always)
    private static func stringGroup(_ ix: inout GroupIndex, _ key: UnsafeBufferPointer<UInt8>, _ type: ColumnType,
                                    _ base: Int, _ newKeys: inout [[Value]]) -> Int {
        let (t, inserted) = ix.strings.findOrInsert(key)
        if inserted {
            ix.stringGroups.append(base + newKeys.count)
            let text = String(decoding: key, as: UTF8.self)
            newKeys.append([type == .json ? .json(text) : .string(text)])
        }
        return ix.stringGroups[t]
    }

    private static func nullGroup(_ ix: inout GroupIndex, _ base: Int, _ newKeys: inout [[Value]]) -> Int {
        if let g = ix.nullGroup { return g }
        let g = base + newKeys.count
        ix.nullGroup = g
        newKeys.append([.null])
        return g
    }

    @inline(__always)
    static func appendKey(_ v: ColumnVector, _ i: Int, _ out: inout [UInt8]) {
        if v.isNull(i) { out.append(0); return }
        out.append(1)
        switch v.storage {
        case .int64(let a): withUnsafeBytes(of: a[i].littleEndian) { out.append(contentsOf: $0) }
        case .float64(let a):
            let d = a[i] == 0 ? 0.0 : a[i]   // -0.0 groups with 0.0
            withUnsafeBytes(of: d.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        case .bytes(let b):
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: b.length(at: i)).littleEndian) { out.append(contentsOf: $0) }
            b.withBytes(at: i) { out.append(contentsOf: $0) }
        case .vectors(let a):
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: a.dimension).littleEndian) { out.append(contentsOf: $0) }
            a.withRow(i) { row in row.withMemoryRebound(to: UInt8.self) { out.append(contentsOf: $0) } }
        }
    }

    /// Folds another worker's table into this one.
    func merge(_ other: AggregateTable) {
        var map: [Int] = []
        map.reserveCapacity(other.groupCount)
        for g2 in 0..<other.groupCount {
            // Each of the other table's keys is looked up as a one-row batch.
            let g1 = shape == .none ? 0
                : assignGroups(keyTypes.enumerated().map { ColumnVector.from([other.keys[g2][$0.offset]], type: $0.element) }, count: 1)[0]
            for (a1, a2) in zip(accumulators, other.accumulators) { a1.merge(g1, from: a2, group: g2) }
            map.append(g1)
        }
        for (a1, a2) in zip(accumulators, other.accumulators) { a1.mergeDistinct(from: a2, map: map) }
    }
}

/// The running state of one aggregate over all groups, columnar by group.
final class Accumulator {
    let spec: AggregateSpec
    private var counts: [Int64] = []
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    /// DOUBLE sums (sum, avg).
    private var sums: [CompensatedSum] = []
    private var seen: [Bool] = []
    private var values: [Value] = []
    private var lists: [[Double]] = []
    private var strings: [[String]] = []
    /// string_agg(… ORDER BY …): each group's values with their sort keys.
    private var keyedStrings: [[(key: Value, text: String)]] = []
    /// mode: each group's values and how often each was seen.
    private var frequencies: [[Value: Int]] = []
    /// DISTINCT state of all groups in one table, keyed by (group number, value).
    private var distinctPairs = BytesGroupTable()
    private var distinctCounts: [Int64] = []
    private var distinctSums: [Int: (Int128, Double)]?
    /// Exact integer sums: 128 bits cannot overflow from adding Int64s, so parallel partial sums
    /// merge safely (DuckDB sums BIGINT into HUGEINT the same way).
    private var wide: [Int128] = []
    /// Welford's running mean and sum of squared deviations, for stddev/variance.
    private var means: [Double] = []
    private var m2: [Double] = []
    private var hll: [HyperLogLog] = []
    /// arg_max/arg_min, and first/last/any_value(… ORDER BY key): the compared value or key of the
    /// row whose argument `values` holds.
    private var byValues: [Value] = []
    /// Third and fourth central moment sums (skewness, kurtosis), updated with `means` and `m2`.
    private var m3: [Double] = []
    private var m4: [Double] = []
    /// Two-argument statistics: the x mean and squared deviations (y uses `means` and `m2`) and the co-moment.
    private var meansX: [Double] = []
    private var m2x: [Double] = []
    private var coMoments: [Double] = []

    init(_ spec: AggregateSpec) { self.spec = spec }

    private var argPhysical: PhysicalType { spec.argument?.type.physical ?? .int64 }

    /// Whether DISTINCT values must also feed the ordinary state (count and sum/avg use the pairs).
    private var needsValues: Bool {
        switch spec.kind {
        case .count, .countStar, .approxCountDistinct, .sum, .avg: false
        default: true
        }
    }

    func addGroup() {
        counts.append(0)
        seen.append(false)
        switch spec.kind {
        case .sum, .min, .max, .avg, .first, .last, .boolAnd, .boolOr, .bitAnd, .bitOr, .bitXor, .stddevSamp, .varSamp, .stddevPop, .varPop:
            ints.append(0); doubles.append(0); sums.append(CompensatedSum()); values.append(.null); wide.append(0); means.append(0); m2.append(0)
        case .quantileCont, .quantileDisc: lists.append([])
        case .stringAgg: strings.append([]); keyedStrings.append([])
        case .approxCountDistinct: hll.append(HyperLogLog())
        case .argMax, .argMin: values.append(.null); byValues.append(.null)
        case .mode, .entropy: frequencies.append([:])
        case .countStar, .count: break
        case .anyValue: values.append(.null)
        case .product: doubles.append(1)
        case .skewness, .kurtosis, .kurtosisPop: means.append(0); m2.append(0); m3.append(0); m4.append(0)
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrCount, .regrAvgX, .regrAvgY,
             .regrSXX, .regrSYY, .regrSXY:
            means.append(0); m2.append(0); meansX.append(0); m2x.append(0); coMoments.append(0)
        }
        if spec.kind == .first || spec.kind == .last || spec.kind == .anyValue { byValues.append(.null) }
        if spec.distinct { distinctCounts.append(0) }
    }

    /// Adds rows of `arg` (nil for count(*)) to their groups; `by` is arg_max/arg_min's compared value.
    func update(_ groups: [Int], _ arg: ColumnVector?, by: ColumnVector? = nil, count n: Int) throws(CairnError) {
        if let arg, let by, spec.kind == .stringAgg, !spec.distinct, case .bytes(let b) = arg.storage {
            let byType = spec.by?.type ?? .bigint
            for i in 0..<n where !arg.isNull(i) { keyedStrings[groups[i]].append((by.value(at: i, type: byType), b.string(at: i))) }
            return
        }
        if let arg, let by, spec.kind.isBivariate {
            guard case .float64(let ys) = arg.storage, case .float64(let xs) = by.storage else { return }
            for i in 0..<n where !arg.isNull(i) && !by.isNull(i) { addPair(groups[i], y: ys[i], x: xs[i]) }
            return
        }
        if let arg, let by, spec.kind == .first || spec.kind == .last || spec.kind == .anyValue {
            let t = spec.argument?.type ?? .bigint, byType = spec.by?.type ?? .bigint
            for i in 0..<n where spec.kind != .anyValue || !arg.isNull(i) {
                offerInOrder(groups[i], arg.value(at: i, type: t), key: by.value(at: i, type: byType))
            }
            return
        }
        if let arg, !spec.distinct, spec.kind == .first || spec.kind == .last {
            // NULLs count: first and last are the values of the first and last rows.
            let t = spec.argument?.type ?? .bigint
            for i in 0..<n where spec.kind == .last || !seen[groups[i]] {
                values[groups[i]] = arg.value(at: i, type: t)
                seen[groups[i]] = true
            }
            return
        }
        if let arg, let by, spec.kind == .argMax || spec.kind == .argMin {
            // Rows where either is NULL are skipped, as DuckDB does; the first of equal rows wins.
            let t = spec.argument?.type ?? .bigint, byType = spec.by?.type ?? .bigint
            for i in 0..<n where !arg.isNull(i) && !by.isNull(i) {
                offer(groups[i], arg.value(at: i, type: t), by: by.value(at: i, type: byType))
            }
            return
        }
        // Hot loops work on local arrays: per-row access to class properties costs exclusivity checks.
        guard let arg else {
            var c = counts
            counts = []
            for g in groups { c[g] += 1 }
            counts = c
            return
        }
        if spec.distinct {
            var key: [UInt8] = []
            key.reserveCapacity(32)
            for i in 0..<n where !arg.isNull(i) {
                key.removeAll(keepingCapacity: true)
                withUnsafeBytes(of: UInt64(groups[i]).littleEndian) { key.append(contentsOf: $0) }
                AggregateTable.appendKey(arg, i, &key)
                let (_, inserted) = key.withUnsafeBufferPointer { distinctPairs.findOrInsert($0) }
                if inserted {
                    distinctCounts[groups[i]] += 1
                    if needsValues { try add(groups[i], arg, i) }
                }
            }
            return
        }
        let valid = arg.validity
        switch (spec.kind, arg.storage) {
        case (.count, _):
            var c = counts
            counts = []
            if let v = valid { for i in 0..<n where v[i] { c[groups[i]] += 1 } }
            else { for g in groups { c[g] += 1 } }
            counts = c
        case (.sum, .int64(let a)), (.avg, .int64(let a)):
            var c = counts, sums = wide
            counts = []; wide = []
            for i in 0..<n where valid?[i] ?? true {
                sums[groups[i]] += Int128(a[i])
                c[groups[i]] += 1
            }
            counts = c; wide = sums
        case (.sum, .float64(let a)), (.avg, .float64(let a)):
            var c = counts, s = sums
            counts = []; sums = []
            for i in 0..<n where valid?[i] ?? true {
                s[groups[i]].add(a[i])
                c[groups[i]] += 1
            }
            counts = c; sums = s
        case (.min, .int64(let a)), (.max, .int64(let a)):
            let isMin = spec.kind == .min
            var best = ints, any = seen
            ints = []; seen = []
            for i in 0..<n where valid?[i] ?? true {
                let g = groups[i]
                if !any[g] || (isMin ? a[i] < best[g] : a[i] > best[g]) { best[g] = a[i]; any[g] = true }
            }
            ints = best; seen = any
        case (.min, .float64(let a)), (.max, .float64(let a)):
            let op: CompareOp = spec.kind == .min ? .lt : .gt
            var best = doubles, any = seen
            doubles = []; seen = []
            for i in 0..<n where valid?[i] ?? true {
                let g = groups[i]
                if !any[g] || Comparison.doubleTest(op, a[i], best[g]) { best[g] = a[i]; any[g] = true }
            }
            doubles = best; seen = any
        default:
            for i in 0..<n where !arg.isNull(i) { try add(groups[i], arg, i) }
        }
    }

    /// first/any_value(… ORDER BY key) keep the earliest row of the first key in that order, last
    /// the latest row of the last key: what a stable sort of the rows would put first or last.
    private func offerInOrder(_ g: Int, _ value: Value, key: Value) {
        if seen[g] {
            let c = ValueOrder.compare(key, byValues[g], descending: spec.descending, nullsFirst: spec.nullsFirst ?? false)
            guard spec.kind == .last ? c >= 0 : c < 0 else { return }
        }
        values[g] = value
        byValues[g] = key
        seen[g] = true
    }

    /// arg_max/arg_min: keeps `value` for group `g` if `key` beats the group's best so far.
    private func offer(_ g: Int, _ value: Value, by key: Value) {
        if seen[g] {
            let c = ValueOrder.compare(key, byValues[g])
            guard spec.kind == .argMax ? c > 0 : c < 0 else { return }
        }
        values[g] = value
        byValues[g] = key
        seen[g] = true
    }

    /// Adds one (y, x) pair to the running means, squared deviations and co-moment (Welford).
    private func addPair(_ g: Int, y: Double, x: Double) {
        counts[g] += 1
        let n = Double(counts[g])
        let dx = x - meansX[g], dy = y - means[g]
        meansX[g] += dx / n
        means[g] += dy / n
        m2x[g] += dx * (x - meansX[g])
        m2[g] += dy * (y - means[g])
        coMoments[g] += dx * (y - means[g])
    }

    /// Adds one value to the running mean and central moment sums up to the fourth (Terriberry's update).
    private func addMoment(_ g: Int, _ x: Double) {
        let n1 = Double(counts[g])
        counts[g] += 1
        let n = n1 + 1
        let delta = x - means[g], deltaN = delta / n, deltaN2 = deltaN * deltaN, term1 = delta * deltaN * n1
        means[g] += deltaN
        m4[g] += term1 * deltaN2 * (n * n - 3 * n + 3) + 6 * deltaN2 * m2[g] - 4 * deltaN * m3[g]
        m3[g] += term1 * deltaN * (n - 2) - 3 * deltaN * m2[g]
        m2[g] += term1
    }

    /// Adds one row (slow path, also used for DISTINCT).
    private func add(_ g: Int, _ arg: ColumnVector, _ i: Int) throws(CairnError) {
        let t = spec.argument?.type ?? .bigint
        switch spec.kind {
        case .countStar, .count:
            counts[g] += 1
        case .approxCountDistinct:
            if spec.distinct { counts[g] += 1; return }
            var key: [UInt8] = []
            AggregateTable.appendKey(arg, i, &key)
            hll[g].add(key)
        case .sum, .avg:
            if case .int64(let a) = arg.storage {
                wide[g] += Int128(a[i])
            } else if case .float64(let a) = arg.storage {
                sums[g].add(a[i])
            }
            counts[g] += 1
        case .stddevSamp, .varSamp, .stddevPop, .varPop:
            let x = arg.value(at: i, type: t).doubleValue ?? 0
            counts[g] += 1
            let delta = x - means[g]
            means[g] += delta / Double(counts[g])
            m2[g] += delta * (x - means[g])
        case .min, .max:
            let v = arg.value(at: i, type: t)
            if !seen[g] { values[g] = v; seen[g] = true; return }
            let c = ValueOrder.compare(v, values[g])
            if (spec.kind == .min && c < 0) || (spec.kind == .max && c > 0) { values[g] = v }
        case .first, .anyValue:
            if !seen[g] { values[g] = arg.value(at: i, type: t); seen[g] = true }
        case .last:
            values[g] = arg.value(at: i, type: t); seen[g] = true
        case .product:
            counts[g] += 1
            doubles[g] *= arg.value(at: i, type: t).doubleValue ?? 1
        case .skewness, .kurtosis, .kurtosisPop:
            addMoment(g, arg.value(at: i, type: t).doubleValue ?? 0)
        case .entropy:
            frequencies[g][arg.value(at: i, type: t), default: 0] += 1
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrCount, .regrAvgX, .regrAvgY,
             .regrSXX, .regrSYY, .regrSXY:
            break   // fed pairs by update(_:_:by:count:)
        case .boolAnd, .boolOr:
            guard case .int64(let a) = arg.storage else { return }
            if !seen[g] { ints[g] = a[i]; seen[g] = true; return }
            ints[g] = spec.kind == .boolAnd ? (ints[g] & a[i]) : (ints[g] | a[i])
        case .bitAnd, .bitOr, .bitXor:
            guard case .int64(let a) = arg.storage else { return }
            combineBits(g, a[i])
        case .quantileCont, .quantileDisc:
            switch arg.storage {
            case .int64(let a): lists[g].append(Double(a[i]))
            case .float64(let a): lists[g].append(a[i])
            case .bytes, .vectors: break
            }
        case .stringAgg:
            if case .bytes(let b) = arg.storage { strings[g].append(b.string(at: i)) }
        case .mode:
            frequencies[g][arg.value(at: i, type: t), default: 0] += 1
        case .argMax, .argMin:
            break   // fed by update(_:_:by:count:), which has the compared values
        }
    }

    func merge(_ g: Int, from other: Accumulator, group h: Int) {
        if spec.distinct && needsValues {
            // DISTINCT values are re-added from the merged (group, value) pairs in mergeDistinct.
            return
        }
        let (na, nb) = (Double(counts[g]), Double(other.counts[h]))
        counts[g] += other.counts[h]
        switch spec.kind {
        case .countStar, .count: break
        case .sum, .avg:
            wide[g] += other.wide[h]
            sums[g].add(other.sums[h])
        case .stddevSamp, .varSamp, .stddevPop, .varPop:
            // Chan et al.'s pairwise combination of (count, mean, M2).
            guard nb > 0 else { return }
            let total = na + nb
            let delta = other.means[h] - means[g]
            means[g] += delta * nb / total
            m2[g] += other.m2[h] + delta * delta * na * nb / total
        case .product:
            doubles[g] *= other.doubles[h]
        case .skewness, .kurtosis, .kurtosisPop:
            mergeMoments(g, na: na, nb: nb, from: other, h)
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrCount, .regrAvgX, .regrAvgY,
             .regrSXX, .regrSYY, .regrSXY:
            guard nb > 0 else { return }
            let total = na + nb
            let dx = other.meansX[h] - meansX[g], dy = other.means[h] - means[g]
            coMoments[g] += other.coMoments[h] + dx * dy * na * nb / total
            m2x[g] += other.m2x[h] + dx * dx * na * nb / total
            m2[g] += other.m2[h] + dy * dy * na * nb / total
            meansX[g] += dx * nb / total
            means[g] += dy * nb / total
        case .entropy: frequencies[g].merge(other.frequencies[h], uniquingKeysWith: +)
        case .bitAnd, .bitOr, .bitXor:
            if other.seen[h] { combineBits(g, other.ints[h]) }
        case .min, .max, .first, .last, .anyValue, .boolAnd, .boolOr:
            if spec.by != nil {   // first/last/any_value(… ORDER BY …)
                if other.seen[h] { offerInOrder(g, other.values[h], key: other.byValues[h]) }
                return
            }
            guard other.seen[h] else { return }
            let mine = seen[g] ? stateValue(g) : nil
            let theirs = other.stateValue(h)
            guard let mine else { setState(g, theirs); return }
            switch spec.kind {
            case .min: if ValueOrder.compare(theirs, mine) < 0 { setState(g, theirs) }
            case .max: if ValueOrder.compare(theirs, mine) > 0 { setState(g, theirs) }
            case .last: setState(g, theirs)
            case .boolAnd: setState(g, .bool(mine == .bool(true) && theirs == .bool(true)))
            case .boolOr: setState(g, .bool(mine == .bool(true) || theirs == .bool(true)))
            default: break
            }
        case .quantileCont, .quantileDisc: lists[g].append(contentsOf: other.lists[h])
        case .stringAgg:
            strings[g].append(contentsOf: other.strings[h])
            keyedStrings[g].append(contentsOf: other.keyedStrings[h])
        case .mode: frequencies[g].merge(other.frequencies[h], uniquingKeysWith: +)
        case .approxCountDistinct: hll[g].merge(other.hll[h])
        case .argMax, .argMin:
            if other.seen[h] { offer(g, other.values[h], by: other.byValues[h]) }
        }
    }

    /// Combines two sets of central moment sums (Chan et al.; Terriberry for the third and fourth).
    private func mergeMoments(_ g: Int, na: Double, nb: Double, from other: Accumulator, _ h: Int) {
        guard nb > 0 else { return }
        guard na > 0 else {
            means[g] = other.means[h]; m2[g] = other.m2[h]; m3[g] = other.m3[h]; m4[g] = other.m4[h]
            return
        }
        let n = na + nb
        let delta = other.means[h] - means[g], delta2 = delta * delta
        let (a2, b2, a3, b3) = (m2[g], other.m2[h], m3[g], other.m3[h])
        m4[g] += other.m4[h] + delta2 * delta2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n)
            + 6 * delta2 * (na * na * b2 + nb * nb * a2) / (n * n) + 4 * delta * (na * b3 - nb * a3) / n
        m3[g] += b3 + delta * delta2 * na * nb * (na - nb) / (n * n) + 3 * delta * (na * b2 - nb * a2) / n
        m2[g] += b2 + delta2 * na * nb / n
        means[g] += delta * nb / n
    }

    /// Folds another worker's DISTINCT pairs in, renumbering its groups through `map`.
    func mergeDistinct(from other: Accumulator, map: [Int]) {
        guard spec.distinct else { return }
        for idx in 0..<other.distinctPairs.count {
            var key = other.distinctPairs.key(idx)
            guard key.count >= 8 else { continue }
            let h = Int(key.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
            let g = map[h]
            withUnsafeBytes(of: UInt64(g).littleEndian) { key.replaceSubrange(0..<8, with: $0) }
            let (_, inserted) = key.withUnsafeBufferPointer { distinctPairs.findOrInsert($0) }
            if inserted {
                distinctCounts[g] += 1
                if needsValues, let v = Self.decodeKey(key.dropFirst(8), spec.argument?.type ?? .bigint) {
                    try? add(g, v, 0)
                }
            }
        }
    }

    /// The one-row vector a DISTINCT pair's value bytes (as written by `appendKey`) stand for.
    private static func decodeKey(_ b: ArraySlice<UInt8>, _ t: ColumnType) -> ColumnVector? {
        guard let flag = b.first, flag == 1 else { return nil }
        let body = Array(b.dropFirst())
        switch t.physical {
        case .int64, .float64:
            guard body.count == 8 else { return nil }
            let bits = body.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            return t.physical == .int64 ? ColumnVector(storage: .int64([Int64(bitPattern: bits)]))
                : ColumnVector(storage: .float64([Double(bitPattern: bits)]))
        case .bytes:
            guard body.count >= 4 else { return nil }
            return ColumnVector(storage: .bytes(ByteArray(offsets: [0, body.count - 4], data: Array(body[4...]))))
        case .vector:
            guard body.count >= 4, (body.count - 4) % 4 == 0, body.count > 4 else { return nil }
            let floats = body[4...].withUnsafeBytes { raw in (0..<(body.count - 4) / 4).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
            return ColumnVector(storage: .vectors(VectorArray(dimension: floats.count, floats: floats)))
        }
    }

    private func stateValue(_ g: Int) -> Value {
        let t = spec.argument?.type ?? .bigint
        switch spec.kind {
        case .boolAnd, .boolOr: return .bool(ints[g] != 0)
        case .first, .last, .anyValue: return values[g]
        default:
            if !values[g].isNull { return values[g] }
            switch t.physical {
            case .int64: return ColumnVector(storage: .int64([ints[g]])).value(at: 0, type: t)
            case .float64: return .double(doubles[g])
            case .bytes, .vector: return values[g]
            }
        }
    }

    /// Folds `v` into group `g` of bit_and, bit_or or bit_xor (the first value is the state).
    private func combineBits(_ g: Int, _ v: Int64) {
        guard seen[g] else { ints[g] = v; seen[g] = true; return }
        switch spec.kind {
        case .bitAnd: ints[g] &= v
        case .bitOr: ints[g] |= v
        default: ints[g] ^= v
        }
    }

    private func setState(_ g: Int, _ v: Value) {
        seen[g] = true
        switch v {
        case .bool(let b) where spec.kind == .boolAnd || spec.kind == .boolOr: ints[g] = b ? 1 : 0
        default:
            values[g] = v
        }
    }

    /// The aggregate's value for group `g`.
    func result(_ g: Int) throws(CairnError) -> Value {
        let t = spec.argument?.type ?? .bigint
        let distinctCount = spec.distinct ? distinctCounts[g] : nil
        switch spec.kind {
        case .countStar: return .int(counts[g])
        case .argMax, .argMin: return seen[g] ? values[g] : .null
        case .count: return .int(distinctCount ?? counts[g])
        case .approxCountDistinct: return .int(distinctCount ?? Int64(hll[g].estimate()))
        case .sum:
            if spec.distinct { return try distinctSum(g, t) }
            guard counts[g] > 0 else { return .null }
            guard t.physical == .int64 else { return .double(sums[g].value) }
            // DuckDB would return a HUGEINT; Cairn has no 128-bit type, so it says so instead of wrapping.
            guard let total = Int64(exactly: wide[g]) else { throw Self.sumOverflow(wide[g]) }
            return .int(total)
        case .avg:
            if spec.distinct {
                guard let n = distinctCount, n > 0 else { return .null }
                // Computed from the 128-bit total, so avg(DISTINCT) works where sum(DISTINCT) would not fit.
                _ = try? distinctSum(g, t)
                guard let (si, sd) = distinctSums?[g] else { return .null }
                let s = t.physical == .int64 ? Double(si) : sd
                return .double(s / Double(n))
            }
            guard counts[g] > 0 else { return .null }
            let total = t.physical == .int64 ? Double(wide[g]) : sums[g].value
            return .double(total / Double(counts[g]))
        case .stddevSamp, .varSamp, .stddevPop, .varPop:
            let n = Double(counts[g])
            let population = spec.kind == .stddevPop || spec.kind == .varPop
            guard n > (population ? 0 : 1) else { return .null }
            let variance = max(0, m2[g] / (population ? n : n - 1))
            return .double(spec.kind == .varSamp || spec.kind == .varPop ? variance : variance.squareRoot())
        case .bitAnd, .bitOr, .bitXor: return seen[g] ? stateValue(g) : .null
        case .min, .max, .first, .last, .anyValue, .boolAnd, .boolOr:
            if spec.by != nil { return seen[g] ? values[g] : .null }   // first/last/any_value(… ORDER BY …)
            guard seen[g] else { return .null }
            return stateValue(g)
        case .product:
            return counts[g] > 0 ? .double(doubles[g]) : .null
        case .entropy:
            let total = Double(frequencies[g].values.reduce(0, +))
            return .double(frequencies[g].values.reduce(0.0) { h, c in
                let share = Double(c) / total
                return h - share * Foundation.log2(share)
            })
        case .skewness, .kurtosis, .kurtosisPop:
            return Self.shape(spec.kind, n: Double(counts[g]), m2: m2[g], m3: m3[g], m4: m4[g])
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrCount, .regrAvgX, .regrAvgY,
             .regrSXX, .regrSYY, .regrSXY:
            return bivariate(g)
        case .quantileCont, .quantileDisc:
            var xs = lists[g]
            guard !xs.isEmpty, case .double(let f) = spec.parameter else { return .null }
            xs.sort { Comparison.doubleTest(.lt, $0, $1) }
            if spec.kind == .quantileDisc {
                let idx = max(0, Int((Double(xs.count) * f).rounded(.up)) - 1)
                // Integers are kept as doubles: one past Int64.max is where Int64.max itself lands.
                let integer = xs[idx] >= 0x1p63 ? Int64.max : Int64(xs[idx])
                return ColumnVector(storage: t.physical == .float64 ? .float64([xs[idx]]) : .int64([integer]))
                    .value(at: 0, type: t)
            }
            let pos = f * Double(xs.count - 1)
            let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
            let v = lo == hi ? xs[lo] : xs[lo] + (pos - Double(lo)) * (xs[hi] - xs[lo])
            if t.isTemporal {
                let micros = t == .date ? v * Double(Calendar.microsPerDay) : v
                return .timestamp(Int64(micros.rounded()))
            }
            return .double(v)
        case .mode:
            // Most frequent first; equally frequent values by value, so the answer does not depend on block order.
            return frequencies[g].min { a, b in a.value != b.value ? a.value > b.value : ValueOrder.compare(a.key, b.key) < 0 }?.key ?? .null
        case .stringAgg:
            guard case .string(let sep) = spec.parameter else { return .null }
            if spec.by != nil && !spec.distinct {
                guard !keyedStrings[g].isEmpty else { return .null }
                let ordered = keyedStrings[g].sorted { a, b in
                    ValueOrder.compare(a.key, b.key, descending: spec.descending, nullsFirst: spec.nullsFirst ?? false) < 0
                }
                return .string(ordered.map(\.text).joined(separator: sep))
            }
            guard !strings[g].isEmpty else { return .null }
            // DISTINCT values ordered by themselves (the only ORDER BY DISTINCT allows).
            // (The values are text by now: numbers sort as numbers again.)
            let numeric = spec.by?.type.isNumeric == true
            let texts = spec.by == nil ? strings[g] : strings[g].sorted { a, b in
                let (x, y): (Value, Value) = numeric ? (.double(Double(a) ?? 0), .double(Double(b) ?? 0)) : (.string(a), .string(b))
                return ValueOrder.compare(x, y, descending: spec.descending, nullsFirst: false) < 0
            }
            return .string(texts.joined(separator: sep))
        }
    }

    /// Skewness or kurtosis from the central moment sums of `n` values; NULL where DuckDB's is
    /// (too few values, or no spread).
    private static func shape(_ kind: AggregateKind, n: Double, m2: Double, m3: Double, m4: Double) -> Value {
        guard m2 > 0 else { return .null }
        switch kind {
        case .skewness:
            guard n > 2 else { return .null }
            let g1 = (m3 / n) / Foundation.pow(m2 / n, 1.5)
            return .double((n * (n - 1)).squareRoot() / (n - 2) * g1)
        case .kurtosis:
            guard n > 3 else { return .null }
            let g2 = n * m4 / (m2 * m2) - 3
            return .double((n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6))
        default:
            return .double(n * m4 / (m2 * m2) - 3)
        }
    }

    /// A two-argument statistic of group `g`'s (y, x) pairs, with DuckDB's NULL and NaN results at the edges.
    private func bivariate(_ g: Int) -> Value {
        let n = Double(counts[g])
        if spec.kind == .regrCount { return .int(counts[g]) }
        guard n > 0 else { return .null }
        let covariance = coMoments[g] / n, varianceX = m2x[g] / n, varianceY = m2[g] / n
        switch spec.kind {
        case .covarPop: return .double(covariance)
        case .covarSamp: return n > 1 ? .double(coMoments[g] / (n - 1)) : .null
        case .corr: return .double(covariance / (varianceX.squareRoot() * varianceY.squareRoot()))
        case .regrSlope: return .double(covariance / varianceX)
        case .regrIntercept:
            let slope = covariance / varianceX
            return slope.isFinite ? .double(means[g] - slope * meansX[g]) : .null
        case .regrR2:
            guard varianceX != 0 else { return .null }
            guard varianceY != 0 else { return .double(1) }
            let r = covariance / (varianceX.squareRoot() * varianceY.squareRoot())
            return .double(r * r)
        case .regrAvgX: return .double(meansX[g])
        case .regrAvgY: return .double(means[g])
        case .regrSXX: return .double(m2x[g])
        case .regrSYY: return .double(m2[g])
        default: return .double(coMoments[g])
        }
    }

    private static func sumOverflow(_ total: Int128) -> CairnError {
        CairnError(.type, "sum \(total) is out of the BIGINT range; cast the argument to DOUBLE to sum it")
    }

    private func distinctSum(_ g: Int, _ t: ColumnType) throws(CairnError) -> Value {
        if distinctSums == nil {
            // Pairs are (group, 0x01, 8-byte value) for non-NULL numbers.
            var sums: [Int: (Int128, Double)] = [:]
            for idx in 0..<distinctPairs.count {
                let key = distinctPairs.key(idx)
                guard key.count == 17 else { continue }
                key.withUnsafeBytes { raw in
                    let group = Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
                    var acc = sums[group] ?? (0, 0)
                    if t.physical == .int64 { acc.0 += Int128(Int64(bitPattern: bits)) } else { acc.1 += Double(bitPattern: bits) }
                    sums[group] = acc
                }
            }
            distinctSums = sums
        }
        guard let (si, sd) = distinctSums?[g] else { return .null }
        guard t.physical == .int64 else { return .double(sd) }
        guard let total = Int64(exactly: si) else { throw Self.sumOverflow(si) }
        return .int(total)
    }
}

/// HyperLogLog with 2^12 registers (~1.6% standard error), as used by `approx_count_distinct`.
struct HyperLogLog {
    private static let p = 12
    private var registers = [UInt8](repeating: 0, count: 1 << HyperLogLog.p)

    mutating func add(_ bytes: [UInt8]) {
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        // Finalize (splitmix64) so low-entropy keys spread over all registers.
        h ^= h >> 30; h &*= 0xbf58476d1ce4e5b9; h ^= h >> 27; h &*= 0x94d049bb133111eb; h ^= h >> 31
        let idx = Int(h >> UInt64(64 - Self.p))
        let rest = (h << UInt64(Self.p)) | (1 << UInt64(Self.p - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[idx] { registers[idx] = rank }
    }

    mutating func merge(_ o: HyperLogLog) {
        for i in 0..<registers.count where o.registers[i] > registers[i] { registers[i] = o.registers[i] }
    }

    func estimate() -> Int {
        let m = Double(registers.count)
        var sum = 0.0, zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m, zeros > 0 { return Int((m * Foundation_log(m / Double(zeros))).rounded()) }
        return Int(raw.rounded())
    }
}

import Foundation
private func Foundation_log(_ x: Double) -> Double { Foundation.log(x) }
