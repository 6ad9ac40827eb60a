import CairnFormat

/// A constant regular expression of `regexp_matches`, `regexp_extract`, `regexp_replace` and the
/// `~` operators, with DuckDB's option letters. Swift's `Regex` reads the RE2-style syntax users
/// write for DuckDB (classes such as `\d` and `\w`, `(?:…)`, lazy quantifiers) and matches by
/// Unicode scalar with ASCII `\d`, `\w` and `\s`, as RE2 does. The pattern is checked when the query
/// is bound and compiled once per batch.
package struct RegexPattern: Hashable, Sendable {
    package let pattern: String
    package let caseInsensitive: Bool
    /// `.` also matches a newline (option `s`).
    package let dotAll: Bool
    /// `regexp_replace` replaces every match, not just the first (option `g`).
    package let global: Bool

    /// Parses DuckDB's options: `c` case-sensitive (the default), `i` case-insensitive, `s` dot
    /// matches newlines, `g` every match (replace only); throws with a letter it does not know.
    init(_ pattern: String, options: String, allowGlobal: Bool) throws(RegexOptionError) {
        var caseInsensitive = false, dotAll = false, global = false
        for letter in options {
            switch letter {
            case "c": caseInsensitive = false
            case "i": caseInsensitive = true
            case "s": dotAll = true
            case "g" where allowGlobal: global = true
            default: throw RegexOptionError(letter: letter)
            }
        }
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        self.dotAll = dotAll
        self.global = global
    }

    struct RegexOptionError: Error { let letter: Character }

    func compile() throws(CairnError) -> Regex<AnyRegexOutput> {
        do {
            // RE2's \d, \w and \s are ASCII classes.
            var regex = try Regex(pattern).matchingSemantics(.unicodeScalar).asciiOnlyCharacterClasses()
            if caseInsensitive { regex = regex.ignoresCase() }
            if dotAll { regex = regex.dotMatchesNewlines() }
            return regex
        } catch {
            throw CairnError(.invalidInput, "invalid regular expression '\(pattern)': \(error)")
        }
    }
}

extension Functions {
    /// `regexp_matches(s, p)`: whether `p` matches anywhere in `s`.
    static func regexpMatches(_ v: ColumnVector, _ pattern: RegexPattern, _ n: Int) throws(CairnError) -> ColumnVector {
        let regex = try pattern.compile()
        guard case .bytes(let b) = v.storage else { return .nulls(.int64, count: n) }
        var out = [Int64](repeating: 0, count: n)
        for i in 0..<n where !v.isNull(i) {
            out[i] = b.string(at: i).firstMatch(of: regex) == nil ? 0 : 1
        }
        return ColumnVector(storage: .int64(out), validity: v.validity)
    }

    /// `regexp_extract(s, p, group)`: the group's text in the first match, '' when nothing matches
    /// or the group took no part (as DuckDB returns).
    static func regexpExtract(_ v: ColumnVector, _ groups: ColumnVector, _ pattern: RegexPattern, _ n: Int) throws(CairnError) -> ColumnVector {
        let regex = try pattern.compile()
        var builder = VectorBuilder(type: .varchar, capacity: n)
        for i in 0..<n {
            guard case .string(let s) = v.value(at: i, type: .varchar), case .int(let group) = groups.value(at: i, type: .bigint) else {
                builder.appendNull()
                continue
            }
            // No match, a group the pattern lacks, or one that took no part: '' (as DuckDB returns).
            guard let match = s.firstMatch(of: regex), group >= 0, group < match.output.count else {
                builder.append(.string(""))
                continue
            }
            builder.append(.string(match.output[Int(group)].substring.map(String.init) ?? ""))
        }
        return builder.finish()
    }

    /// `regexp_replace(s, p, replacement)`: the first match (every match with option `g`) replaced;
    /// `\0`…`\9` in the replacement insert the match and its groups, `\\` a backslash.
    static func regexpReplace(_ v: ColumnVector, _ replacements: ColumnVector, _ pattern: RegexPattern, _ n: Int) throws(CairnError) -> ColumnVector {
        let regex = try pattern.compile()
        var builder = VectorBuilder(type: .varchar, capacity: n)
        for i in 0..<n {
            guard case .string(let s) = v.value(at: i, type: .varchar),
                  case .string(let replacement) = replacements.value(at: i, type: .varchar) else {
                builder.appendNull()
                continue
            }
            let matches = pattern.global ? s.matches(of: regex) : (s.firstMatch(of: regex).map { [$0] } ?? [])
            var out = ""
            var rest = s.startIndex
            for match in matches {
                // As in RE2, an empty match right where a match ended is not another match ('a*' on "aaa").
                if match.range.isEmpty, match.range.lowerBound == rest, rest != s.startIndex { continue }
                out += s[rest..<match.range.lowerBound]
                out += expandGroups(replacement) { g in g < match.output.count ? match.output[g].substring.map(String.init) ?? "" : "" }
                rest = match.range.upperBound
            }
            out += s[rest...]
            builder.append(.string(out))
        }
        return builder.finish()
    }

    /// `template` with `\0`…`\9` replaced by `group(n)` (a group the pattern does not have should
    /// give ""); a backslash before any other character keeps that character, a trailing one stays.
    /// The replacement text of `regexp_replace` and the aliases of `COLUMNS(…)` read alike.
    static func expandGroups(_ template: String, _ group: (Int) -> String) -> String {
        guard template.contains("\\") else { return template }
        var out = ""
        var escaped = false
        for c in template {
            if escaped {
                if let digit = c.wholeNumberValue, c.isASCII {
                    out += group(digit)
                } else {
                    out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        if escaped { out.append("\\") }
        return out
    }
}
