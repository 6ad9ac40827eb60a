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
            guard TimeZone(identifier: name) != nil else { return nil }
            identifier = name
        }
    }

    /// Offsets looked up per hour: a zone changes its offset at most a few times a year, on the hour
    /// or half-hour, so one lookup per hour of data stands for every row in it.
    struct Offsets {
        private let zone: TimeZone?
        private var byHour: [Int64: Int64] = [:]

        init(_ rule: ZoneRule) { zone = rule.identifier.flatMap(TimeZone.init(identifier:)) }

        /// Seconds east of UTC at the instant `utc` (microseconds).
        mutating func seconds(at utc: Int64) -> Int64 {
            guard let zone else { return 0 }
            let hour = Calendar.floorDiv(utc, Calendar.microsPerHour)
            if let known = byHour[hour] { return known }
            let s = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utc) / 1e6)))
            if byHour.count < 100_000 { byHour[hour] = s }
            return s
        }

        /// The instant whose local time is `local`; in a gap or overlap at a change of offset, the
        /// offset after the change.
        mutating func instant(local: Int64) -> Int64 {
            let first = seconds(at: local) * Calendar.microsPerSecond
            let second = seconds(at: local - first) * Calendar.microsPerSecond
            return local - second
        }
    }
}
