// The words the parser gives meaning to. Most are non-reserved: they still work as column,
// table and function names (`date`, `day`, `key`, `timestamp`, …). Reserved ones must be
// double-quoted to be used as names, as in PostgreSQL.

enum Keyword: String, Sendable, CaseIterable {
    case add, all, alter, analyze, and, array, `as`, asc, between, by
    case `case`, cast, character, check, checkpoint, collate, column, constraint, copy, create, cross
    case currentDate = "current_date", currentTime = "current_time", currentTimestamp = "current_timestamp"
    case date, `default`, desc, distinct, double, drop
    case `else`, end, escape, except, exists, explain, extract
    case `false`, fetch, filter, first, `for`, from, full, group, having
    case `if`, ilike, `in`, inner, insert, intersect, interval, into, `is`
    case join, json, key, last, left, like, limit, localtimestamp
    case natural, not, null, nulls, offset, on, or, order, outer, over
    case partition, precision, primary, qualify, references, returning, right, row, rows
    case select, set, table, then, time, timestamp, timestamptz, to, `true`, tryCast = "try_cast"
    case union, unique, using, values, varying, when, `where`, window, with, within, without, zone

    /// Reserved words cannot be unquoted column, table or alias names (PostgreSQL's reserved set,
    /// restricted to the words this dialect knows, plus join keywords so `FROM t JOIN` is not an alias).
    var isReserved: Bool {
        switch self {
        case .all, .and, .array, .as, .asc, .between, .case, .cast, .check, .collate, .column, .constraint,
             .create, .cross, .currentDate, .currentTime, .currentTimestamp, .default, .desc, .distinct,
             .else, .end, .except, .false, .fetch, .for, .from, .full, .group, .having, .ilike, .in, .inner,
             .intersect, .into, .is, .join, .left, .like, .limit, .localtimestamp, .natural, .not, .null,
             .offset, .on, .or, .order, .outer, .primary, .qualify, .references, .returning, .right, .select,
             .table, .then, .to, .true, .tryCast, .union, .unique, .using, .when, .where, .window, .with:
            true
        default:
            false
        }
    }

    /// Reserved words that may still name a function when followed by `(`.
    var isFunctionName: Bool { self == .left || self == .right }
}

/// Lower-case word → keyword. A dictionary, because `init(rawValue:)` compares one case at a time.
let keywordsByText: [String: Keyword] = Dictionary(uniqueKeysWithValues: Keyword.allCases.map { ($0.rawValue, $0) })
