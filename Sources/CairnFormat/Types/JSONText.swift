/// JSON spelling of values: numbers and booleans as JSON literals, NULL as `null`, JSON documents
/// embedded as they are, everything else as a string of its SQL text.
package enum JSONText {
    /// `value` as a JSON value (vectors as their `[…]` text, which is a JSON array).
    package static func value(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): String(number)
        case .double(let number): number.isFinite ? "\(number)" : quote(value.description)
        case .json(let document): document
        case .string(let text): quote(text)
        case .timestamp, .date, .time, .interval: quote(value.description)
        case .vector: value.description  // pgvector's text form is a JSON array
        }
    }

    /// `text` as a JSON string literal.
    package static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
