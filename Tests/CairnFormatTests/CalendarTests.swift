import Testing
@testable import CairnFormat

@Suite struct CalendarTests {
    @Test func civilRoundTrip() {
        for d in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (y, m, day) = Calendar.civil(days: d)
            #expect(Calendar.days(year: y, month: m, day: day) == d)
        }
        #expect(Calendar.days(year: 1970, month: 1, day: 1) == 0)
        #expect(Calendar.days(year: 2000, month: 3, day: 1) == 11017)
    }

    @Test func parsesAndFormatsTimestamps() throws {
        let t = try #require(Calendar.parseTimestamp("2025-09-01 10:00:00", applyingOffset: true))
        #expect(Calendar.formatTimestamp(t) == "2025-09-01 10:00:00")
        let f = try #require(Calendar.parseTimestamp("2025-09-01T10:00:00.250Z", applyingOffset: true))
        #expect(Calendar.formatTimestamp(f) == "2025-09-01 10:00:00.25")
        let o = try #require(Calendar.parseTimestamp("2025-09-01 12:00:00+02:00", applyingOffset: true))
        #expect(o == t)
        // A TIMESTAMP keeps the wall-clock time and ignores the offset, as PostgreSQL and DuckDB do.
        #expect(Calendar.parseTimestamp("2025-09-01 10:00:00+02:00", applyingOffset: false) == t)
        #expect(Calendar.parseTimestamp("2025-09-01 10:00:00.", applyingOffset: false) == t)
        #expect(Calendar.parseTimestamp("2025-09-01 10:00:00+2x", applyingOffset: false) == nil)
        #expect(Calendar.parseTimestamp("2025-02-30", applyingOffset: true) == nil)
        #expect(Calendar.parseTimestamp("2025-09-01 25:00:00", applyingOffset: true) == nil)
        #expect(Calendar.formatTimestamp(-1) == "1969-12-31 23:59:59.999999")
    }

    /// TIME text as DuckDB reads and prints it; every microsecond of a day round-trips (sampled).
    @Test func parsesAndFormatsTimes() {
        for micros in stride(from: Int64(0), through: Calendar.microsPerDay, by: 7_919_999_977) + [0, 1, 999_999, Calendar.microsPerDay - 1] {
            #expect(Calendar.parseTime(Substring(Calendar.formatTime(micros))) == micros, "\(micros)")
        }
        let cases: [(String, Int64?)] = [
            ("12:30", 45_000_000_000), ("1:2:3", 3_723_000_000), ("00:14:30.991", 870_991_000), ("10:00:00.1234567", 36_000_123_456),
            ("24:00:00", Calendar.microsPerDay), ("2024-01-01 10:00:00", 36_000_000_000), ("10:00:00+02", 36_000_000_000),
            (" 10:00 ", 36_000_000_000), ("25:00:00", nil), ("10:60", nil), ("10:00:60", nil), ("24:00:01", nil), ("T10:00", nil),
            ("10", nil), ("10:00:00 x", nil), ("", nil),
        ]
        for (text, expected) in cases { #expect(Calendar.parseTime(Substring(text)) == expected, "\(text)") }
        #expect(Calendar.formatTime(45_000_500_000) == "12:30:00.5")
        #expect(Calendar.formatTime(Calendar.microsPerDay) == "24:00:00")
    }

    @Test func addMonthsClamps() {
        let jan31 = Calendar.days(year: 2024, month: 1, day: 31)
        #expect(Calendar.formatDate(Calendar.addMonths(days: jan31, 1)) == "2024-02-29")
        #expect(Calendar.formatDate(Calendar.addMonths(days: jan31, -2)) == "2023-11-30")
    }

    @Test func formatsIntervals() {
        #expect(Calendar.formatInterval(months: 0, days: 7, micros: 0) == "7 days")
        #expect(Calendar.formatInterval(months: 0, days: 0, micros: Calendar.microsPerHour) == "01:00:00")
        #expect(Calendar.formatInterval(months: 14, days: 1, micros: 0) == "1 year 2 months 1 day")
    }
}
