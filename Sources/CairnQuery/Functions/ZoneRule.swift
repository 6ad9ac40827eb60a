import CairnFormat
import Foundation

/// A time zone named in a query (`AT TIME ZONE 'Europe/Berlin'`): UTC, or an IANA zone whose
/// offsets come from the system's time zone database. Timestamps are stored in UTC; zones only
/// convert between instants and local wall-clock times.
package struct ZoneRule: Hashable, Sendable {
    /// The IANA identifier, or nil for UTC.
    let identifier: String?

    init?(_ name: String) {
        switch name.uppercased() {
        case "UTC", "Z", "GMT", "ETC/UTC", "UCT", "ZULU": identifier = nil
        default:
            // Names match in any case, as DuckDB's do ('europe/berlin').
            guard let known = TimeZone(identifier: name) != nil ? name
                    : TimeZone.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == name.lowercased() }) else { return nil }
            identifier = known
        }
    }

    /// Offsets looked up once per quarter hour of data: zones change their offset on a quarter
    /// hour (offsets are multiples of 15 minutes), a few times a year.
    struct Offsets {
        private let zone: TimeZone?
        private var byQuarter: [Int64: Int64] = [:]
        private static let quarter: Int64 = 15 * 60 * 1_000_000

        init(_ rule: ZoneRule) { zone = rule.identifier.flatMap(TimeZone.init(identifier:)) }

        /// Seconds east of UTC at the instant `utc` (microseconds).
        mutating func seconds(at utc: Int64) -> Int64 {
            guard let zone else { return 0 }
            let key = Calendar.floorDiv(utc, Self.quarter)
            if let known = byQuarter[key] { return known }
            let s = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(key * Self.quarter) / 1e6)))
            if byQuarter.count < 1_000_000 { byQuarter[key] = s }
            return s
        }

        /// The instant whose wall-clock time is `local`. A time skipped by a change of offset, or
        /// repeated by one, takes the zone's standard (smaller) offset, as DuckDB's ICU does.
        mutating func instant(local: Int64) -> Int64 {
            let day: Int64 = 86_400 * Calendar.microsPerSecond
            let before = seconds(at: local - day) * Calendar.microsPerSecond, after = seconds(at: local + day) * Calendar.microsPerSecond
            if before == after { return local - before }
            let fitsBefore = seconds(at: local - before) * Calendar.microsPerSecond == before
            let fitsAfter = seconds(at: local - after) * Calendar.microsPerSecond == after
            if fitsBefore != fitsAfter { return local - (fitsBefore ? before : after) }
            return local - min(before, after)
        }
    }
}
