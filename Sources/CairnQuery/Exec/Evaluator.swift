import CairnFormat
import CairnSQL

/// What an evaluation needs from its statement: parameters, the statement's `now()`, cancellation,
/// and a way to run uncorrelated subqueries at bind time.
package struct QueryContext: Sendable {
    package var parameters: [Value]
    package var now: Int64
    package var isCancelled: @Sendable () -> Bool
    /// Runs a subquery of the statement with these parameters (the statement's, then a correlated
    /// subquery's outer values).
    package var runSubquery: @Sendable (SelectStatement, [Value], _ nullTypes: [Int: ColumnType]) throws(CairnError) -> MaterializedResult
    /// The types of parameters passed as NULL, by number (a correlated subquery's outer values when
    /// it is run for its result types); other NULL parameters are VARCHAR-typed like a NULL literal.
    package var nullParameterTypes: [Int: ColumnType] = [:]
    /// `SET ivfflat.probes`, or a per-statement override; nil means the index's default.
    package var ivfProbes: Int? = nil

    package init(parameters: [Value], now: Int64, isCancelled: @escaping @Sendable () -> Bool = { false },
                 runSubquery: @escaping @Sendable (SelectStatement, [Value], [Int: ColumnType]) throws(CairnError) -> MaterializedResult) {
        self.parameters = parameters
        self.now = now
        self.isCancelled = isCancelled
        self.runSubquery = runSubquery
    }
}

/// Rows as columns of values, the output of a statement before it becomes a public `QueryResult`.
package struct MaterializedResult: Sendable {
    package var names: [String]
    package var types: [ColumnType]
    package var columns: [[Value]]
    package var rowsAffected: Int?

    package init(names: [String], types: [ColumnType], columns: [[Value]], rowsAffected: Int? = nil) {
        self.names = names; self.types = types; self.columns = columns; self.rowsAffected = rowsAffected
    }
}

/// Evaluates bound expressions over batches, one vector operation per node.
package struct Evaluator: Sendable {
    package let context: QueryContext

    package init(context: QueryContext) { self.context = context }

    /// Evaluates an expression that references no columns.
    package func evaluateConstant(_ e: BoundExpr) throws(CairnError) -> Value {
        let v = try evaluate(e, Batch(columns: [], count: 1))
        return v.value(at: 0, type: e.type)
    }

    /// Row indices where the predicate is true (not false, not NULL).
    ///
    /// Conjunctions are evaluated one conjunct at a time; once few rows survive, later conjuncts
    /// run on just those rows, so a selective first condition makes the rest cheap.
    package func select(_ predicate: BoundExpr, _ batch: Batch) throws(CairnError) -> [Int] {
        guard case .and(let parts) = predicate, parts.count > 1 else { return try selectAll(predicate, batch) }
        var current = batch
        var origin: [Int]?          // row of `current` → row of `batch`, once shrunk
        var sel = try selectAll(parts[0], current)
        // Columns the later conjuncts read; only those are carried along when the batch shrinks.
        var later = Set<Int>()
        for part in parts.dropFirst() { part.collectColumns(into: &later) }
        for part in parts.dropFirst() {
            if sel.isEmpty { return [] }
            if sel.count * 2 < current.count {
                current = Batch(columns: current.columns.enumerated().map { later.contains($0.offset) ? $0.element.gather(sel) : .empty($0.element.physical) },
                                count: sel.count)
                origin = origin.map { o in sel.map { o[$0] } } ?? sel
                sel = Array(0..<current.count)
            }
            sel = Self.intersect(sel, try selectAll(part, current))
        }
        return origin.map { o in sel.map { o[$0] } } ?? sel
    }

    /// Intersection of two ascending index lists.
    private static func intersect(_ a: [Int], _ b: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(min(a.count, b.count))
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { out.append(a[i]); i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return out
    }

    private func selectAll(_ predicate: BoundExpr, _ batch: Batch) throws(CairnError) -> [Int] {
        if let rows = Self.selectStringEquality(predicate, batch) { return rows }
        let v = try evaluate(predicate, batch)
        guard case .int64(let a) = v.storage else { return [] }
        return a.withUnsafeBufferPointer { p in
            guard let valid = v.validity else { return selectIndices(count: p.count) { p[$0] != 0 } }
            return valid.withUnsafeBufferPointer { ok in selectIndices(count: p.count) { p[$0] != 0 && ok[$0] } }
        }
    }

    /// `column = 'text'`: the matching rows found straight from the strings, or from the codes of
    /// a dictionary-decoded block, without building a mask; nil for any other predicate.
    private static func selectStringEquality(_ predicate: BoundExpr, _ batch: Batch) -> [Int]? {
        guard case .compare(.eq, let l, let r) = predicate else { return nil }
        let column: Int, constant: Value
        switch (l, r) {
        case (.column(let i, _), .constant(let c, _)), (.constant(let c, _), .column(let i, _)): (column, constant) = (i, c)
        default: return nil
        }
        let vector = batch.columns[column]
        guard case .string(let text) = constant, case .bytes(let strings) = vector.storage else { return nil }
        let needle = ByteMatcher(Array(text.utf8))
        guard let dictionary = vector.dictionary else {
            // NULL rows hold empty strings, so an empty needle must also check validity.
            let rows = strings.rows(equalTo: needle)
            guard text.isEmpty, let validity = vector.validity else { return rows }
            return rows.filter { validity[$0] }
        }
        guard let code = dictionary.code(of: needle) else { return [] }
        return dictionary.rows(withCode: code)
    }

    package func evaluate(_ e: BoundExpr, _ batch: Batch) throws(CairnError) -> ColumnVector {
        let n = batch.count
        switch e {
        case .column(let i, _):
            return batch.columns[i]
        case .constant(let v, let t):
            return try broadcast(v, t, n)
        case .arithmetic(let op, let l, let r, let t):
            return try arithmetic(op, l, r, t, batch)
        case .compare(let op, let l, let r):
            return try compare(op, l, r, batch)
        case .and(let parts):
            return try logical(parts, isAnd: true, batch)
        case .or(let parts):
            return try logical(parts, isAnd: false, batch)
        case .not(let x):
            var v = try evaluate(x, batch)
            if case .int64(var a) = v.storage {
                v.storage = .int64([])
                a.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = p[i] == 0 ? 1 : 0 } }
                v.storage = .int64(a)
            }
            return v
        case .negate(let x):
            let v = try evaluate(x, batch)
            switch v.storage {
            case .int64(let a):
                var out = [Int64](repeating: 0, count: a.count)
                for i in 0..<a.count {
                    let (r, o) = Int64(0).subtractingReportingOverflow(a[i])
                    if o, !v.isNull(i) { throw CairnError(.type, "overflow in negation of \(a[i])") }
                    out[i] = r
                }
                return ColumnVector(storage: .int64(out), validity: v.validity)
            case .float64(let a): return ColumnVector(storage: .float64(a.map { -$0 }), validity: v.validity)
            case .bytes: throw CairnError(.type, "cannot negate a string")
            case .vectors: throw CairnError(.type, "cannot negate a vector")
            }
        case .isNull(let x, let negated):
            let v = try evaluate(x, batch)
            let out: [Int64]
            if let valid = v.validity {
                out = valid.map { ($0 == negated) ? 1 : 0 }
            } else {
                out = [Int64](repeating: negated ? 1 : 0, count: n)
            }
            return ColumnVector(storage: .int64(out))
        case .inList(let x, let values, let hasNull, let negated):
            return try inList(x, values, hasNull: hasNull, negated: negated, batch)
        case .like(let x, let pattern, let ci, let negated, let escape):
            let v = try evaluate(x, batch)
            guard case .bytes(let b) = v.storage else { throw CairnError(.type, "LIKE needs a string") }
            let matcher = LikeMatcher(pattern: pattern, caseInsensitive: ci, escape: escape)
            var out = [Int64](repeating: 0, count: n)
            b.data.withUnsafeBufferPointer { d in
                b.offsets.withUnsafeBufferPointer { o in
                    for i in 0..<n {
                        let m = matcher.matches(UnsafeBufferPointer(rebasing: d[o[i]..<o[i + 1]]))
                        out[i] = (m != negated) ? 1 : 0
                    }
                }
            }
            return ColumnVector(storage: .int64(out), validity: v.validity)
        case .caseWhen(let branches, let elseResult, let t):
            // Each condition sees only the rows no earlier branch took, and each result only the rows
            // it produces, so `CASE WHEN d <> 0 THEN 10 % d END` never divides by zero.
            var remaining = Array(0..<n)
            var parts: [(ColumnVector, [Int])] = []
            for (cond, value) in branches {
                if remaining.isEmpty { break }
                let sub = remaining.count == n ? batch : batch.gather(remaining)
                let taken = try select(cond, sub)
                if taken.isEmpty { continue }
                let rows = taken.map { remaining[$0] }
                parts.append((try evaluate(value, batch.gather(rows)).materialized(t), rows))
                var keep = [Bool](repeating: true, count: remaining.count)
                for k in taken { keep[k] = false }
                remaining = remaining.indices.filter { keep[$0] }.map { remaining[$0] }
            }
            if !remaining.isEmpty {
                let sub = remaining.count == n ? batch : batch.gather(remaining)
                parts.append((try evaluate(elseResult, sub).materialized(t), remaining))
            }
            return Self.scatter(parts, type: t, count: n)
        case .coalesce(let args, let t):
            var vectors: [ColumnVector] = []
            for a in args {
                let v = try evaluate(a, batch)
                vectors.append(v)
                if v.validity == nil { break }
            }
            if vectors.count == 1 { return vectors[0] }
            var b = VectorBuilder(type: t, capacity: n)
            for i in 0..<n {
                if let v = vectors.first(where: { !$0.isNull(i) }) {
                    b.append(v.value(at: i, type: t))
                } else {
                    b.appendNull()
                }
            }
            return b.finish()
        case .cast(let x, let to, let tryCast):
            return try castVector(try evaluate(x, batch), from: x.type, to: to, tryCast: tryCast)
        case .function(let f, let args, _) where f.isVectorFunction:
            return try vectorFunction(f, args, batch)
        case .function(let f, let args, let t):
            var vs: [ColumnVector] = []
            vs.reserveCapacity(args.count)
            for a in args { vs.append(try evaluate(a, batch)) }
            return try Functions.apply(f, vs, argTypes: args.map(\.type), resultType: t, count: n, context: context)
        }
    }

    /// Assembles a vector of `n` rows from pieces that each cover the listed rows.
    private static func scatter(_ parts: [(ColumnVector, [Int])], type: ColumnType, count n: Int) -> ColumnVector {
        if parts.count == 1, parts[0].1.count == n { return parts[0].0 }
        var source = [(part: Int, row: Int)](repeating: (-1, 0), count: n)
        for (k, (_, rows)) in parts.enumerated() {
            for (j, r) in rows.enumerated() { source[r] = (k, j) }
        }
        var b = VectorBuilder(type: type, capacity: n)
        for i in 0..<n {
            let (k, j) = source[i]
            if k < 0 { b.appendNull() } else { b.append(parts[k].0.value(at: j, type: type)) }
        }
        return b.finish()
    }

    // MARK: - Constants

    package func broadcast(_ v: Value, _ t: ColumnType, _ n: Int) throws(CairnError) -> ColumnVector {
        switch v {
        case .null:
            return .nulls(t.physical, count: n)
        case .bool(let b): return ColumnVector(storage: .int64([Int64](repeating: b ? 1 : 0, count: n)))
        case .int(let i):
            if t.physical == .float64 { return ColumnVector(storage: .float64([Double](repeating: Double(i), count: n))) }
            return ColumnVector(storage: .int64([Int64](repeating: i, count: n)))
        case .double(let d): return ColumnVector(storage: .float64([Double](repeating: d, count: n)))
        case .timestamp(let x), .time(let x): return ColumnVector(storage: .int64([Int64](repeating: x, count: n)))
        case .date(let d): return ColumnVector(storage: .int64([Int64](repeating: Int64(d), count: n)))
        case .string(let s), .json(let s):
            let bytes = Array(s.utf8)
            var data = [UInt8]()
            data.reserveCapacity(bytes.count * n)
            var offsets = [Int](repeating: 0, count: n + 1)
            for i in 0..<n { data.append(contentsOf: bytes); offsets[i + 1] = data.count }
            return ColumnVector(storage: .bytes(ByteArray(offsets: offsets, data: data)))
        case .interval(let m, let d, let us):
            guard m == 0, let dayMicros = Calendar.micros(days: Int64(d)), case (let total, false) = dayMicros.addingReportingOverflow(us) else {
                throw CairnError(.unsupported, "an interval of months (\(Value.interval(months: m, days: d, micros: us))) can only be added to or subtracted from a timestamp: months have no fixed length")
            }
            return ColumnVector(storage: .int64([Int64](repeating: total, count: n)))
        case .vector(let f):
            guard !f.isEmpty else { return .nulls(.vector, count: n) }
            var floats: [Float] = []
            floats.reserveCapacity(f.count * n)
            for _ in 0..<n { floats.append(contentsOf: f) }
            return ColumnVector(storage: .vectors(VectorArray(dimension: f.count, floats: floats)))
        }
    }

    // MARK: - Arithmetic

    private func arithmetic(_ op: ArithmeticOp, _ l: BoundExpr, _ r: BoundExpr, _ t: ColumnType, _ batch: Batch) throws(CairnError) -> ColumnVector {
        let lv = try evaluate(l, batch), rv = try evaluate(r, batch)
        let n = batch.count
        let validity = andValidity(lv.validity, rv.validity)
        switch (lv.storage, rv.storage) {
        // BIGINT arithmetic; timestamps and intervals are microseconds and computed the same way.
        case (.int64(let a), .int64(let b)) where t == .bigint || t == .interval || t == .timestamp || t == .timestamptz:
            var out = [Int64](repeating: 0, count: n)
            try out.withUnsafeMutableBufferPointer { (o: inout UnsafeMutableBufferPointer<Int64>) throws(CairnError) in
                try a.withUnsafeBufferPointer { (pa: UnsafeBufferPointer<Int64>) throws(CairnError) in
                    try b.withUnsafeBufferPointer { (pb: UnsafeBufferPointer<Int64>) throws(CairnError) in
                        for i in 0..<n {
                            let x = pa[i], y = pb[i]
                            let (res, overflow): (Int64, Bool)
                            switch op {
                            case .add: (res, overflow) = x.addingReportingOverflow(y)
                            case .subtract: (res, overflow) = x.subtractingReportingOverflow(y)
                            case .multiply: (res, overflow) = x.multipliedReportingOverflow(by: y)
                            case .modulo, .divide, .integerDivide:
                                if y == 0 {
                                    if validity?[i] ?? true { throw CairnError(.invalidInput, "division by zero in \(x) \(op.rawValue) 0") }
                                    (res, overflow) = (0, false)
                                } else if op == .modulo {
                                    (res, overflow) = x.remainderReportingOverflow(dividingBy: y)
                                } else {
                                    (res, overflow) = x.dividedReportingOverflow(by: y)
                                }
                            }
                            if overflow, validity?[i] ?? true {
                                throw CairnError(.type, "overflow in \(op.rawValue) of \(x) and \(y)")
                            }
                            o[i] = res
                        }
                    }
                }
            }
            return ColumnVector(storage: .int64(out), validity: validity)
        default:
            let a = lv.asDoubles(), b = rv.asDoubles()
            var out = [Double](repeating: 0, count: n)
            if op == .modulo {
                for i in 0..<n where b[i] == 0 && (validity?[i] ?? true) {
                    throw CairnError(.invalidInput, "division by zero in \(a[i]) % 0")
                }
            }
            out.withUnsafeMutableBufferPointer { o in
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        switch op {
                        case .add: for i in 0..<n { o[i] = pa[i] + pb[i] }
                        case .subtract: for i in 0..<n { o[i] = pa[i] - pb[i] }
                        case .multiply: for i in 0..<n { o[i] = pa[i] * pb[i] }
                        case .divide, .integerDivide: for i in 0..<n { o[i] = pa[i] / pb[i] }
                        case .modulo: for i in 0..<n where pb[i] != 0 { o[i] = pa[i].truncatingRemainder(dividingBy: pb[i]) }
                        }
                    }
                }
            }
            return ColumnVector(storage: .float64(out), validity: validity)
        }
    }

    // MARK: - Comparison

    private func compare(_ op: CompareOp, _ l: BoundExpr, _ r: BoundExpr, _ batch: Batch) throws(CairnError) -> ColumnVector {
        let n = batch.count
        // Column-versus-constant is the common filter shape: compare against a scalar.
        if case .constant(let c, _) = r, !l.isConstant {
            let lv = try evaluate(l, batch)
            if c.isNull { return .nulls(.int64, count: n) }
            return ColumnVector(storage: .int64(Comparison.compareScalar(op, lv, c, n)), validity: lv.validity)
        }
        if case .constant(let c, _) = l, !r.isConstant {
            let rv = try evaluate(r, batch)
            if c.isNull { return .nulls(.int64, count: n) }
            return ColumnVector(storage: .int64(Comparison.compareScalar(op.flipped, rv, c, n)), validity: rv.validity)
        }
        let lv = try evaluate(l, batch), rv = try evaluate(r, batch)
        return ColumnVector(storage: .int64(Comparison.compareVectors(op, lv, rv, n)),
                            validity: andValidity(lv.validity, rv.validity))
    }

    // MARK: - Boolean logic (three-valued)

    private func logical(_ parts: [BoundExpr], isAnd: Bool, _ batch: Batch) throws(CairnError) -> ColumnVector {
        let n = batch.count
        // value: 1 true, 0 false; known[i] == false means NULL.
        var value = [Int64](repeating: isAnd ? 1 : 0, count: n)
        var known = [Bool](repeating: true, count: n)
        var anyNull = false
        for p in parts {
            let v = try evaluate(p, batch)
            guard case .int64(let a) = v.storage else { continue }
            if v.validity == nil && !anyNull {
                // No NULL so far: plain boolean algebra, which the compiler vectorizes.
                value.withUnsafeMutableBufferPointer { o in
                    a.withUnsafeBufferPointer { x in
                        if isAnd {
                            for i in 0..<n { o[i] &= x[i] != 0 ? 1 : 0 }
                        } else {
                            for i in 0..<n { o[i] |= x[i] != 0 ? 1 : 0 }
                        }
                    }
                }
                continue
            }
            for i in 0..<n {
                let isNull = v.validity.map { !$0[i] } ?? false
                if isAnd {
                    if value[i] == 0 && known[i] { continue }       // already false
                    if isNull { known[i] = false; anyNull = true }
                    else if a[i] == 0 { value[i] = 0; known[i] = true }
                } else {
                    if value[i] == 1 && known[i] { continue }       // already true
                    if isNull { known[i] = false; anyNull = true }
                    else if a[i] != 0 { value[i] = 1; known[i] = true }
                }
            }
        }
        if anyNull {
            for i in 0..<n where !known[i] { value[i] = 0 }
            return ColumnVector(storage: .int64(value), validity: known)
        }
        return ColumnVector(storage: .int64(value))
    }

    private func inList(_ x: BoundExpr, _ values: [Value], hasNull: Bool, negated: Bool, _ batch: Batch) throws(CairnError) -> ColumnVector {
        let v = try evaluate(x, batch)
        let n = batch.count
        var out = [Int64](repeating: 0, count: n)
        switch v.storage {
        case .int64(let a):
            var set = Set<Int64>()
            for c in values {
                switch c {
                case .int(let i), .timestamp(let i), .time(let i): set.insert(i)
                case .date(let d): set.insert(Int64(d))
                case .bool(let b): set.insert(b ? 1 : 0)
                default: break
                }
            }
            for i in 0..<n { out[i] = set.contains(a[i]) ? 1 : 0 }
        case .float64(let a):
            let set = Set(values.compactMap { c -> Double? in
                if case .double(let d) = c { return d }
                if case .int(let i) = c { return Double(i) }
                return nil
            })
            for i in 0..<n { out[i] = set.contains(a[i]) ? 1 : 0 }
        case .vectors:
            break  // the binder admits no IN over vectors
        case .bytes(let b):
            let needles: [[UInt8]] = values.compactMap {
                if case .string(let s) = $0 { return Array(s.utf8) }
                if case .json(let s) = $0 { return Array(s.utf8) }
                return nil
            }
            if needles.count <= 16 {
                b.data.withUnsafeBufferPointer { d in
                    for i in 0..<n {
                        let s = UnsafeBufferPointer(rebasing: d[b.offsets[i]..<b.offsets[i + 1]])
                        out[i] = needles.contains { $0.elementsEqual(s) } ? 1 : 0
                    }
                }
            } else {
                let set = Set(needles)
                for i in 0..<n { out[i] = b.withBytes(at: i) { set.contains(Array($0)) } ? 1 : 0 }
            }
        }
        // x IN () is false even for NULL x; x IN (…, NULL) is NULL when not found; NOT IN likewise.
        var validity = values.isEmpty && !hasNull ? nil : v.validity
        if hasNull {
            var val = validity ?? [Bool](repeating: true, count: n)
            for i in 0..<n where out[i] == 0 { val[i] = false }
            validity = val
        }
        if negated { for i in 0..<n { out[i] = out[i] == 0 ? 1 : 0 } }
        return ColumnVector(storage: .int64(out), validity: validity)
    }

    // MARK: - Casts

    package func castVector(_ v: ColumnVector, from: ColumnType, to: ColumnType, tryCast: Bool) throws(CairnError) -> ColumnVector {
        if from == to { return v }
        let n = v.count
        switch (from, to, v.storage) {
        case (_, _, .int64(let a)) where from.isInteger && to == .double || from.isInteger && to == .real:
            return ColumnVector(storage: .float64(a.map { Double($0) }), validity: v.validity)
        case (_, _, .int64(let a)) where from.isInteger && to.isInteger:
            if to == .bigint || (from == .smallint) || (from == .integer && to == .integer) { return v }
            if tryCast {
                var validity = v.validity ?? [Bool](repeating: true, count: n)
                for i in 0..<n where validity[i] && !Casts.fits(a[i], to) { validity[i] = false }
                return ColumnVector(storage: v.storage, validity: validity)
            }
            for i in 0..<n where !v.isNull(i) { try Casts.checkRange(a[i], to) }
            return v
        case (.boolean, _, _) where to.isInteger:
            return v
        case (_, .boolean, _) where from.isInteger:
            if case .int64(let a) = v.storage, to == .boolean {
                return ColumnVector(storage: .int64(a.map { $0 != 0 ? 1 : 0 }), validity: v.validity)
            }
            return v
        case (_, _, .float64(let a)) where to.isInteger:
            // DOUBLE → integer rounds half to even, like DuckDB (a DECIMAL literal rounds half away
            // from zero; Cairn folds literal casts at bind time, which follows that rule).
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n where !v.isNull(i) {
                let r = a[i].rounded(.toNearestOrEven)
                guard r.isFinite, r >= -9.223372036854775808e18, r < 9.223372036854775808e18 else {
                    if tryCast { continue }
                    throw CairnError(.type, "value \(a[i]) is out of range for \(to)")
                }
                out[i] = Int64(r)
                if to != .bigint && !tryCast { try Casts.checkRange(out[i], to) }
            }
            if tryCast {
                var validity = v.validity ?? [Bool](repeating: true, count: n)
                for i in 0..<n where validity[i] {
                    let r = a[i].rounded(.toNearestOrEven)
                    if !(r.isFinite && r >= -9.223372036854775808e18 && r < 9.223372036854775808e18) || !Casts.fits(out[i], to) {
                        validity[i] = false
                    }
                }
                return ColumnVector(storage: .int64(out), validity: validity)
            }
            return ColumnVector(storage: .int64(out), validity: v.validity)
        case (.timestamp, .timestamptz, _), (.timestamptz, .timestamp, _):
            return v
        case (.timestamp, .date, .int64(let a)), (.timestamptz, .date, .int64(let a)):
            return ColumnVector(storage: .int64(a.map { Calendar.floorDiv($0, Calendar.microsPerDay) }), validity: v.validity)
        case (.date, .timestamp, .int64(let a)), (.date, .timestamptz, .int64(let a)):
            var out = [Int64](repeating: 0, count: n)
            for i in 0..<n where !v.isNull(i) {
                guard let us = Calendar.micros(days: a[i]) else {
                    throw CairnError(.invalidInput, "date \(Calendar.formatDate(a[i])) is out of the timestamp range")
                }
                out[i] = us
            }
            return ColumnVector(storage: .int64(out), validity: v.validity)
        case (.timestamp, .time, .int64(let a)):
            return ColumnVector(storage: .int64(a.map(Calendar.timeOfDay(micros:))), validity: v.validity)
        case (.varchar, .time, .bytes(let b)):
            return try parseText(v, b, to: to, tryCast: tryCast, Calendar.parseTime(bytes:))
        case (.json, .varchar, _):
            return v
        case (.varchar, .timestamp, .bytes(let b)), (.varchar, .timestamptz, .bytes(let b)):
            return try parseText(v, b, to: to, tryCast: tryCast) { Calendar.parseTimestamp(bytes: $0, applyingOffset: to == .timestamptz) }
        default:
            var b = VectorBuilder(type: to, capacity: n)
            for i in 0..<n {
                let x = v.value(at: i, type: from)
                do {
                    b.append(try Casts.castConstant(x, from: from, to: to))
                } catch {
                    if tryCast { b.appendNull() } else { throw error }
                }
            }
            return b.finish()
        }
    }

    /// VARCHAR values `b` (of `v`) parsed by `parse` into an integer-stored `to`; text it refuses is
    /// an error naming it, or NULL under TRY_CAST.
    private func parseText(_ v: ColumnVector, _ b: ByteArray, to: ColumnType, tryCast: Bool,
                           _ parse: (UnsafeBufferPointer<UInt8>) -> Int64?) throws(CairnError) -> ColumnVector {
        let n = v.count
        var out = [Int64](repeating: 0, count: n)
        var validity = v.validity
        for i in 0..<n where !v.isNull(i) {
            if let x = b.withBytes(at: i, parse) { out[i] = x; continue }
            if !tryCast { throw Casts.conversion(b.string(at: i), to) }
            var val = validity ?? [Bool](repeating: true, count: n)
            val[i] = false
            validity = val
        }
        return ColumnVector(storage: .int64(out), validity: validity)
    }
}

extension ColumnVector {
    /// Values as doubles (integers converted), for mixed arithmetic.
    package func asDoubles() -> [Double] {
        switch storage {
        case .float64(let a): a
        case .int64(let a): a.map { Double($0) }
        case .bytes(let b): [Double](repeating: 0, count: b.count)
        case .vectors(let a): [Double](repeating: 0, count: a.count)
        }
    }

    /// This vector, with a storage matching `t.physical` (used for CASE results).
    func materialized(_ t: ColumnType) -> ColumnVector {
        if t.physical == .float64, case .int64(let a) = storage {
            return ColumnVector(storage: .float64(a.map { Double($0) }), validity: validity)
        }
        return self
    }
}
