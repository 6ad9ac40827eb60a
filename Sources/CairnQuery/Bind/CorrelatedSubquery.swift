import CairnFormat
import CairnSQL
import Synchronization

/// A subquery that refers to columns of the query around it (`WHERE x.tenant_id = e.tenant_id`).
/// Those references become parameters numbered after the statement's own, and the subquery runs
/// once per distinct combination of their values, its answer kept for the rest of the statement:
/// a correlation by tenant runs it once per tenant, one by timestamp once per row.
///
/// It is bound as `.function(.correlated(self), outer values [+ the IN operand], type)`, so the
/// planner moves, renumbers and groups its outer values like any function's arguments.
package final class CorrelatedSubquery: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        /// `(SELECT …)`: its one value, NULL without rows.
        case scalar
        /// `EXISTS (SELECT …)`
        case exists
        /// `x [NOT] IN (SELECT …)`: the operand is the last argument.
        case member(negated: Bool)
    }

    private enum Answer: Sendable {
        case value(Value)
        case rows(Set<Value>, hasNull: Bool)
    }

    let statement: SelectStatement
    let kind: Kind
    /// Outer values are parameters `firstParameter`, `firstParameter + 1`, …
    let firstParameter: Int
    static let maximumKeptAnswers = 100_000
    /// IN: the subquery column's type and the type both sides are compared in.
    let memberType: (column: ColumnType, compared: ColumnType)?
    private let answers = Mutex<[[Value]: Answer]>([:])

    init(_ statement: SelectStatement, kind: Kind, firstParameter: Int, memberType: (ColumnType, ColumnType)? = nil) {
        self.statement = statement; self.kind = kind; self.firstParameter = firstParameter; self.memberType = memberType
    }

    package static func == (a: CorrelatedSubquery, b: CorrelatedSubquery) -> Bool { a === b }
    package func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(self)) }

    /// The statement's parameters followed by one row's outer values.
    private static func parameters(_ outer: [Value], first: Int, _ context: QueryContext) -> [Value] {
        Array(context.parameters.prefix(first - 1)) + outer
    }

    /// Runs the subquery with NULL outer values of their types, for its result types and to report
    /// its mistakes when the statement is bound rather than on the first row. (NULLs make no
    /// arithmetic fail, and match no rows.)
    static func resultTypes(_ statement: SelectStatement, firstParameter: Int, outerTypes: [ColumnType],
                            _ context: QueryContext) throws(CairnError) -> [ColumnType] {
        var query = statement
        if query.limit == nil { query.limit = .literal(.integer(0), query.position) }
        var types = context.nullParameterTypes
        for (k, t) in outerTypes.enumerated() { types[firstParameter + k] = t }
        return try context.runSubquery(query, parameters(outerTypes.map { _ in .null }, first: firstParameter, context), types).types
    }

    /// The answers for `n` rows; `a` are the evaluated arguments (outer values, then the IN operand).
    func evaluate(_ a: [ColumnVector], argTypes: [ColumnType], resultType: ColumnType, count n: Int,
                  context: QueryContext) throws(CairnError) -> ColumnVector {
        let outerCount = kind == .scalar || kind == .exists ? a.count : a.count - 1
        var builder = VectorBuilder(type: resultType, capacity: n)
        var key = [Value](repeating: .null, count: outerCount)
        for i in 0..<n {
            if i & 255 == 0, context.isCancelled() { throw CairnError(.cancelled, "query cancelled") }
            for k in 0..<outerCount { key[k] = a[k].value(at: i, type: argTypes[k]) }
            let answer = try self.answer(key, context)
            switch (kind, answer) {
            case (.member(let negated), .rows(let values, let hasNull)):
                let x = a[outerCount].value(at: i, type: argTypes[outerCount])
                let found: Bool? = x.isNull ? (values.isEmpty && !hasNull ? false : nil)
                    : (values.contains(x) ? true : (hasNull ? nil : false))
                builder.append(found.map { .bool($0 != negated) } ?? .null)
            case (_, .value(let v)):
                builder.append(v)
            default:
                builder.append(.null)
            }
        }
        return builder.finish()
    }

    private func answer(_ key: [Value], _ context: QueryContext) throws(CairnError) -> Answer {
        if let known = answers.withLock({ $0[key] }) { return known }
        var query = statement
        if kind == .exists, query.limit == nil { query.limit = .literal(.integer(1), query.position) }
        let out = try context.runSubquery(query, Self.parameters(key, first: firstParameter, context), context.nullParameterTypes)
        let answer: Answer
        switch kind {
        case .scalar:
            guard out.columns.count == 1 else { throw CairnError(.binder, "scalar subquery must return one column") }
            guard out.columns[0].count <= 1 else { throw CairnError(.invalidInput, "more than one row returned by a subquery used as an expression") }
            answer = .value(out.columns[0].first ?? .null)
        case .exists:
            answer = .value(.bool(!(out.columns.first?.isEmpty ?? true)))
        case .member:
            var values = out.columns.first ?? []
            if let (column, compared) = memberType, column != compared {
                values = try values.map { (v) throws(CairnError) in try Casts.castConstant(v, from: column, to: compared) }
            }
            answer = .rows(Set(values.filter { !$0.isNull }), hasNull: values.contains { $0.isNull })
        }
        // Kept while they are few: a correlation with a value per row of a large table would
        // otherwise hold every answer until the statement ends.
        answers.withLock { if $0.count >= Self.maximumKeptAnswers { $0.removeAll(keepingCapacity: true) }; $0[key] = answer }
        return answer
    }
}

extension Binder {
    /// `sub` with its references to this query's columns (qualified by a name its own FROM clauses
    /// do not introduce, or unqualified names in `borrowed`) replaced by parameters, and those
    /// columns bound here; nil when it has none.
    func correlation(_ sub: SelectStatement, borrowed: Set<String>) -> (statement: SelectStatement, outer: [BoundExpr], firstParameter: Int)? {
        let first = context.parameters.count + 1
        var numbers: [Int: Int] = [:]   // column index here → parameter number
        var outer: [BoundExpr] = []
        let rewritten = sub.replacingOuterColumns { q, name, p in
            guard q != nil || borrowed.contains(name.lowercased()),
                  case .success(let i) = scope.resolve(qualifier: q, name: name) else { return nil }
            if let n = numbers[i] { return .parameter(n, p) }
            let n = first + outer.count
            numbers[i] = n
            outer.append(.column(i, scope.columns[i].type))
            return .parameter(n, p)
        }
        return outer.isEmpty ? nil : (rewritten, outer, first)
    }
}

/// How a query uses a subquery.
enum SubqueryUse {
    case scalar, exists
    /// `operand [NOT] IN (subquery)`
    case member(BoundExpr, negated: Bool)
}

extension Binder {
    /// Binds a subquery used as a value, an EXISTS test or an IN list: run once now when it is
    /// uncorrelated, else once per distinct outer value as the statement runs. A name the subquery
    /// cannot resolve but this query can is this query's column, as DuckDB resolves it (the
    /// subquery is then bound again with it correlated).
    mutating func bindSubquery(_ sub: SelectStatement, _ use: SubqueryUse, _ p: SQLPosition) throws(CairnError) -> BoundExpr {
        var borrowed = Set<String>()
        while true {
            do {
                return try bindSubqueryOnce(sub, use, p, borrowed: borrowed)
            } catch {
                guard borrowed.count < 16, error.code == .binder, let name = Self.unknownUnqualifiedColumn(error),
                      !borrowed.contains(name.lowercased()), case .success = scope.resolve(qualifier: nil, name: name) else { throw error }
                borrowed.insert(name.lowercased())
            }
        }
    }

    /// The name in an "unknown column" error about an unqualified name.
    private static func unknownUnqualifiedColumn(_ e: CairnError) -> String? {
        let prefix = "unknown column \""
        guard e.message.hasPrefix(prefix) else { return nil }
        let rest = e.message.dropFirst(prefix.count)
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let name = String(rest[..<end])
        return name.contains(".") ? nil : name
    }

    private mutating func bindSubqueryOnce(_ sub: SelectStatement, _ use: SubqueryUse, _ p: SQLPosition,
                                           borrowed: Set<String>) throws(CairnError) -> BoundExpr {
        if let c = correlation(sub, borrowed: borrowed) {
            let types = try CorrelatedSubquery.resultTypes(c.statement, firstParameter: c.firstParameter, outerTypes: c.outer.map(\.type), context)
            switch use {
            case .scalar:
                guard types.count == 1 else { throw error("scalar subquery must return one column", p) }
                return .function(.correlated(CorrelatedSubquery(c.statement, kind: .scalar, firstParameter: c.firstParameter)), c.outer, types[0])
            case .exists:
                return .function(.correlated(CorrelatedSubquery(c.statement, kind: .exists, firstParameter: c.firstParameter)), c.outer, .boolean)
            case .member(let b, let negated):
                guard types.count == 1 else { throw error("subquery in IN must return one column", p) }
                // Both sides meet at a common type, as the uncorrelated IN compares them.
                let common = b.isNullConstant ? types[0] : try commonType(b.type, .constant(.null, types[0]), p)
                let s = CorrelatedSubquery(c.statement, kind: .member(negated: negated), firstParameter: c.firstParameter, memberType: (types[0], common))
                return .function(.correlated(s), c.outer + [b.type == common ? b : try coerce(b, to: common, p)], .boolean)
            }
        }
        switch use {
        case .scalar:
            let out = try context.runSubquery(sub, context.parameters, context.nullParameterTypes)
            guard out.columns.count == 1 else { throw error("scalar subquery must return one column", p) }
            guard out.columns[0].count <= 1 else {
                throw error("more than one row returned by a subquery used as an expression", p)
            }
            return .constant(out.columns[0].first ?? .null, out.types[0])
        case .exists:
            // One row answers it.
            var query = sub
            if query.limit == nil { query.limit = .literal(.integer(1), query.position) }
            return .constant(.bool(!(try context.runSubquery(query, context.parameters, context.nullParameterTypes).columns.first?.isEmpty ?? true)), .boolean)
        case .member(let b, let negated):
            let out = try context.runSubquery(sub, context.parameters, context.nullParameterTypes)
            guard out.columns.count == 1 else { throw error("subquery in IN must return one column", p) }
            var values: [Value] = []
            var hasNull = false
            for v in out.columns[0] {
                if v.isNull { hasNull = true; continue }
                let (_, r) = try unify(b, .constant(v, out.types[0]), p)
                if case .constant(let cv, _) = r { values.append(cv) }
            }
            let target = values.isEmpty ? b : try unify(b, .constant(values[0], Self.typeOf(values[0])), p).0
            return .inList(target, values, hasNull: hasNull, negated: negated)
        }
    }
}
