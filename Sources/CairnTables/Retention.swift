import CairnFormat

/// An interval as stored in a retention policy: calendar months, days and microseconds, like SQL's INTERVAL.
package struct RetentionInterval: Sendable, Codable, Hashable {
    package var months: Int32
    package var days: Int32
    package var micros: Int64

    package init(months: Int32, days: Int32, micros: Int64) {
        self.months = months
        self.days = days
        self.micros = micros
    }

    /// `now` minus this interval, in microseconds; nil if it falls outside the representable range.
    package func cutoff(now: Int64) -> Int64? {
        Calendar.add(micros: now, months: -months, days: -days, micros: -micros)
    }

    /// As `INTERVAL '…'` prints it (`90 days`, `7 years`).
    package var text: String { Calendar.formatInterval(months: months, days: days, micros: micros) }
}

/// One `RETENTION INTERVAL '7 years' WHERE …` rule: rows matching `predicate` (SQL text over the table's
/// columns) are kept for `interval`.
package struct RetentionRule: Sendable, Codable, Hashable {
    package var interval: RetentionInterval
    package var predicate: String

    package init(interval: RetentionInterval, predicate: String) {
        self.interval = interval
        self.predicate = predicate
    }
}

/// How long a table keeps its rows, by the age of its retention column (the partition column, else the
/// first temporal column) measured against the wall clock, never against the newest row, so one
/// future-dated row cannot expire the table.
///
/// A row is kept for the interval of the first rule whose predicate it matches, else for `interval`;
/// with no matching rule and no `interval` it is kept forever. A row whose retention column is NULL
/// never expires. Expired rows are hidden from queries at once; partitions whose every row has expired
/// are removed by deleting their files, and partly expired ones are rewritten by compaction.
package struct RetentionPolicy: Sendable, Codable, Hashable {
    package var interval: RetentionInterval?
    package var rules: [RetentionRule]

    package init(interval: RetentionInterval?, rules: [RetentionRule] = []) {
        self.interval = interval
        self.rules = rules
    }

    /// Rows older than this have expired under every rule, so partitions wholly before it are dropped.
    /// nil when some row may be kept forever (no default interval).
    package func wholeExpiryCutoff(now: Int64) -> Int64? {
        guard let interval else { return nil }
        var cutoff = interval.cutoff(now: now) ?? Int64.min
        for rule in rules { cutoff = min(cutoff, rule.interval.cutoff(now: now) ?? Int64.min) }
        return cutoff == Int64.min ? nil : cutoff
    }

    /// Rows at or after this have not expired under any rule.
    package func noExpiryCutoff(now: Int64) -> Int64 {
        var cutoff = Int64.min
        if let interval { cutoff = max(cutoff, interval.cutoff(now: now) ?? Int64.min) }
        for rule in rules { cutoff = max(cutoff, rule.interval.cutoff(now: now) ?? Int64.min) }
        return cutoff
    }

    /// The clause as CREATE TABLE and `.schema` print it.
    package var sql: String {
        var parts: [String] = []
        if let interval { parts.append("INTERVAL '\(interval.text)'") }
        for rule in rules { parts.append("INTERVAL '\(rule.interval.text)' WHERE \(rule.predicate)") }
        return "RETENTION " + parts.joined(separator: ", ")
    }
}

/// Rows of a batch selected by a predicate the query layer binds (retention rules, DELETE's WHERE): the
/// storage layer scans, the query layer decides which rows match.
package struct RowPredicate: Sendable {
    /// Columns to read (indices into the schema's columns), in the order `select` receives them.
    package var columns: [Int]
    /// Zone-map pruning, as in ``TableSnapshot/scan(columns:mayMatch:)``: false means no row can match.
    package var mayMatch: @Sendable (ZoneMaps) -> Bool
    /// The positions of the matching rows among `count` rows of `columns`, ascending.
    package var select: @Sendable (_ columns: [ColumnVector], _ count: Int) throws(CairnError) -> [Int]
    /// Whether `select` cannot fail whatever the rows hold, so it may see deleted rows too.
    package var neverFails: Bool

    package init(columns: [Int], mayMatch: @escaping @Sendable (ZoneMaps) -> Bool, neverFails: Bool = false,
                 select: @escaping @Sendable ([ColumnVector], Int) throws(CairnError) -> [Int]) {
        self.columns = columns
        self.mayMatch = mayMatch
        self.neverFails = neverFails
        self.select = select
    }
}

/// Binds the expired-row predicate of a table's retention policy at a moment `now`; installed by the query
/// layer, which owns SQL. nil when the table has no retention policy.
package typealias ExpiryBinder = @Sendable (_ schema: TableSchema, _ now: Int64) throws(CairnError) -> RowPredicate?
