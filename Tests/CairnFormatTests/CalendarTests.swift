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
