import CairnFormat
import CairnSQL

/// `UNION`, `EXCEPT` and `INTERSECT` (with or without `ALL`): each query runs on its own, and
/// their rows are combined left to right into one batch named after the first query's columns,
/// which the compound's ORDER BY and LIMIT then read as a FROM subquery. Rows are equal when every
/// value is (NULLs equal, as for DISTINCT); columns of different types are converted to a common
/// one (integers and doubles to DOUBLE, BOOLEAN and integers to BIGINT, dates and timestamps to
/// TIMESTAMP, anything else to VARCHAR), and a column of NULLs takes the other side's type.
extension Planner {
    func combine(_ s: SelectStatement) throws(CairnError) -> (scope: Scope, rows: Batch) {
        var first = s
        first.setOperations = []
        first.orderBy = []
        first.orderByAll = nil
        first.limit = nil
        first.offset = nil
        let head = try run(first)
        var names = head.names
        var types = head.types
        var rows = Self.rows(head)
        for step in s.setOperations {
            var part = try run(step.query)
            if step.op.byName {
                let location = SourceLocation(line: step.query.position.line, column: step.query.position.column)
                part = try Self.matchByName(part, to: &names, types: &types, rows: &rows, location: location)
            }
            guard part.types.count == types.count else {
                throw CairnError(.binder, "each \(step.op.kind.rawValue) query must have the same number of columns "
                                 + "(\(types.count) and \(part.types.count))",
                                 location: SourceLocation(line: step.query.position.line, column: step.query.position.column))
            }
            let right = Self.rows(part)
            // A column with no values (a NULL literal) takes the other side's type.
            let common = types.indices.map { c in
                rows.allSatisfy { $0[c].isNull } ? part.types[c]
                    : right.allSatisfy { $0[c].isNull } ? types[c] : Self.commonType(types[c], part.types[c])
            }
            rows = try Self.convert(rows, from: types, to: common)
            let converted = try Self.convert(right, from: part.types, to: common)
            types = common
            rows = Self.apply(step.op, rows, converted)
        }
        for c in types.indices where types[c] == .vector {
            let dimensions = Set(rows.compactMap { if case .vector(let v) = $0[c] { v.count } else { nil } })
            guard dimensions.count <= 1 else {
                throw CairnError(.type, "set operation combines vectors of different dimensions (\(dimensions.sorted().map(String.init).joined(separator: " and ")))")
            }
        }
        let columns = types.indices.map { c in ColumnVector.from(rows.map { $0[c] }, type: types[c]) }
        let scope = Scope(columns: zip(names, types).map { .init(qualifier: nil, name: $0, type: $1) })
        return (scope, Batch(columns: columns, count: rows.count))
    }

    /// `UNION [ALL] BY NAME`: the combined columns are the left side's, then the right side's other
    /// names in their order (names compare case-insensitively; the first spelling is kept). Left
    /// rows get NULL in the new columns; the right side comes back reordered to match, with NULL
    /// columns (which take the other side's type) where it has no such name.
    private static func matchByName(_ part: MaterializedResult, to names: inout [String], types: inout [ColumnType],
                                    rows: inout [[Value]], location: SourceLocation) throws(CairnError) -> MaterializedResult {
        for side in [names, part.names] {
            var seen = Set<String>()
            for name in side where !seen.insert(name.lowercased()).inserted {
                throw CairnError(.binder, "UNION BY NAME needs distinct column names, but \"\(name)\" occurs twice in one query",
                                 location: location)
            }
        }
        for (name, type) in zip(part.names, part.types) where !names.contains(where: { $0.lowercased() == name.lowercased() }) {
            names.append(name)
            types.append(type)
            for r in rows.indices { rows[r].append(.null) }
        }
        let count = part.columns.first?.count ?? 0
        let source = names.map { name in part.names.firstIndex { $0.lowercased() == name.lowercased() } }
        return MaterializedResult(names: names, types: source.indices.map { c in source[c].map { part.types[$0] } ?? types[c] },
                                  columns: source.map { $0.map { part.columns[$0] } ?? [Value](repeating: .null, count: count) })
    }

    private func run(_ query: SelectStatement) throws(CairnError) -> MaterializedResult {
        try Executor(context: context).run(try nested(at: query.position).plan(query)).result
    }

    private static func rows(_ r: MaterializedResult) -> [[Value]] {
        (0..<(r.columns.first?.count ?? 0)).map { i in r.columns.map { $0[i] } }
    }

    static func commonType(_ a: ColumnType, _ b: ColumnType) -> ColumnType {
        if a == b { return a }
        if a.isNumeric && b.isNumeric { return a.isInteger && b.isInteger ? .bigint : .double }
        if (a == .boolean && b.isInteger) || (b == .boolean && a.isInteger) { return .bigint }
        if a.isTemporal && b.isTemporal { return a == .timestamptz || b == .timestamptz ? .timestamptz : .timestamp }
        return .varchar
    }

    private static func convert(_ rows: [[Value]], from: [ColumnType], to: [ColumnType]) throws(CairnError) -> [[Value]] {
        guard from != to else { return rows }
        var out = rows
        for c in from.indices where from[c] != to[c] {
            for r in out.indices { out[r][c] = try Casts.castConstant(out[r][c], from: from[c], to: to[c]) }
        }
        return out
    }

    private static func key(_ row: [Value]) -> [UInt8] {
        var bytes: [UInt8] = []
        for v in row { ValueKey.append(v, to: &bytes) }
        return bytes
    }

    private static func apply(_ op: SetOperator, _ left: [[Value]], _ right: [[Value]]) -> [[Value]] {
        func distinct(_ rows: [[Value]]) -> [[Value]] {
            var seen = Set<[UInt8]>()
            return rows.filter { seen.insert(key($0)).inserted }
        }
        switch op.kind {
        case .union:
            return op.all ? left + right : distinct(left + right)
        case .except, .intersect:
            var counts: [[UInt8]: Int] = [:]
            for row in right { counts[key(row), default: 0] += 1 }
            let keepFound = op.kind == .intersect
            if !op.all {
                return distinct(left).filter { (counts[key($0)] != nil) == keepFound }
            }
            // ALL: each right row cancels (EXCEPT) or matches (INTERSECT) one left row.
            return left.filter { row in
                let k = key(row)
                guard let n = counts[k], n > 0 else { return !keepFound }
                counts[k] = n - 1
                return keepFound
            }
        }
    }
}
