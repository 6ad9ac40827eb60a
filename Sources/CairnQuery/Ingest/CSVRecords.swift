/// One CSV field: a byte range of the parsed buffer, and whether it was quoted (and holds escapes).
struct CSVField {
    var start: Int
    var end: Int
    var quoted: Bool
    var escapedQuotes: Bool
    var isEmpty: Bool { start == end }
}

/// Splits a buffer into RFC 4180 records; quoted fields may span lines and hold `""` (or, with an
/// escape character other than the quote, `\"`).
///
/// A quote only opens a field at its start; elsewhere it is kept as text (`ab"c`), as DuckDB does.
/// Text after a closing quote (`"a"b`) and a quote left open at the end of the input are errors,
/// not guesses: either would otherwise silently change or drop data. Without a quote character
/// (`QUOTE ''`) every byte but the delimiter and line breaks is text.
struct CSVRecordParser {
    let delimiter: UInt8
    let quote: UInt8?
    /// Makes the next byte literal inside a quoted field; equal to `quote` for RFC 4180's `""`.
    let escape: UInt8?

    /// The largest of the delimiter and the line break bytes.
    private let highestSpecial: UInt8

    init(delimiter: UInt8, quote: UInt8?, escape: UInt8?) {
        self.delimiter = delimiter
        self.quote = quote
        self.escape = escape
        highestSpecial = max(delimiter, 0x0D)
    }

    /// Malformed input: what is wrong, and the line breaks from the record's start to where.
    struct Malformed: Error {
        let message: String
        let newlines: Int
    }

    /// Parses the record starting at `start` into `fields`: returns where the next one starts and
    /// the line breaks consumed, or nil when the buffer ends first (unless `atEOF`, when the last
    /// record needs no terminator).
    func next(_ buf: UnsafeBufferPointer<UInt8>, from start: Int, atEOF: Bool,
              fields: inout [CSVField]) throws(Malformed) -> (next: Int, newlines: Int)? {
        fields.removeAll(keepingCapacity: true)
        let n = buf.count
        var i = start
        var newlines = 0
        while true {
            if let quote, i < n, buf[i] == quote {
                let opened = newlines
                // A separate escape byte, or the quote again (then the escape test below never passes).
                let separateEscape = escape.flatMap { $0 == quote ? nil : $0 }
                let escapeByte = separateEscape ?? quote
                var j = i + 1
                var escaped = false
                while true {
                    guard j < n else {
                        guard atEOF else { return nil }
                        throw Malformed(message: Self.neverClosed, newlines: opened)
                    }
                    let b = buf[j]
                    // Most bytes are none of the three that matter: plain compares, no optionals.
                    if b != quote, b != escapeByte, b != 0x0A { j += 1; continue }
                    if b == escapeByte, separateEscape != nil {
                        guard j + 1 < n else {
                            guard atEOF else { return nil }
                            throw Malformed(message: Self.neverClosed, newlines: opened)
                        }
                        escaped = true
                        if buf[j + 1] == 0x0A { newlines += 1 }
                        j += 2
                        continue
                    }
                    if b == quote {
                        if j + 1 < n, buf[j + 1] == quote, escape == quote { escaped = true; j += 2; continue }
                        if j + 1 >= n && !atEOF { return nil }
                        break
                    }
                    if b == 0x0A { newlines += 1 }
                    j += 1
                }
                fields.append(CSVField(start: i + 1, end: j, quoted: true, escapedQuotes: escaped))
                i = j + 1
                if i < n, buf[i] != delimiter, buf[i] != 0x0A, buf[i] != 0x0D {
                    throw Malformed(message: "unexpected text after a closing quote (a quote inside a quoted field is written twice: \"\"; "
                                        + "if quotes in this file are plain text, COPY with QUOTE '')", newlines: newlines)
                }
            } else {
                var j = i
                while j < n {
                    let b = buf[j]
                    // Most text bytes sort above every byte that matters here: one compare each.
                    if b > highestSpecial { j += 1; continue }
                    if b == delimiter || b == 0x0A || b == 0x0D { break }
                    j += 1
                }
                if j >= n && !atEOF { return nil }
                fields.append(CSVField(start: i, end: j, quoted: false, escapedQuotes: false))
                i = j
            }
            if i >= n { return atEOF ? (i, newlines) : nil }
            if buf[i] == delimiter { i += 1; continue }
            if buf[i] == 0x0D {
                if i + 1 >= n && !atEOF { return nil }
                i += 1
                if i < n, buf[i] == 0x0A { i += 1 }
            } else {
                i += 1
            }
            return (i, newlines + 1)
        }
    }

    static let neverClosed = "a quoted field opened here is never closed (if quotes in this file are plain text, COPY with QUOTE '')"

    /// The bytes of a quoted field with its escapes undone: `""`, or the escape character and the
    /// byte it makes literal (whichever byte that is, as DuckDB reads it).
    func unescaped(_ buf: UnsafeBufferPointer<UInt8>, _ f: CSVField) -> [UInt8] {
        guard let escape else { return Array(buf[f.start..<f.end]) }
        return [UInt8](unsafeUninitializedCapacity: f.end - f.start) { out, count in
            var i = f.start, k = 0
            while i < f.end {
                if buf[i] == escape, i + 1 < f.end {
                    out[k] = buf[i + 1]
                    i += 2
                } else {
                    out[k] = buf[i]
                    i += 1
                }
                k += 1
            }
            count = k
        }
    }


    /// Where a chunk starting at a record boundary probably may end: just after its last line feed
    /// preceded by an even number of quotes, or nil if there is none. In RFC 4180 input that line
    /// feed ends a record; a quote inside an unquoted field can make it fall inside a quoted one.
    static func lastBoundary(_ buf: UnsafeBufferPointer<UInt8>, quote: UInt8?) -> Int? {
        guard let quote else { return buf.lastIndex(of: 0x0A).map { $0 + 1 } }
        var quotes = ByteCount.occurrences(of: quote, in: buf)
        var i = buf.count - 1
        while i >= 0 {
            let b = buf[i]
            if b == quote {
                quotes -= 1
            } else if b == 0x0A, quotes & 1 == 0 {
                return i + 1
            }
            i -= 1
        }
        return nil
    }
}
