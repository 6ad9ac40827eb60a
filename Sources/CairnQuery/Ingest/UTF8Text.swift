/// UTF-8 validation of text read from files. Invalid bytes would otherwise be stored as they are,
/// shown as U+FFFD and measured differently by `length` and `strlen`; DuckDB refuses such files too.
enum UTF8Text {
    /// Whether `b` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var i = 0
        // ASCII, the common case, eight bytes at a time.
        while i + 8 <= b.count, raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
        return firstInvalid(b, from: i) == nil
    }

    /// Where the first invalid sequence starts, for the error message: `at byte 4 (0xE9)`.
    static func describeFirstInvalid(_ b: UnsafeBufferPointer<UInt8>) -> String {
        guard let i = firstInvalid(b, from: 0) else { return "" }
        return "at byte \(i + 1) of the value (0x\(String(b[i], radix: 16, uppercase: true)))"
    }

    private static func firstInvalid(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = start
        let n = b.count
        func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { k < n && range.contains(b[k]) }
        while i < n {
            let lead = b[i]
            let length: Int
            switch lead {
            case 0x00...0x7F: i += 1; continue
            case 0xC2...0xDF: length = continuation(i + 1) ? 2 : 0
            case 0xE0: length = continuation(i + 1, 0xA0...0xBF) && continuation(i + 2) ? 3 : 0
            case 0xE1...0xEC, 0xEE...0xEF: length = continuation(i + 1) && continuation(i + 2) ? 3 : 0
            case 0xED: length = continuation(i + 1, 0x80...0x9F) && continuation(i + 2) ? 3 : 0
            case 0xF0: length = continuation(i + 1, 0x90...0xBF) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
            case 0xF1...0xF3: length = continuation(i + 1) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
            case 0xF4: length = continuation(i + 1, 0x80...0x8F) && continuation(i + 2) && continuation(i + 3) ? 4 : 0
            default: length = 0
            }
            if length == 0 { return i }
            i += length
        }
        return nil
    }
}
