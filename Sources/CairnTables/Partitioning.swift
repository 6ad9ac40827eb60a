import CairnFormat

/// Maps partition column values to partition keys (docs/format.md §6.2).
///
/// A day partition's key is the day number (days since 1970-01-01); a month partition's key is
/// `year * 12 + month - 1`. DATE values are day numbers already; TIMESTAMP/TIMESTAMPTZ values are
/// microseconds and are floored to their UTC day.
struct Partitioner {
    let columnIndex: Int
    let type: ColumnType
    let granularity: PartitionSpec.Granularity

    init?(schema: TableSchema) {
        guard let spec = schema.partition, let index = schema.partitionColumnIndex else { return nil }
        columnIndex = index
        type = schema.columns[index].type
        granularity = spec.granularity
    }

    @inline(__always)
    func day(of value: Int64) -> Int64 {
        type == .date ? value : Calendar.dayOf(micros: value)
    }

    static func monthKey(day: Int64) -> Int64 {
        let (y, m, _) = Calendar.civil(days: day)
        return Int64(y) * 12 + Int64(m - 1)
    }

    /// First day of month partition `key`.
    static func firstDay(monthKey key: Int64) -> Int64 {
        let year = Calendar.floorDiv(key, 12)
        return Calendar.days(year: Int(year), month: Int(key - year * 12) + 1, day: 1)
    }

    /// Groups the rows of a batch by partition key, in order of first appearance. `rows` is nil when
    /// every row falls into the group (the common case of a batch within one day), saving a gather.
    func split(_ column: ColumnVector) -> [(key: Int64?, rows: [Int]?)] {
        guard case .int64(let values) = column.storage, !values.isEmpty else { return [(nil, nil)] }
        var keys = [Int64](repeating: 0, count: values.count)
        var lastDay = Int64.min, lastKey: Int64 = 0
        values.withUnsafeBufferPointer { v in
            for i in 0..<v.count {
                let d = day(of: v[i])
                if d != lastDay {
                    lastDay = d
                    lastKey = granularity == .day ? d : Self.monthKey(day: d)
                }
                keys[i] = lastKey
            }
        }
        let validity = column.validity
        let first: Int64? = (validity?[0] ?? true) ? keys[0] : nil
        var uniform = true
        for i in 1..<keys.count {
            let k: Int64? = (validity?[i] ?? true) ? keys[i] : nil
            if k != first { uniform = false; break }
        }
        if uniform { return [(first, nil)] }
        var order: [Int64?] = []
        var groups: [[Int]] = []
        var groupOf: [Int64?: Int] = [:]
        // Rows mostly arrive in time order, so the last row's group is looked up once per run, not per row.
        var previous: Int64?? = .none
        var group = 0
        for i in 0..<keys.count {
            let k: Int64? = (validity?[i] ?? true) ? keys[i] : nil
            if previous != .some(k) {
                previous = .some(k)
                if let g = groupOf[k] {
                    group = g
                } else {
                    group = groups.count
                    groupOf[k] = group
                    order.append(k)
                    groups.append([])
                }
            }
            groups[group].append(i)
        }
        return zip(order, groups).map { ($0, $1) }
    }

    /// The inclusive range of column values in partition `key`, as a zone map over `rowCount` rows.
    func zoneMap(key: Int64?, rowCount: Int) -> ZoneMap {
        guard let key else { return .nulls(rowCount) }
        let firstDay: Int64, lastDay: Int64
        switch granularity {
        case .day:
            firstDay = key
            lastDay = key
        case .month:
            firstDay = Self.firstDay(monthKey: key)
            lastDay = Calendar.addMonths(days: firstDay, 1) - 1
        }
        if type == .date { return ZoneMap(min: .int(firstDay), max: .int(lastDay), nullCount: 0, rowCount: rowCount) }
        return ZoneMap(min: .int(firstDay * Calendar.microsPerDay), max: .int((lastDay + 1) * Calendar.microsPerDay - 1),
                       nullCount: 0, rowCount: rowCount)
    }

    /// Directory name of a partition: `2025-09-01` (day), `2025-09` (month), `null`, or `all` for unpartitioned tables.
    static func directoryName(key: Int64?, granularity: PartitionSpec.Granularity?) -> String {
        guard let granularity else { return "all" }
        guard let key else { return "null" }
        switch granularity {
        case .day: return Calendar.formatDate(key)
        case .month: return String(Calendar.formatDate(firstDay(monthKey: key)).dropLast(3))
        }
    }
}
