import CairnFormat

/// Hash aggregation state for one worker: groups found so far and one accumulator per aggregate.
///
/// Invariant: `keys.count == groupCount` and every accumulator holds `groupCount` states.
final class AggregateTable {
    let keyTypes: [ColumnType]
    let specs: [AggregateSpec]
    /// Composite (or non-integer) keys, serialized; group number = table index.
    private var bytesTable = BytesGroupTable()
    /// A single integer-like key: table index → group number (the NULL group is kept apart).
    private var intTable = IntGroupTable()
    private var intGroups: [Int] = []
    /// A single string key, hashed straight from the column's bytes: table index → group number.
    private var stringTable = BytesGroupTable()
    private var stringGroups: [Int] = []
    private let singleStringKey: Bool
    private var nullGroup: Int?
    private(set) var keys: [[Value]] = []
    var accumulators: [Accumulator]
    private let singleIntKey: Bool

    init(keyTypes: [ColumnType], specs: [AggregateSpec]) {
        self.keyTypes = keyTypes
        self.specs = specs
        accumulators = specs.map { Accumulator($0) }
        singleIntKey = keyTypes.count == 1 && keyTypes[0].physical == .int64
        singleStringKey = keyTypes.count == 1 && keyTypes[0].physical == .bytes
        if keyTypes.isEmpty { addGroup([]) }
    }

    var groupCount: Int { keys.count }

    private func addGroup(_ values: [Value]) {
        keys.append(values)
        for a in accumulators { a.addGroup() }
    }

    /// Group index of every row of a batch whose key columns are `keyVectors`.
    func assignGroups(_ keyVectors: [ColumnVector], count n: Int) -> [Int] {
        if keyVectors.isEmpty { return [Int](repeating: 0, count: n) }
        var groups = [Int](repeating: 0, count: n)
        if singleIntKey, case .int64(let a) = keyVectors[0].storage {
            let v = keyVectors[0]
            a.withUnsafeBufferPointer { p in
                for i in 0..<n {
                    if v.isNull(i) { groups[i] = nullGroupIndex(); continue }
                    groups[i] = intGroup(p[i], v, i)
                }
            }
            return groups
        }
        if singleStringKey, case .bytes(let b) = keyVectors[0].storage {
            let v = keyVectors[0]
            b.data.withUnsafeBufferPointer { d in
                b.offsets.withUnsafeBufferPointer { o in
                    for i in 0..<n {
                        if v.isNull(i) { groups[i] = nullGroupIndex(); continue }
                        groups[i] = stringGroup(UnsafeBufferPointer(rebasing: d[o[i]..<o[i + 1]]))
                    }
                }
            }
            return groups
        }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(64)
        for i in 0..<n {
            scratch.removeAll(keepingCapacity: true)
            for v in keyVectors { Self.appendKey(v, i, &scratch) }
            let (g, inserted) = scratch.withUnsafeBufferPointer { bytesTable.findOrInsert($0) }
            if inserted { addGroup(keyVectors.enumerated().map { $1.value(at: i, type: keyTypes[$0]) }) }
            groups[i] = g
        }
        return groups
    }

    @inline(__always)
    private func intGroup(_ k: Int64, _ v: ColumnVector, _ i: Int) -> Int {
        let (t, inserted) = intTable.findOrInsert(k)
        if inserted {
            intGroups.append(keys.count)
            addGroup([ColumnVector(storage: .int64([k])).value(at: 0, type: keyTypes[0])])
        }
        return intGroups[t]
    }

    @inline(__always)
    private func stringGroup(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let (t, inserted) = stringTable.findOrInsert(key)
        if inserted {
            stringGroups.append(keys.count)
            let text = String(decoding: key, as: UTF8.self)
            addGroup([keyTypes[0] == .json ? .json(text) : .string(text)])
        }
        return stringGroups[t]
    }

    private func nullGroupIndex() -> Int {
        if let g = nullGroup { return g }
        let g = keys.count
        nullGroup = g
        addGroup([.null])
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
        }
    }

    /// Folds another worker's table into this one.
    func merge(_ other: AggregateTable) {
        var map: [Int] = []
        map.reserveCapacity(other.groupCount)
        for g2 in 0..<other.groupCount {
            let values = other.keys[g2]
            let g1: Int
            if keyTypes.isEmpty {
                g1 = 0
            } else if singleIntKey {
                let v = ColumnVector.from(values, type: keyTypes[0])
                if case .int64(let a) = v.storage, !v.isNull(0) { g1 = intGroup(a[0], v, 0) } else { g1 = nullGroupIndex() }
            } else if singleStringKey {
                switch values[0] {
                case .string(let text), .json(let text):
                    var t = text
                    g1 = t.withUTF8 { stringGroup($0) }
                default:
                    g1 = nullGroupIndex()
                }
            } else {
                var bytes: [UInt8] = []
                for (k, t) in keyTypes.enumerated() { Self.appendKey(ColumnVector.from([values[k]], type: t), 0, &bytes) }
                let (g, inserted) = bytes.withUnsafeBufferPointer { bytesTable.findOrInsert($0) }
                if inserted { addGroup(values) }
                g1 = g
            }
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
    private var seen: [Bool] = []
    private var values: [Value] = []
    private var lists: [[Double]] = []
    private var strings: [[String]] = []
    /// DISTINCT state of all groups in one table, keyed by (group number, value).
    private var distinctPairs = BytesGroupTable()
    private var distinctCounts: [Int64] = []
    private var distinctSums: [Int: (Int64, Double)]?
    private var sumSquares: [Double] = []
    private var hll: [HyperLogLog] = []

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
        case .sum, .min, .max, .avg, .first, .last, .boolAnd, .boolOr, .stddevSamp, .varSamp:
            ints.append(0); doubles.append(0); values.append(.null); sumSquares.append(0)
        case .quantileCont, .quantileDisc: lists.append([])
        case .stringAgg: strings.append([])
        case .approxCountDistinct: hll.append(HyperLogLog())
        case .countStar, .count: break
        }
        if spec.distinct { distinctCounts.append(0) }
    }

    /// Adds rows of `arg` (nil for count(*)) to their groups.
    func update(_ groups: [Int], _ arg: ColumnVector?, count n: Int) throws(CairnError) {
        guard let arg else {
            for g in groups { counts[g] += 1 }
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
        switch (spec.kind, arg.storage) {
        case (.count, _):
            if let v = arg.validity { for i in 0..<n where v[i] { counts[groups[i]] += 1 } }
            else { for g in groups { counts[g] += 1 } }
        case (.sum, .int64(let a)), (.avg, .int64(let a)):
            try a.withUnsafeBufferPointer { (p: UnsafeBufferPointer<Int64>) throws(CairnError) in
                for i in 0..<n where !arg.isNull(i) {
                    let g = groups[i]
                    let (s, o) = ints[g].addingReportingOverflow(p[i])
                    if o { throw CairnError(.type, "overflow in sum: the total does not fit in BIGINT") }
                    ints[g] = s
                    counts[g] += 1
                }
            }
        case (.sum, .float64(let a)), (.avg, .float64(let a)):
            a.withUnsafeBufferPointer { p in
                for i in 0..<n where !arg.isNull(i) {
                    doubles[groups[i]] += p[i]
                    counts[groups[i]] += 1
                }
            }
        case (.min, .int64(let a)), (.max, .int64(let a)):
            let isMin = spec.kind == .min
            for i in 0..<n where !arg.isNull(i) {
                let g = groups[i]
                if !seen[g] || (isMin ? a[i] < ints[g] : a[i] > ints[g]) { ints[g] = a[i]; seen[g] = true }
            }
        case (.min, .float64(let a)), (.max, .float64(let a)):
            let isMin = spec.kind == .min
            for i in 0..<n where !arg.isNull(i) {
                let g = groups[i]
                let x = a[i]
                if !seen[g] { doubles[g] = x; seen[g] = true; continue }
                let c = Comparison.doubleTest(isMin ? .lt : .gt, x, doubles[g])
                if c { doubles[g] = x }
            }
        default:
            for i in 0..<n where !arg.isNull(i) { try add(groups[i], arg, i) }
        }
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
                let (s, o) = ints[g].addingReportingOverflow(a[i])
                if o { throw CairnError(.type, "overflow in sum: the total does not fit in BIGINT") }
                ints[g] = s
            } else if case .float64(let a) = arg.storage {
                doubles[g] += a[i]
            }
            counts[g] += 1
        case .stddevSamp, .varSamp:
            let x = arg.value(at: i, type: t).doubleValue ?? 0
            doubles[g] += x
            sumSquares[g] += x * x
            counts[g] += 1
        case .min, .max:
            let v = arg.value(at: i, type: t)
            if !seen[g] { values[g] = v; seen[g] = true; return }
            let c = ValueOrder.compare(v, values[g])
            if (spec.kind == .min && c < 0) || (spec.kind == .max && c > 0) { values[g] = v }
        case .first:
            if !seen[g] { values[g] = arg.value(at: i, type: t); seen[g] = true }
        case .last:
            values[g] = arg.value(at: i, type: t); seen[g] = true
        case .boolAnd, .boolOr:
            guard case .int64(let a) = arg.storage else { return }
            if !seen[g] { ints[g] = a[i]; seen[g] = true; return }
            ints[g] = spec.kind == .boolAnd ? (ints[g] & a[i]) : (ints[g] | a[i])
        case .quantileCont, .quantileDisc:
            switch arg.storage {
            case .int64(let a): lists[g].append(Double(a[i]))
            case .float64(let a): lists[g].append(a[i])
            case .bytes: break
            }
        case .stringAgg:
            if case .bytes(let b) = arg.storage { strings[g].append(b.string(at: i)) }
        }
    }

    func merge(_ g: Int, from other: Accumulator, group h: Int) {
        counts[g] += other.counts[h]
        switch spec.kind {
        case .countStar, .count: break
        case .sum, .avg, .stddevSamp, .varSamp:
            ints[g] &+= other.ints[h]
            doubles[g] += other.doubles[h]
            sumSquares[g] += other.sumSquares[h]
        case .min, .max, .first, .last, .boolAnd, .boolOr:
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
        case .stringAgg: strings[g].append(contentsOf: other.strings[h])
        case .approxCountDistinct: hll[g].merge(other.hll[h])
        }
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
            if inserted { distinctCounts[g] += 1 }
        }
    }

    private func stateValue(_ g: Int) -> Value {
        let t = spec.argument?.type ?? .bigint
        switch spec.kind {
        case .boolAnd, .boolOr: return .bool(ints[g] != 0)
        default:
            if !values[g].isNull { return values[g] }
            switch t.physical {
            case .int64: return ColumnVector(storage: .int64([ints[g]])).value(at: 0, type: t)
            case .float64: return .double(doubles[g])
            case .bytes: return values[g]
            }
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
    func result(_ g: Int) -> Value {
        let t = spec.argument?.type ?? .bigint
        let distinctCount = spec.distinct ? distinctCounts[g] : nil
        switch spec.kind {
        case .countStar: return .int(counts[g])
        case .count: return .int(distinctCount ?? counts[g])
        case .approxCountDistinct: return .int(distinctCount ?? Int64(hll[g].estimate()))
        case .sum:
            if spec.distinct { return distinctSum(g, t) }
            guard counts[g] > 0 else { return .null }
            return t.physical == .int64 ? .int(ints[g]) : .double(doubles[g])
        case .avg:
            if spec.distinct {
                guard let n = distinctCount, n > 0, let s = distinctSum(g, t).doubleValue else { return .null }
                return .double(s / Double(n))
            }
            guard counts[g] > 0 else { return .null }
            let total = t.physical == .int64 ? Double(ints[g]) : doubles[g]
            return .double(total / Double(counts[g]))
        case .stddevSamp, .varSamp:
            let n = Double(counts[g])
            guard n > 1 else { return .null }
            let mean = doubles[g] / n
            let variance = max(0, (sumSquares[g] - n * mean * mean) / (n - 1))
            return .double(spec.kind == .varSamp ? variance : variance.squareRoot())
        case .min, .max, .first, .last, .boolAnd, .boolOr:
            guard seen[g] else { return .null }
            return stateValue(g)
        case .quantileCont, .quantileDisc:
            var xs = lists[g]
            guard !xs.isEmpty, case .double(let f) = spec.parameter else { return .null }
            xs.sort { Comparison.doubleTest(.lt, $0, $1) }
            if spec.kind == .quantileDisc {
                let idx = max(0, Int((Double(xs.count) * f).rounded(.up)) - 1)
                return ColumnVector(storage: t.physical == .float64 ? .float64([xs[idx]]) : .int64([Int64(xs[idx])]))
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
        case .stringAgg:
            guard !strings[g].isEmpty, case .string(let sep) = spec.parameter else { return .null }
            return .string(strings[g].joined(separator: sep))
        }
    }

    private func distinctSum(_ g: Int, _ t: ColumnType) -> Value {
        if distinctSums == nil {
            // Pairs are (group, 0x01, 8-byte value) for non-NULL numbers.
            var sums: [Int: (Int64, Double)] = [:]
            for idx in 0..<distinctPairs.count {
                let key = distinctPairs.key(idx)
                guard key.count == 17 else { continue }
                key.withUnsafeBytes { raw in
                    let group = Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
                    var acc = sums[group] ?? (0, 0)
                    if t.physical == .int64 { acc.0 &+= Int64(bitPattern: bits) } else { acc.1 += Double(bitPattern: bits) }
                    sums[group] = acc
                }
            }
            distinctSums = sums
        }
        guard let (si, sd) = distinctSums?[g] else { return .null }
        return t.physical == .int64 ? .int(si) : .double(sd)
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
