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
        case .function(let name, let args, let alias, let columnAliases, let p):
            let (column, type) = try TableFunctions.rows(name, args, context: context, at: p)
            guard columnAliases.count <= 1 else {
                throw CairnError(.binder, "\(name) has 1 column, but \(columnAliases.count) names were given", location: SourceLocation(line: p.line, column: p.column))
            }
            let scope = Scope(columns: [.init(qualifier: alias ?? name, name: columnAliases.first ?? name, type: type)])
            return (scope, Batch(columns: [column], count: column.count))
        case .join(let leftRef, let rightRef, let kind, let on, let using, let p):
            let left = try rows(of: leftRef), right = try rows(of: rightRef)
            var scope = Scope(columns: left.scope.columns + right.scope.columns)
            let width = left.scope.columns.count
            var equalities: [(BoundExpr, BoundExpr)] = []
            var residual: [BoundExpr] = []
            // USING (k): the sides' own k (whatever they are qualified by) are equal; the result has
            // one k, the left's or else the right's, and the right's copy answers only to its qualifier.
            var merged: [(left: Int, right: Int)] = []
            for name in using {
                let location = SourceLocation(line: p.line, column: p.column)
                guard case .success(let l) = left.scope.resolve(qualifier: nil, name: name),
                      case .success(let r) = right.scope.resolve(qualifier: nil, name: name) else {
                    throw CairnError(.binder, "column \"\(name)\" of USING must be a column of both sides, once each", location: location)
                }
                _ = try Self.keyType(left.scope.columns[l].type, right.scope.columns[r].type, p)
                guard left.scope.columns[l].type.physical == right.scope.columns[r].type.physical else {
                    throw CairnError(.binder, "USING (\(name)) joins \(left.scope.columns[l].type) with \(right.scope.columns[r].type); use ON with a CAST", location: location)
                }
                equalities.append((.column(l, left.scope.columns[l].type), .column(r, right.scope.columns[r].type)))
                merged.append((l, r))
                scope.columns[width + r].hidden = true
            }
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
            var joined = Self.gather(left.rows, right.rows, pairs.map { ($0.0, $0.1) })
            var keep = pairs.indices.map { _ in true }
            if !residual.isEmpty {
                let evaluator = Evaluator(context: context)
                let condition = residual.count == 1 ? residual[0] : .and(residual)
                keep = [Bool](repeating: false, count: pairs.count)
                for i in try evaluator.select(condition, joined) { keep[i] = true }
            }
            var kept: [(Int?, Int?)] = pairs.indices.filter { keep[$0] }.map { pairs[$0] }
            // Outer joins add the rows of their preserved side that met no row of the other, NULL-padded.
            if kind == .left || kind == .full {
                var matched = [Bool](repeating: false, count: left.rows.count)
                for case (let l?, _) in kept { matched[l] = true }
                kept += (0..<left.rows.count).filter { !matched[$0] }.map { ($0, nil) }
                kept.sort { ($0.0 ?? -1) < ($1.0 ?? -1) }
            }
            if kind == .right || kind == .full {
                var matched = [Bool](repeating: false, count: right.rows.count)
                for case (_, let r?) in kept { matched[r] = true }
                kept += (0..<right.rows.count).filter { !matched[$0] }.map { (nil, $0) }
            }
            joined = Self.gather(left.rows, right.rows, kept)
            // Past an outer join's right side, the left's k would be NULL where the right's is not: the
            // merged k takes its place (unqualified), and the left's own moves to the end, by qualifier only.
            for (l, r) in merged where kind == .right || kind == .full {
                var own = scope.columns[l]
                own.hidden = true
                scope.columns.append(own)
                joined.columns.append(joined.columns[l])
                scope.columns[l].qualifier = nil
                let type = scope.columns[l].type
                joined.columns[l] = try Evaluator(context: context).evaluate(.coalesce([.column(l, type), .column(width + r, type)], type), joined)
            }
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

    /// `a` where it is not NULL, else `b` (vectors of one type).
    /// The rows `pairs` name, left columns then right ones (NULLs for a missing row of either side).
    private static func gather(_ left: Batch, _ right: Batch, _ pairs: [(Int?, Int?)]) -> Batch {
        func side(_ columns: [ColumnVector], _ rows: [Int?]) -> [ColumnVector] {
            guard rows.contains(where: { $0 == nil }) else { return columns.map { $0.gather(rows.map { $0 ?? 0 }) } }
            let present = rows.map { $0 ?? 0 }
            return columns.map { column in
                var gathered = column.count == 0 ? ColumnVector.nulls(column.physical, count: rows.count) : column.gather(present)
                var validity = gathered.validity ?? [Bool](repeating: true, count: rows.count)
                for (i, j) in rows.enumerated() where j == nil { validity[i] = false }
                gathered.validity = validity
                return gathered
            }
        }
        return Batch(columns: side(left.columns, pairs.map(\.0)) + side(right.columns, pairs.map(\.1)), count: pairs.count)
    }
}
