#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Cairn

/// Streams RFC 4180 CSV records from a file: fields separated by `,`, optionally quoted with `"`
/// (a doubled `""` inside quotes is one quote), records ended by `\n` or `\r\n`. An empty unquoted
/// field is NULL, as in DuckDB and Cairn's COPY.
final class CSVReader {
    private let file: UnsafeMutablePointer<FILE>
    private let path: String
    private var buffer: [UInt8] = []
    private var position = 0
    private var eof = false
    private(set) var line = 0
    private var discarded = 0

    /// Bytes of the file parsed so far.
    var bytesConsumed: Int { discarded + position }

    init(path: String) throws {
        guard let f = fopen(path, "rb") else {
            throw CairnError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        file = f
        self.path = path
    }

    deinit { fclose(file) }

    /// Reads more bytes, keeping the unconsumed tail. Returns false at end of file.
    private func refill() -> Bool {
        guard !eof else { return false }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            discarded += position
            position = 0
        }
        let chunk = 4 << 20
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let n = buffer.withUnsafeMutableBufferPointer { fread($0.baseAddress! + old, 1, chunk, file) }
        buffer.removeLast(chunk - n)
        if n == 0 { eof = true }
        return n > 0
    }

    /// The next record's fields (nil for NULL), or nil at end of input.
    func next() throws -> [String?]? {
        while true {
            if let record = try parseRecord() { return record }
            if !refill() {
                guard position < buffer.count else { return nil }
                // The last record has no trailing newline.
                buffer.append(10)
                eof = true
            }
        }
    }

    /// Parses one complete record from the buffer, or returns nil if it continues past the end.
    private func parseRecord() throws -> [String?]? {
        let start = position
        var fields: [String?] = []
        var i = position
        let n = buffer.count
        guard i < n else { return nil }
        while true {
            if i < n, buffer[i] == 34 {
                var text: [UInt8] = []
                i += 1
                while true {
                    guard i < n else { position = start; return nil }
                    if buffer[i] == 34 {
                        guard i + 1 < n else { position = start; return nil }
                        if buffer[i + 1] == 34 { text.append(34); i += 2; continue }
                        i += 1
                        break
                    }
                    text.append(buffer[i])
                    i += 1
                }
                fields.append(String(decoding: text, as: UTF8.self))
            } else {
                let fieldStart = i
                while i < n, buffer[i] != 44, buffer[i] != 10 { i += 1 }
                guard i < n else { position = start; return nil }
                var end = i
                if end > fieldStart, buffer[end - 1] == 13, buffer[i] == 10 { end -= 1 }
                fields.append(end == fieldStart ? nil : String(decoding: buffer[fieldStart..<end], as: UTF8.self))
            }
            guard i < n else { position = start; return nil }
            if buffer[i] == 44 { i += 1; continue }
            if buffer[i] == 13, i + 1 < n, buffer[i + 1] == 10 { i += 1 }
            guard buffer[i] == 10 else {
                throw CairnError(.invalidInput, "unexpected character after a quoted field", file: path, line: line + 1)
            }
            position = i + 1
            line += 1
            return fields
        }
    }
}
