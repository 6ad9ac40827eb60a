import Cairn
import Foundation

/// Loads a CSV file through the typed ``Appender``: the file is parsed into typed columns in small
/// chunks (untimed), each chunk is appended value by value while its values are still in cache, as
/// a service appends events it just built (timed), and the whole file is flushed as one commit at
/// the end (timed), so the appender's own rate can be reported apart from CSV parsing. With
/// ``parseFirst`` every chunk is parsed before the first is appended.
struct AppenderLoader {
    let database: Database
    let table: String
    let path: String
    /// Rows parsed before they are appended: few enough that their strings are still in cache (about
    /// 300 KiB of events), as those of an event a service just built are. With 8,192 the timed loop
    /// spent ~0.2 µs a row more, on cache misses into strings parsed long before.
    var chunkRows = 1_024
    /// Parse the whole file before appending any of it, so the appender and its loader have both
    /// cores to themselves: the rate a producer that costs nothing would see. Holds the file's rows
    /// in memory (a peak of ~820 MiB for a million generated events), so use it on a prefix.
    var parseFirst = false

    struct Result {
        let rows: Int
        /// Parsing plus appending.
        let totalSeconds: Double
        /// Appender calls and flushes only.
        let appenderSeconds: Double
        /// The part of `appenderSeconds` spent in `flush()` (encoding and writing segments).
        let flushSeconds: Double
    }

    private enum Column {
        case timestamps([Int64?])
        case integers([Int64?])
        case doubles([Double?])
        case texts([String?])
    }

    func load(progress: ProgressLine) throws -> Result {
        let shape = try database.execute("SELECT * FROM \(table) LIMIT 0")
        let appender = try database.appender(for: table)
        let reader = try CSVReader(path: path)
        guard let header = try reader.next() else { throw CairnError(.invalidInput, "\(path) is empty") }
        let names = header.map { ($0 ?? "").lowercased() }
        // For each table column, its CSV field (nil: the file lacks it, append NULL).
        let sources: [Int?] = appender.columnNames.map { names.firstIndex(of: $0.lowercased()) }
        let types: [ColumnType] = appender.columnNames.map { name in
            shape.columnNames.firstIndex(of: name).map { shape.columnTypes[$0] } ?? .varchar
        }
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil

        var rows = 0
        var appenderSeconds = 0.0
        let start = Measure.now()
        var records: [[String?]] = []
        records.reserveCapacity(chunkRows)
        var parsed: [Chunk] = []
        while true {
            records.removeAll(keepingCapacity: true)
            while records.count < chunkRows, let record = try reader.next() {
                guard record.count == header.count else {
                    throw CairnError(.invalidInput, "expected \(header.count) fields, found \(record.count)", file: path, line: reader.line)
                }
                records.append(record)
            }
            guard !records.isEmpty else { break }
            let chunk = try Chunk(columns: zip(sources, types).map { source, type in
                try Self.column(records, source, type, path: path, firstLine: reader.line - records.count + 1)
            }, rows: records.count)
            if parseFirst {
                parsed.append(chunk)
            } else {
                appenderSeconds += try Measure.time { try chunk.append(to: appender) }.1
            }
            rows += records.count
            if let fileSize { progress.update(min(1, Double(reader.bytesConsumed) / Double(max(fileSize, 1)))) }
        }
        for chunk in parsed { appenderSeconds += try Measure.time { try chunk.append(to: appender) }.1 }
        let flushSeconds = try Measure.time { try appender.flush() }.1
        appenderSeconds += flushSeconds
        return Result(rows: rows, totalSeconds: Measure.now() - start, appenderSeconds: appenderSeconds,
                      flushSeconds: flushSeconds)
    }

    /// Parsed rows as typed columns, their payloads taken out of the enum once, so the timed loop is
    /// what a service's own loop over typed values would be.
    private struct Chunk {
        let timestamps: [[Int64?]], integers: [[Int64?]], doubles: [[Double?]], texts: [[String?]]
        let plan: [(kind: Int, slot: Int)]
        let rows: Int

        init(columns: [Column], rows: Int) {
            var timestamps: [[Int64?]] = [], integers: [[Int64?]] = [], doubles: [[Double?]] = [], texts: [[String?]] = []
            plan = columns.map { column in
                switch column {
                case .timestamps(let v): timestamps.append(v); return (0, timestamps.count - 1)
                case .integers(let v): integers.append(v); return (1, integers.count - 1)
                case .doubles(let v): doubles.append(v); return (2, doubles.count - 1)
                case .texts(let v): texts.append(v); return (3, texts.count - 1)
                }
            }
            (self.timestamps, self.integers, self.doubles, self.texts, self.rows) = (timestamps, integers, doubles, texts, rows)
        }

        func append(to appender: Appender) throws {
            for r in 0..<rows {
                for (kind, slot) in plan {
                    switch kind {
                    case 0: if let t = timestamps[slot][r] { try appender.append(timestamp: t) } else { try appender.appendNull() }
                    case 1: if let i = integers[slot][r] { try appender.append(i) } else { try appender.appendNull() }
                    case 2: if let d = doubles[slot][r] { try appender.append(d) } else { try appender.appendNull() }
                    default: if let s = texts[slot][r] { try appender.append(s) } else { try appender.appendNull() }
                    }
                }
                try appender.endRow()
            }
        }
    }

    private static func column(_ records: [[String?]], _ source: Int?, _ type: ColumnType, path: String, firstLine: Int) throws -> Column {
        guard let source else { return .texts(Array(repeating: nil, count: records.count)) }
        switch type {
        case .timestamp, .timestamptz:
            return .timestamps(try records.enumerated().map { i, record in
                guard let text = record[source] else { return nil }
                guard let micros = CivilTime.parseTimestamp(Array(text.utf8)) else {
                    throw CairnError(.invalidInput, "bad timestamp \"\(text)\"", file: path, line: firstLine + i)
                }
                return micros
            })
        case .smallint, .integer, .bigint:
            return .integers(try records.enumerated().map { i, record in
                guard let text = record[source] else { return nil }
                guard let v = Int64(text) else { throw CairnError(.invalidInput, "bad integer \"\(text)\"", file: path, line: firstLine + i) }
                return v
            })
        case .double, .real:
            return .doubles(try records.enumerated().map { i, record in
                guard let text = record[source] else { return nil }
                guard let v = Double(text) else { throw CairnError(.invalidInput, "bad number \"\(text)\"", file: path, line: firstLine + i) }
                return v
            })
        default:
            return .texts(records.map { $0[source] })
        }
    }
}
