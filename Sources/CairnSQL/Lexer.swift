// Splits SQL text into tokens. Works on the UTF-8 bytes: every syntactically meaningful
// character is ASCII, so multi-byte characters can only occur inside identifiers, strings and
// comments, and token boundaries always fall on character boundaries.

struct Lexer {
    private let bytes: [UInt8]
    private var offset = 0

    // Position tracking advances lazily to each token start (offsets only grow), so computing
    // line/column costs one extra pass over the bytes in total.
    private var trackedOffset = 0
    private var line = 1
    private var lineStart = 0
    /// UTF-8 continuation bytes between `lineStart` and `trackedOffset`: columns count characters.
    private var continuationBytes = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Tokenizes the whole text; the result always ends with an `.end` token.
    mutating func tokenize() throws(SQLSyntaxError) -> [Token] {
        var tokens: [Token] = []
        tokens.reserveCapacity(bytes.count / 3 + 1)
        while true {
            try skipWhitespaceAndComments()
            guard offset < bytes.count else {
                tokens.append(Token(kind: .end, start: offset, end: offset, position: position(at: offset)))
                return tokens
            }
            tokens.append(try nextToken())
        }
    }

    // MARK: - Positions

    mutating func position(at target: Int) -> SQLPosition {
        while trackedOffset < target {
            let byte = bytes[trackedOffset]
            if byte == ascii("\n") {
                line += 1
                lineStart = trackedOffset + 1
                continuationBytes = 0
            } else if byte & 0xC0 == 0x80 {
                continuationBytes += 1
            }
            trackedOffset += 1
        }
        return SQLPosition(line: line, column: target - lineStart - continuationBytes + 1, offset: target)
    }

    private mutating func error(_ message: String, at start: Int) -> SQLSyntaxError {
        SQLSyntaxError(message, at: position(at: start))
    }

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    // MARK: - Trivia

    private mutating func skipWhitespaceAndComments() throws(SQLSyntaxError) {
        while offset < bytes.count {
            let b = bytes[offset]
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                offset += 1
            } else if b == ascii("-") && byte(at: offset + 1) == ascii("-") {
                while offset < bytes.count && bytes[offset] != ascii("\n") { offset += 1 }
            } else if b == ascii("/") && byte(at: offset + 1) == ascii("*") {
                try skipBlockComment()
            } else {
                return
            }
        }
    }

    /// Block comments nest, as in PostgreSQL.
    private mutating func skipBlockComment() throws(SQLSyntaxError) {
        let start = offset
        var depth = 0
        while offset < bytes.count {
            if bytes[offset] == ascii("/") && byte(at: offset + 1) == ascii("*") {
                depth += 1
                offset += 2
            } else if bytes[offset] == ascii("*") && byte(at: offset + 1) == ascii("/") {
                depth -= 1
                offset += 2
                if depth == 0 { return }
            } else {
                offset += 1
            }
        }
        throw error("unterminated /* comment", at: start)
    }

    // MARK: - Tokens

    private mutating func nextToken() throws(SQLSyntaxError) -> Token {
        let start = offset
        let b = bytes[start]
        let kind: TokenKind
        if isIdentifierStart(b) {
            kind = lexWord()
        } else if isDigit(b) || (b == ascii(".") && byte(at: start + 1).map(isDigit) == true) {
            kind = try lexNumber()
        } else {
            switch b {
            case ascii("'"): kind = .string(try lexQuoted(ascii("'"), what: "quoted string"))
            case ascii("\""):
                let name = try lexQuoted(ascii("\""), what: "quoted identifier")
                if name.isEmpty { throw error("zero-length delimited identifier", at: start) }
                kind = .quotedIdentifier(name)
            case ascii("$"): kind = try lexParameter()
            case ascii("?"): offset += 1; kind = .questionMark
            default: kind = .symbol(try lexSymbol())
            }
        }
        return Token(kind: kind, start: start, end: offset, position: position(at: start))
    }

    private mutating func lexWord() -> TokenKind {
        let start = offset
        var hasUpper = false
        while offset < bytes.count && isIdentifierPart(bytes[offset]) {
            if bytes[offset] >= ascii("A") && bytes[offset] <= ascii("Z") { hasUpper = true }
            offset += 1
        }
        // Unquoted identifiers fold ASCII letters only, like PostgreSQL.
        let text = hasUpper
            ? String(decoding: bytes[start..<offset].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
            : String(decoding: bytes[start..<offset], as: UTF8.self)
        return .word(text, keyword: keywordsByText[text])
    }

    private mutating func lexNumber() throws(SQLSyntaxError) -> TokenKind {
        let start = offset
        var isDecimal = false
        while offset < bytes.count && isDigit(bytes[offset]) { offset += 1 }
        if byte(at: offset) == ascii(".") {
            isDecimal = true
            offset += 1
            while offset < bytes.count && isDigit(bytes[offset]) { offset += 1 }
        }
        if let e = byte(at: offset), e == ascii("e") || e == ascii("E") {
            var digitsAt = offset + 1
            if let sign = byte(at: digitsAt), sign == ascii("+") || sign == ascii("-") { digitsAt += 1 }
            if let d = byte(at: digitsAt), isDigit(d) {
                isDecimal = true
                offset = digitsAt
                while offset < bytes.count && isDigit(bytes[offset]) { offset += 1 }
            }
        }
        // `123abc` is an error rather than `123 AS abc` (PostgreSQL 15+).
        if let next = byte(at: offset), isIdentifierPart(next) {
            while offset < bytes.count && isIdentifierPart(bytes[offset]) { offset += 1 }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            throw error("trailing junk after numeric literal at or near \"\(text)\"", at: start)
        }
        if !isDecimal {
            var value: Int64 = 0
            var overflow = false
            for index in start..<offset {
                let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = shifted.addingReportingOverflow(Int64(bytes[index] - ascii("0")))
                if o1 || o2 { overflow = true; break }
                value = sum
            }
            if !overflow { return .integer(value) }
        }
        let text = String(decoding: bytes[start..<offset], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("numeric literal out of range: \(text)", at: start)
        }
        return .decimal(value)
    }

    /// Lexes `'…'` or `"…"` starting at the opening quote; a doubled quote stands for one.
    private mutating func lexQuoted(_ quote: UInt8, what: String) throws(SQLSyntaxError) -> String {
        let start = offset
        offset += 1
        var segmentStart = offset
        var unescaped: [UInt8] = []
        while offset < bytes.count {
            if bytes[offset] == quote {
                if byte(at: offset + 1) == quote {
                    unescaped.append(contentsOf: bytes[segmentStart...offset])
                    offset += 2
                    segmentStart = offset
                    continue
                }
                let text: String
                if unescaped.isEmpty {
                    text = String(decoding: bytes[segmentStart..<offset], as: UTF8.self)
                } else {
                    unescaped.append(contentsOf: bytes[segmentStart..<offset])
                    text = String(decoding: unescaped, as: UTF8.self)
                }
                offset += 1
                return text
            }
            offset += 1
        }
        throw error("unterminated \(what)", at: start)
    }

    private mutating func lexParameter() throws(SQLSyntaxError) -> TokenKind {
        let start = offset
        offset += 1
        var number = 0
        var digits = 0
        while offset < bytes.count && isDigit(bytes[offset]) {
            // Clamp so a huge number cannot overflow; it is rejected below anyway.
            number = min(number * 10 + Int(bytes[offset] - ascii("0")), 1_000_000)
            digits += 1
            offset += 1
        }
        guard digits > 0 else { throw error("syntax error at or near \"$\"", at: start) }
        guard number >= 1 else { throw error("there is no parameter $0", at: start) }
        guard number <= 65_535 else { throw error("parameter number too large (maximum is $65535)", at: start) }
        return .parameter(number)
    }

    private mutating func lexSymbol() throws(SQLSyntaxError) -> Symbol {
        let start = offset
        let b = bytes[start]
        let next = byte(at: start + 1)
        let third = byte(at: start + 2)
        let (symbol, length): (Symbol?, Int)
        switch b {
        case ascii("("): (symbol, length) = (.leftParen, 1)
        case ascii(")"): (symbol, length) = (.rightParen, 1)
        case ascii("["): (symbol, length) = (.leftBracket, 1)
        case ascii("]"): (symbol, length) = (.rightBracket, 1)
        case ascii(","): (symbol, length) = (.comma, 1)
        case ascii("."): (symbol, length) = (.dot, 1)
        case ascii(";"): (symbol, length) = (.semicolon, 1)
        case ascii("+"): (symbol, length) = (.plus, 1)
        case ascii("*"): (symbol, length) = (.star, 1)
        case ascii("/"): (symbol, length) = next == ascii("/") ? (.doubleSlash, 2) : (.slash, 1)
        case ascii("%"): (symbol, length) = (.percent, 1)
        case ascii("="): (symbol, length) = (.equal, 1)
        case ascii("-"):
            if next == ascii(">") {
                (symbol, length) = third == ascii(">") ? (.doubleArrow, 3) : (.arrow, 2)
            } else {
                (symbol, length) = (.minus, 1)
            }
        case ascii("<"):
            if next == ascii("-") && third == ascii(">") {
                (symbol, length) = (.l2Distance, 3)
            } else if next == ascii("#") && third == ascii(">") {
                (symbol, length) = (.negativeInnerProduct, 3)
            } else if next == ascii("=") && third == ascii(">") {
                (symbol, length) = (.cosineDistance, 3)
            } else if next == ascii("=") {
                (symbol, length) = (.lessOrEqual, 2)
            } else if next == ascii(">") {
                (symbol, length) = (.notEqual, 2)
            } else {
                (symbol, length) = (.less, 1)
            }
        case ascii(">"): (symbol, length) = next == ascii("=") ? (.greaterOrEqual, 2) : (.greater, 1)
        case ascii("!"):
            if next == ascii("=") {
                (symbol, length) = (.notEqual, 2)
            } else if next == ascii("~"), third == ascii("~") {
                (symbol, length) = byte(at: start + 3) == ascii("*") ? (.notILike, 4) : (.notLike, 3)
            } else if next == ascii("~") {
                (symbol, length) = third == ascii("*") ? (.notRegexMatchInsensitive, 3) : (.notRegexMatch, 2)
            } else {
                (symbol, length) = (nil, 1)
            }
        case ascii("~"):
            if next == ascii("~") {
                (symbol, length) = third == ascii("*") ? (.ilike, 3) : (.like, 2)
            } else {
                (symbol, length) = next == ascii("*") ? (.regexMatchInsensitive, 2) : (.regexMatch, 1)
            }
        case ascii("|"): (symbol, length) = next == ascii("|") ? (.concat, 2) : (nil, 1)
        case ascii(":"): (symbol, length) = next == ascii(":") ? (.doubleColon, 2) : (nil, 1)
        default: (symbol, length) = (nil, 1)
        }
        guard let symbol else {
            let text = b < 0x20 || b == 0x7F ? "\\u{\(String(b, radix: 16))}" : String(UnicodeScalar(b))
            throw error("syntax error at or near \"\(text)\"", at: start)
        }
        offset += length
        return symbol
    }
}

// MARK: - Byte classes

@inline(__always) func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(truncatingIfNeeded: character.value) }

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

/// Letters, `_`, and any non-ASCII byte (PostgreSQL accepts non-ASCII letters in identifiers).
@inline(__always) private func isIdentifierStart(_ b: UInt8) -> Bool {
    ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) || b == 0x5F || b >= 0x80
}

@inline(__always) private func isIdentifierPart(_ b: UInt8) -> Bool {
    isIdentifierStart(b) || isDigit(b) || b == 0x24
}
