import CairnFormat
import CairnSQL

/// DuckDB's `COLUMNS('regex')` and `COLUMNS(* [EXCLUDE …])`: a SELECT item holding one stands for
/// one item per column the selector picks from the FROM clause, in the FROM's column order, each
/// named after its column, or by the item's alias, in which `\0` stands for the column's name and
/// `\1`… for the regex's groups; each AND-ed part of a WHERE condition holding one must hold for
/// every column it picks. The regex matches anywhere in a name as stored, case-sensitively, as
/// DuckDB's does.
extension Planner {
    /// `e` once per picked column, with the selector replaced by that column, and its output name.
    static func expandColumns(_ e: Expr, alias: String?, scope: Scope) throws(CairnError) -> [(Expr, String)] {
        guard let (pattern, exclude, p) = try selector(in: e) else { return [(e, alias ?? ExprNaming.name(e))] }
        let location = SourceLocation(line: p.line, column: p.column)
        let visible = scope.columns.filter { !$0.hidden }
        var picked: [Scope.Column]
        var regex: Regex<AnyRegexOutput>?
        if let pattern {
            let compiled: Regex<AnyRegexOutput>
            do throws(CairnError) {
                // No option letters, so only the pattern itself can be refused (by compile()).
                guard let parsed = try? RegexPattern(pattern, options: "", allowGlobal: false) else {
                    throw CairnError(.binder, "invalid regular expression '\(pattern)'")
                }
                compiled = try parsed.compile()
            } catch {
                var located = error
                located.location = location
                throw located
            }
            regex = compiled
            picked = visible.filter { $0.name.firstMatch(of: compiled) != nil }
            guard !picked.isEmpty else { throw CairnError(.binder, "no column matches COLUMNS('\(pattern)')", location: location) }
        } else {
            for name in exclude where !visible.contains(where: { $0.name.lowercased() == name.lowercased() }) {
                throw CairnError(.binder, "column \"\(name)\" in EXCLUDE is not among the columns of COLUMNS(*)", location: location)
            }
            picked = visible.filter { c in !exclude.contains { $0.lowercased() == c.name.lowercased() } }
            guard !picked.isEmpty else { throw CairnError(.binder, "COLUMNS(*) picks no column", location: location) }
        }
        return picked.map { c in
            let expanded = outsideSubqueries(e) { node in
                if case .columns(_, _, let at) = node { return .column(qualifier: c.qualifier, name: c.name, at) }
                return nil
            }
            return (expanded, alias.map { Self.name($0, column: c.name, regex: regex) } ?? c.name)
        }
    }

    /// A WHERE condition holding selectors: each AND-ed part that holds one, for every column it
    /// picks, all joined by AND.
    static func expandColumnsCondition(_ e: Expr, scope: Scope) throws(CairnError) -> Expr {
        func conjuncts(_ x: Expr) -> [Expr] {
            if case .binary(.and, let a, let b, _) = x { return conjuncts(a) + conjuncts(b) }
            return [x]
        }
        var parts: [Expr] = []
        for part in conjuncts(e) {
            parts += part.containsColumnsSelector ? try expandColumns(part, alias: nil, scope: scope).map(\.0) : [part]
        }
        return parts.dropFirst().reduce(parts[0]) { .binary(.and, $0, $1, e.position) }
    }

    /// An alias for one picked column: `\0` is the column's name, `\1`… the groups of the regex's
    /// first match in it (empty when it has no such group), `\\` a backslash.
    private static func name(_ alias: String, column: String, regex: Regex<AnyRegexOutput>?) -> String {
        let match = alias.contains("\\") ? regex.flatMap { column.firstMatch(of: $0) } : nil
        return Functions.expandGroups(alias) { g in
            if g == 0 { return column }
            guard let match, g < match.output.count else { return "" }
            return match.output[g].substring.map(String.init) ?? ""
        }
    }

    /// ``Expr/rewritten(_:)`` that leaves subqueries alone: their selectors pick from their own FROM.
    private static func outsideSubqueries(_ e: Expr, _ transform: (Expr) -> Expr?) -> Expr {
        e.rewritten { node in
            switch node {
            case .subquery, .exists: return node
            case .inSubquery(let x, let query, let negated, let p): return .inSubquery(outsideSubqueries(x, transform), query, negated: negated, p)
            default: return transform(node)
            }
        }
    }

    /// The expression's selector; every selector in one expression must pick the same columns.
    private static func selector(in e: Expr) throws(CairnError) -> (pattern: String?, exclude: [String], SQLPosition)? {
        var found: [(pattern: String?, exclude: [String], SQLPosition)] = []
        _ = outsideSubqueries(e) { node in
            if case .columns(let pattern, let exclude, let p) = node { found.append((pattern, exclude, p)) }
            return nil
        }
        guard let first = found.first else { return nil }
        if let other = found.first(where: { $0.pattern != first.pattern || $0.exclude != first.exclude }) {
            throw CairnError(.binder, "one expression may not hold different COLUMNS(…) selectors",
                             location: SourceLocation(line: other.2.line, column: other.2.column))
        }
        return first
    }
}
