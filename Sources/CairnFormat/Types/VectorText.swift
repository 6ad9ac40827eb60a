/// pgvector's text form of a vector: `[1,2.5,-3e-2]`, whitespace allowed around elements.
package enum VectorText {
    /// The largest dimension a VECTOR column may declare (pgvector allows 16,000).
    package static let maxDimension = 16_000

    /// Parses `[a,b,…]`; every element must be a finite number. Returns the reason on failure.
    package static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Result<[Float], VectorTextError> {
        var i = 0
        let n = text.count
        func skipSpace() { while i < n, text[i] == 0x20 || text[i] == 0x09 || text[i] == 0x0A || text[i] == 0x0D { i += 1 } }
        skipSpace()
        guard i < n, text[i] == UInt8(ascii: "[") else { return .failure(.malformed("a vector must start with \"[\"")) }
        i += 1
        var out: [Float] = []
        skipSpace()
        if i < n, text[i] == UInt8(ascii: "]") {
            return .failure(.malformed("a vector must have at least 1 dimension"))
        }
        while true {
            skipSpace()
            let start = i
            while i < n, text[i] != UInt8(ascii: ","), text[i] != UInt8(ascii: "]"), text[i] > 0x20 { i += 1 }
            guard i > start, let x = Float(String(decoding: UnsafeBufferPointer(rebasing: text[start..<i]), as: UTF8.self)) else {
                let shown = String(decoding: UnsafeBufferPointer(rebasing: text[start..<Swift.min(n, Swift.max(i, start + 1))]), as: UTF8.self)
                return .failure(.malformed("invalid vector element \"\(shown)\""))
            }
            guard x.isFinite else { return .failure(.notFinite(out.count)) }
            out.append(x)
            guard out.count <= maxDimension else { return .failure(.malformed("a vector cannot have more than \(maxDimension) dimensions")) }
            skipSpace()
            guard i < n else { return .failure(.malformed("a vector must end with \"]\"")) }
            if text[i] == UInt8(ascii: "]") { i += 1; break }
            guard text[i] == UInt8(ascii: ",") else { return .failure(.malformed("elements must be separated by \",\"")) }
            i += 1
        }
        skipSpace()
        guard i == n else { return .failure(.malformed("unexpected text after \"]\"")) }
        return .success(out)
    }

    package static func parse(_ text: String) -> Result<[Float], VectorTextError> {
        text.withUTF8Bytes { parse($0) }
    }

    /// The shortest text that reads back as the same floats, like pgvector prints.
    package static func format(_ v: [Float]) -> String {
        var out = "["
        for (i, x) in v.enumerated() {
            if i > 0 { out += "," }
            out += formatElement(x)
        }
        return out + "]"
    }

    package static func format(_ v: UnsafeBufferPointer<Float>) -> String { format(Array(v)) }

    private static func formatElement(_ x: Float) -> String {
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return x.description
    }
}

/// Why a vector's text did not parse.
package enum VectorTextError: Error, Equatable {
    case malformed(String)
    /// The element at this index is NaN or infinite.
    case notFinite(Int)

    package var message: String {
        switch self {
        case .malformed(let m): m
        case .notFinite(let i): "NaN or infinity is not allowed in a vector (element \(i + 1))"
        }
    }
}
