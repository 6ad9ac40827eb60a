import CairnFormat
import CairnTables
import Foundation
import Testing
@testable import CairnQuery

/// COPY's chunked, parallel parsing must give exactly what one front-to-back read gives: the same
/// rows in the same order, and the same first error on the same line, wherever the chunks are cut.
@Suite struct TextFileLoaderTests {
    final class Fixture {
        let dir: String
        let engine: Engine
        let session: Session

        init(ddl: String) throws {
            dir = NSTemporaryDirectory() + "cairn-copy-\(UInt64.random(in: 0...UInt64.max))"
            engine = try Engine.open(path: dir, readOnly: false, options: EngineOptions(durability: .none))
            session = Session(engine: engine)
            _ = try session.execute(ddl, [])
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        func write(_ text: String, name: String) throws -> String { try write(Array(text.utf8), name: name) }

        func write(_ bytes: [UInt8], name: String) throws -> String {
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }

        func load(_ path: String, syntax: TextFileLoader.Syntax, chunkBytes: Int, workers: Int) throws(CairnError) -> Int {
            guard let table = engine.snapshot().table("t") else { throw CairnError(.notFound, "no table t") }
            var loader = TextFileLoader(engine: engine, schema: table.schema, targets: Array(table.schema.columns.indices),
                                        path: path, syntax: syntax, isCancelled: { false }, progress: nil)
            loader.chunkBytes = chunkBytes
            loader.workers = workers
            return try loader.load()
        }

        func rows() throws -> [[String]] {
            let r = try session.execute("SELECT * FROM t", [])
            return (0..<(r.columns.first?.count ?? 0)).map { i in r.columns.map { "\($0[i])" } }
        }

        func clear() throws { _ = try session.execute("DELETE FROM t", []) }
    }

    static let csv = UInt8(ascii: ",")
    static let quote = UInt8(ascii: "\"")

    /// Quoted line breaks, doubled quotes, CRLF, blank lines, empty and quoted-empty fields, and an
    /// unterminated last line.
    static let awkwardCSV = "id,note,n\r\n"
        + "1,\"two\nlines\",10\r\n"
        + "2,plain,20\n"
        + "\n"
        + "3,\"say \"\"hi\"\"\",\n"
        + "4,\"\",40\n"
        + "5,\"a,b\r\nc\",50\n"
        + (6..<40).map { "\($0),\"row \($0)\nsecond line\",\($0 * 10)\n" }.joined()
        + "40,last,400"

    @Test func everyChunkSizeGivesTheRowsOfOneRead() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR, n INTEGER)")
        let path = try f.write(Self.awkwardCSV, name: "a.csv")
        let syntax = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: true, nullString: [])
        #expect(try f.load(path, syntax: syntax, chunkBytes: 1 << 20, workers: 1) == 40)
        let expected = try f.rows()
        #expect(expected.count == 40)
        #expect(expected[0] == ["1", "two\nlines", "10"])
        #expect(expected[2] == ["3", "say \"hi\"", "NULL"])
        #expect(expected[3] == ["4", "NULL", "40"])   // a quoted empty field is NULL too, as in DuckDB
        #expect(expected[4] == ["5", "a,b\r\nc", "50"])
        #expect(expected[39] == ["40", "last", "400"])
        for chunkBytes in [1, 2, 3, 7, 16, 31, 64, 100, 257] {
            for workers in [1, 2, 3] {
                try f.clear()
                #expect(try f.load(path, syntax: syntax, chunkBytes: chunkBytes, workers: workers) == 40)
                #expect(try f.rows() == expected, "chunkBytes \(chunkBytes), workers \(workers)")
            }
        }
    }

    @Test func strayQuotesAreParsedInOrder() throws {
        // `ab"c` keeps its quote as text; counting quotes would misplace every later boundary.
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        let text = (0..<30).map { i in i % 7 == 3 ? "\(i),ab\"c\n" : "\(i),\"q\nq\"\n" }.joined()
        let path = try f.write(text, name: "s.csv")
        let syntax = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: false, nullString: [])
        #expect(try f.load(path, syntax: syntax, chunkBytes: 1 << 20, workers: 1) == 30)
        let expected = try f.rows()
        #expect(expected[3] == ["3", "ab\"c"])
        #expect(expected[4] == ["4", "q\nq"])
        for chunkBytes in [5, 13, 40] {
            try f.clear()
            #expect(try f.load(path, syntax: syntax, chunkBytes: chunkBytes, workers: 2) == 30)
            #expect(try f.rows() == expected, "chunkBytes \(chunkBytes)")
        }
    }

    @Test func theFirstErrorInTheFileIsReportedWithItsLine() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        // Line 1 is the header; every record but the bad ones spans two lines.
        var text = "id,note\n"
        var line = 2
        var firstBad = 0
        for i in 0..<60 {
            if i == 25 || i == 50 {
                if firstBad == 0 { firstBad = line }
                text += "x\(i),bad\n"
                line += 1
            } else {
                text += "\(i),\"two\nlines\"\n"
                line += 2
            }
        }
        let path = try f.write(text, name: "e.csv")
        let syntax = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: true, nullString: [])
        for (chunkBytes, workers) in [(1 << 20, 1), (9, 2), (50, 2), (123, 3)] {
            let e = #expect(throws: CairnError.self) { try f.load(path, syntax: syntax, chunkBytes: chunkBytes, workers: workers) }
            #expect(e?.line == firstBad, "chunkBytes \(chunkBytes)")
            #expect(e?.message.contains("id") == true)
            #expect(try f.rows().isEmpty)
        }
    }

    @Test func malformedQuotingIsAnErrorNamingItsLine() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        let syntax = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: true, nullString: [])
        // A quote left open (a log cut mid-line) would otherwise swallow every later row.
        for (text, line, message) in [("id,note\n1,ok\n2,\"oops\n3,fine\n4,fine\n", 3, "never closed"),
                                      ("id,note\n1,ok\n2,\"cut", 3, "never closed"),
                                      ("id,note\n1,ok\n2,\"two\nlines\"\n3,\"x\"y\n", 5, "after a closing quote")] {
            let path = try f.write(text, name: "q.csv")
            for (chunkBytes, workers) in [(1 << 20, 1), (4, 2), (9, 3)] {
                let e = #expect(throws: CairnError.self) { try f.load(path, syntax: syntax, chunkBytes: chunkBytes, workers: workers) }
                #expect(e?.line == line && e?.message.contains(message) == true, "\(text) chunkBytes \(chunkBytes): \(String(describing: e))")
                #expect(try f.rows().isEmpty)
            }
        }
    }

    @Test func byteOrderMarksEscapesNullStringsAndEncoding() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        let plain = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: false, nullString: [])
        // A byte-order mark opening the file is not part of the first field, header or not.
        var path = try f.write([0xEF, 0xBB, 0xBF] + Array("1,a\n2,b\n".utf8), name: "bom.csv")
        #expect(try f.load(path, syntax: plain, chunkBytes: 2, workers: 2) == 2)
        #expect(try f.rows() == [["1", "a"], ["2", "b"]])
        try f.clear()
        path = try f.write([0xEF, 0xBB, 0xBF] + Array("{\"id\": 1, \"note\": \"a\"}\n".utf8), name: "bom.jsonl")
        #expect(try f.load(path, syntax: .jsonLines, chunkBytes: 1 << 20, workers: 1) == 1)
        #expect(try f.rows() == [["1", "a"]])
        try f.clear()
        // ESCAPE '\\' makes the byte after it literal, as in DuckDB: `\"` is a quote, `\\` a backslash, `\n` an n.
        let backslash = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: UInt8(ascii: "\\"), header: false, nullString: [])
        path = try f.write("1,\"say \\\"hi\\\" \\\\ \\n\"\n", name: "esc.csv")
        #expect(try f.load(path, syntax: backslash, chunkBytes: 1 << 20, workers: 1) == 1)
        #expect(try f.rows() == [["1", "say \"hi\" \\ n"]])
        try f.clear()
        // A field equal to the NULL string is NULL, quoted or not; with NULL '\\N' an empty field is ''.
        let backslashN = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: Self.quote, header: false,
                                                   nullString: Array("\\N".utf8))
        path = try f.write("1,\n2,\\N\n3,\"\"\n,x\n", name: "n.csv")
        #expect(try f.load(path, syntax: backslashN, chunkBytes: 1 << 20, workers: 1) == 4)
        #expect(try f.rows() == [["1", ""], ["2", "NULL"], ["3", ""], ["NULL", "x"]])
        try f.clear()
        // Text must be UTF-8; compressed files are named as such.
        path = try f.write(Array("1,ok\n2,caf".utf8) + [0xE9] + Array("\n".utf8), name: "latin1.csv")
        let e = #expect(throws: CairnError.self) { try f.load(path, syntax: plain, chunkBytes: 1 << 20, workers: 1) }
        #expect(e?.line == 2 && e?.message.contains("invalid UTF-8 at byte 4") == true, "\(String(describing: e))")
        path = try f.write([0x1F, 0x8B, 0x08, 0x00], name: "x.csv.gz")
        let g = #expect(throws: CairnError.self) { try f.load(path, syntax: plain, chunkBytes: 1 << 20, workers: 1) }
        #expect(g?.message.contains("gzip-compressed") == true)
        // QUOTE '': quotes are text (tab-separated logs often hold them).
        let unquoted = TextFileLoader.Syntax.csv(delimiter: 0x09, quote: nil, escape: nil, header: false, nullString: [])
        path = try f.write("1\t\"quoted\" start\n2\t\"open\n", name: "q.tsv")
        #expect(try f.load(path, syntax: unquoted, chunkBytes: 3, workers: 2) == 2)
        #expect(try f.rows() == [["1", "\"quoted\" start"], ["2", "\"open"]])
        try f.clear()
        #expect(try f.rows().isEmpty)
    }

    @Test func globsLoadEveryMatchAtomicallyAndJSONArraysLoadTheirElements() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        _ = try f.write("id,note\n1,a\n2,b\n", name: "p1.csv")
        _ = try f.write("id,note\n3,c\n", name: "p2.csv")
        #expect(try f.session.execute("COPY t FROM '\(f.dir)/p*.csv' (HEADER)", []).rowsAffected == 3)
        #expect(try f.rows() == [["1", "a"], ["2", "b"], ["3", "c"]])
        // A bad file among the matches loads none of them.
        _ = try f.write("id,note\nx,d\n", name: "p3.csv")
        let e = #expect(throws: CairnError.self) { try f.session.execute("COPY t FROM '\(f.dir)/p*.csv' (HEADER)", []) }
        #expect(e?.file?.hasSuffix("p3.csv") == true && e?.line == 2)
        #expect(try f.rows().count == 3)
        let none = #expect(throws: CairnError.self) { try f.session.execute("COPY t FROM '\(f.dir)/nothing*.csv'", []) }
        #expect(none?.message.contains("no file matches") == true)
        // A file whose own name holds pattern characters is read as named; text starting "BZh" is not bzip2.
        try f.clear()
        let literal = try f.write("id,note\n7,BZh\n", name: "data[1].csv")
        #expect(try f.session.execute("COPY t FROM '\(literal)' (HEADER)", []).rowsAffected == 1)
        let bzh = try f.write("8,BZh91AY\n", name: "bzh.csv")
        #expect(try f.session.execute("COPY t FROM '\(bzh)'", []).rowsAffected == 1)
        #expect(try f.rows() == [["7", "BZh"], ["8", "BZh91AY"]])
        try f.clear()
        let path = try f.write("[\n  {\"id\": 1, \"note\": \"x\"},\n  {\"id\": 2, \"note\": null}\n]\n", name: "a.json")
        #expect(try f.session.execute("COPY t FROM '\(path)'", []).rowsAffected == 2)
        #expect(try f.rows() == [["1", "x"], ["2", "NULL"]])
        let bad = try f.write("[{\"id\": 1},\n {\"id\": 2} {\"id\": 3}]", name: "b.json")
        let b = #expect(throws: CairnError.self) { try f.session.execute("COPY t FROM '\(bad)'", []) }
        #expect(b?.line == 2 && b?.message.contains("expected ',' or ']'") == true)
    }

    @Test func backslashEscapedFilesGiveTheRowsOfOneReadAtEveryChunkSize() throws {
        // Escaped quotes make the quote-count guess at chunk boundaries wrong; the parse must still
        // prove each cut, falling back to one thread where a guess was wrong.
        let pieces = ["a", "b,c", "\\\"", "\\\\", "\n", "\r\n", " ", "é"]
        var text = ""
        for i in 0..<200 {
            // Mixed runs of up to six pieces, the same on every run.
            let note = (0..<(i % 7)).map { k in pieces[(i * 5 + k * 3) % pieces.count] }.joined()
            text += "\(i),\"\(note)\"\n"
        }
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        let path = try f.write(text, name: "e.csv")
        let syntax = TextFileLoader.Syntax.csv(delimiter: Self.csv, quote: Self.quote, escape: UInt8(ascii: "\\"), header: false, nullString: [])
        #expect(try f.load(path, syntax: syntax, chunkBytes: 1 << 20, workers: 1) == 200)
        let expected = try f.rows()
        for (chunkBytes, workers) in [(1, 2), (3, 3), (7, 2), (50, 2), (333, 3)] {
            try f.clear()
            #expect(try f.load(path, syntax: syntax, chunkBytes: chunkBytes, workers: workers) == 200)
            #expect(try f.rows() == expected, "chunkBytes \(chunkBytes), workers \(workers)")
        }
    }

    @Test func withoutHeaderOptionAFirstLineNamingTheColumnsIsSkipped() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR)")
        let named = try f.write([0xEF, 0xBB, 0xBF] + Array("ID, note\n1,a\n".utf8), name: "h.csv")
        #expect(try f.session.execute("COPY t FROM '\(named)'", []).rowsAffected == 1)
        let plain = try f.write("2,b\n", name: "n.csv")
        #expect(try f.session.execute("COPY t FROM '\(plain)'", []).rowsAffected == 1)
        #expect(try f.rows() == [["1", "a"], ["2", "b"]])
        // HEADER false reads the first line as data.
        let e = #expect(throws: CairnError.self) { try f.session.execute("COPY t FROM '\(named)' (HEADER false)", []) }
        #expect(e?.line == 1)
    }

    @Test func jsonLinesInChunks() throws {
        let f = try Fixture(ddl: "CREATE TABLE t (id BIGINT, note VARCHAR, meta JSON)")
        let text = (0..<25).map { i in
            i == 7 ? "   \r\n" : "{\"ID\": \(i), \"note\": \"n\\n\(i)\", \"meta\": {\"k\": [\(i), null]}}\r\n"
        }.joined()
        let path = try f.write(text, name: "j.jsonl")
        #expect(try f.load(path, syntax: .jsonLines, chunkBytes: 1 << 20, workers: 1) == 24)
        let expected = try f.rows()
        #expect(expected[0] == ["0", "n\n0", "{\"k\":[0,null]}"])   // re-serialized as DuckDB does
        for chunkBytes in [3, 20, 77] {
            try f.clear()
            #expect(try f.load(path, syntax: .jsonLines, chunkBytes: chunkBytes, workers: 2) == 24)
            #expect(try f.rows() == expected)
        }
        let bad = try f.write(text + "{\"id\": 1,\n", name: "bad.jsonl")
        let e = #expect(throws: CairnError.self) { try f.load(bad, syntax: .jsonLines, chunkBytes: 16, workers: 2) }
        #expect(e?.line == 26)
    }
}

@Suite struct ByteCountTests {
    @Test func countsEqualANaiveLoop() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4079, 4080, 4081, 4099, 8161] {
            // A small alphabet, so every byte value appears often, including runs and both ends.
            let bytes = (0..<length).map { _ in [0x0A, 0x22, 0x00, 0xFF, 0x41, 0x80, 0x7F][Int.random(in: 0..<7, using: &rng)] as UInt8 }
            for target: UInt8 in [0x0A, 0x22, 0x00, 0xFF, 0x80, 0x7F, 0x01] {
                let naive = bytes.reduce(0) { $0 + ($1 == target ? 1 : 0) }
                #expect(bytes.withUnsafeBufferPointer { ByteCount.occurrences(of: target, in: $0) } == naive, "length \(length), byte \(target)")
            }
        }
        // Every byte a match: the 8-bit lane counters must be summed before they wrap at 256.
        for length in [4080, 4096, 8160, 20_000] {
            let same = [UInt8](repeating: 0x0A, count: length)
            #expect(same.withUnsafeBufferPointer { ByteCount.occurrences(of: 0x0A, in: $0) } == length)
        }
    }
}

