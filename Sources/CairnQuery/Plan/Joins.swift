import CairnFormat
import CairnSQL

/// Joins in FROM: each source runs on its own (a table as `SELECT * FROM t`, with its retention
/// applied), then the rows are joined in memory and read by the rest of the query like a FROM
/// subquery. Equalities between the two sides (`ON a.x = b.y AND …`) are hash-joined; the rest
/// of the condition is evaluated on the matching pairs. A LEFT join keeps every left row, with
/// NULLs when nothing matched. NULL keys match nothing, as in SQL.
extension Planner {
    /// The most pairs a join without an equality may make (every row with every row, in memory).
    static let maximumCrossPairs = 50_000_000

    /// The rows of FROM source `ref`, computed (a table read whole, a subquery run, a join made),
    /// and the scope that names their columns.
    func rows(of ref: TableRef) throws(CairnError) -> (scope: Scope, rows: Batch) {
        switch ref {
        case .table(let name, let alias, let p):
            var query = SelectStatement(items: [.star(qualifier: nil, position: p)], position: p)
            query.from = .table(name: name, alias: alias, position: p)
            return try source(query, qualifier: alias ?? name, at: p)
        case .subquery(let query, let alias, let p):
            return try source(query, qualifier: alias, at: p)
        case .join(let leftRef, let rightRef, let kind, let on, let p):
            let left = try rows(of: leftRef), right = try rows(of: rightRef)
            let scope = Scope(columns: left.scope.columns + right.scope.columns)
            let width = left.scope.columns.count
            var equalities: [(BoundExpr, BoundExpr)] = []
            var residual: [BoundExpr] = []
            if let on {
                var binder = Binder(scope: scope, context: context)
                let condition = try binder.coerce(try binder.bind(on), to: .boolean, on.position)
                for conjunct in Self.conjuncts(condition) {
                    if case .compare(.eq, let a, let b) = conjunct, let pair = Self.sides(a, b, width: width) {
                        equalities.append(pair)
                    } else {
                        residual.append(conjunct)
                    }
                }
            }
            let pairs = try match(left.rows, right.rows, width: width, equalities, at: p)
            var joined = Self.gather(left.rows, right.rows, pairs)
            var keep = pairs.indices.map { _ in true }
            if !residual.isEmpty {
                let evaluator = Evaluator(context: context)
                let condition = residual.count == 1 ? residual[0] : .and(residual)
                keep = [Bool](repeating: false, count: pairs.count)
                for i in try evaluator.select(condition, joined) { keep[i] = true }
            }
            var kept = pairs.indices.filter { keep[$0] }.map { pairs[$0] }
            if kind == .left {
                var matched = [Bool](repeating: false, count: left.rows.count)
                for (l, _) in kept { matched[l] = true }
                kept += (0..<left.rows.count).filter { !matched[$0] }.map { ($0, nil) }
                kept.sort { $0.0 < $1.0 }
            }
            joined = Self.gather(left.rows, right.rows, kept)
            return (scope, joined)
        }
    }

    private func source(_ query: SelectStatement, qualifier: String?, at p: SQLPosition) throws(CairnError) -> (scope: Scope, rows: Batch) {
        let result = try Executor(context: context).run(try nested(at: p).plan(query)).result
        let scope = Scope(columns: zip(result.names, result.types).map { .init(qualifier: qualifier, name: $0, type: $1) })
        let columns = zip(result.columns, result.types).map { ColumnVector.from($0, type: $1) }
        return (scope, Batch(columns: columns, count: result.columns.first?.count ?? 0))
    }

    private static func conjuncts(_ e: BoundExpr) -> [BoundExpr] {
        if case .and(let parts) = e { return parts.flatMap(conjuncts) }
        return [e]
    }

    /// `a = b` as (left side's expression, right side's expression, renumbered over the right
    /// rows), or nil when it does not compare one side with the other.
    private static func sides(_ a: BoundExpr, _ b: BoundExpr, width: Int) -> (BoundExpr, BoundExpr)? {
        var ca = Set<Int>(), cb = Set<Int>()
        a.collectColumns(into: &ca)
        b.collectColumns(into: &cb)
        func onLeft(_ s: Set<Int>) -> Bool { !s.isEmpty && s.allSatisfy { $0 < width } }
        func onRight(_ s: Set<Int>) -> Bool { !s.isEmpty && s.allSatisfy { $0 >= width } }
        func shifted(_ e: BoundExpr, _ s: Set<Int>) -> BoundExpr {
            e.remapColumns(Dictionary(uniqueKeysWithValues: s.map { ($0, $0 - width) }))
        }
        if onLeft(ca) && onRight(cb) { return (a, shifted(b, cb)) }
        if onLeft(cb) && onRight(ca) { return (b, shifted(a, ca)) }
        return nil
    }

    /// Pairs of (left row, right row) whose keys are equal, in left order; every pair without keys.
    private func match(_ left: Batch, _ right: Batch, width: Int, _ equalities: [(BoundExpr, BoundExpr)],
                       at p: SQLPosition) throws(CairnError) -> [(Int, Int?)] {
        guard !equalities.isEmpty else {
            let (pairs, overflow) = left.count.multipliedReportingOverflow(by: right.count)
            guard !overflow, pairs <= Self.maximumCrossPairs else {
                throw CairnError(.unsupported, "a join without an equality between its sides would pair \(left.count) × \(right.count) rows; "
                                 + "add one (ON a.x = b.y) or filter the sides first",
                                 location: SourceLocation(line: p.line, column: p.column))
            }
            return (0..<left.count).flatMap { l in (0..<right.count).map { (l, $0) } }
        }
        let evaluator = Evaluator(context: context)
        func keys(_ exprs: [BoundExpr], _ rows: Batch) throws(CairnError) -> [[UInt8]?] {
            var columns: [[Value]] = []
            for e in exprs { columns.append(try evaluator.evaluate(e, rows).values(type: e.type)) }
            return (0..<rows.count).map { i in
                var key: [UInt8] = []
                for c in columns {
                    if c[i].isNull { return nil }
                    ValueKey.append(c[i], to: &key)
                }
                return key
            }
        }
        // Keys compare as values of one type: an integer column meets a double one as DOUBLE.
        var l: [BoundExpr] = [], r: [BoundExpr] = []
        for (a, b) in equalities {
            let type = try Self.keyType(a.type, b.type, p)
            l.append(a.type == type ? a : .cast(a, to: type, tryCast: false))
            r.append(b.type == type ? b : .cast(b, to: type, tryCast: false))
        }
        var table: [[UInt8]: [Int]] = [:]
        for (i, key) in try keys(r, right).enumerated() { if let key { table[key, default: []].append(i) } }
        var pairs: [(Int, Int?)] = []
        for (i, key) in try keys(l, left).enumerated() {
            guard let key, let matches = table[key] else { continue }
            for j in matches { pairs.append((i, j)) }
        }
        return pairs
    }

    private static func keyType(_ a: ColumnType, _ b: ColumnType, _ p: SQLPosition) throws(CairnError) -> ColumnType {
        if a == b { return a }
        if a.isNumeric && b.isNumeric { return a.isInteger && b.isInteger ? .bigint : .double }
        if a.isTemporal && b.isTemporal { return .timestamp }
        if a.isString && b.isString { return .varchar }
        throw CairnError(.binder, "cannot join \(a) with \(b); CAST one side", location: SourceLocation(line: p.line, column: p.column))
    }

    /// The rows `pairs` name, left columns then right ones (NULLs for a missing right row).
    private static func gather(_ left: Batch, _ right: Batch, _ pairs: [(Int, Int?)]) -> Batch {
        let l = pairs.map(\.0)
        var columns = left.columns.map { $0.gather(l) }
        let r = pairs.map { $0.1 ?? -1 }
        let hasMissing = r.contains(-1)
        for column in right.columns {
            if !hasMissing { columns.append(column.gather(r)); continue }
            let present = r.map { max($0, 0) }
            var gathered = column.count == 0 ? ColumnVector.nulls(column.physical, count: r.count) : column.gather(present)
            var validity = gathered.validity ?? [Bool](repeating: true, count: r.count)
            for (i, j) in r.enumerated() where j < 0 { validity[i] = false }
            gathered.validity = validity
            columns.append(gathered)
        }
        return Batch(columns: columns, count: pairs.count)
    }
}
