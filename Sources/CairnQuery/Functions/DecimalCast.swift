import CairnFormat
import Foundation

/// `CAST(x AS DECIMAL(p, s))` for an engine without exact decimals: the result is a DOUBLE holding
/// the value DuckDB's DECIMAL would, rounded half away from zero at `s` digits. DuckDB rounds text,
/// integers and decimal literals as the decimals they spell (`'1.005'` → 1.01) and DOUBLE values
/// from `x · 10^s` computed in doubles (`2.675::DOUBLE` → 267.5 → 2.68), so both are done here.
enum DecimalCast {
    static func round(_ v: Value, precision p: Int, scale s: Int, exact: Bool) throws(CairnError) -> Value {
        let type = "DECIMAL(\(p),\(s))"
        let decimal: Decimal
        switch v {
        case .null:
            return .null
        case .int(let i):
            decimal = Decimal(i)
        case .string(let text):
            let trimmed = text.trimmingSpaces
            guard let d = Decimal(string: String(trimmed), locale: Locale(identifier: "en_US_POSIX")), !trimmed.isEmpty,
                  trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else {
                throw CairnError(.type, "could not convert string '\(Casts.truncate(text))' to \(type)")
            }
            decimal = d
        case .double(let x) where exact:
            guard x.isFinite, let d = Decimal(string: "\(x)", locale: Locale(identifier: "en_US_POSIX")) else { throw outOfRange(x, type) }
            decimal = d
        case .double(let x):
            guard x.isFinite else { throw outOfRange(x, type) }
            let power = Foundation.pow(10, Double(s))
            let units = (x * power).rounded(.toNearestOrAwayFromZero)
            guard abs(units) < Foundation.pow(10, Double(p)) else { throw outOfRange(x, type) }
            // Past 2^52 a double has no fractional digits left to round; dividing back would only add noise.
            guard abs(x * power) < 0x1p52 else { return .double(x) }
            return .double(units == 0 ? 0 : units / power)
        default:
            return .null
        }
        var input = decimal, rounded = Decimal()
        NSDecimalRound(&rounded, &input, s, .plain)   // .plain: half away from zero
        guard abs(rounded) < Decimal(sign: .plus, exponent: p - s, significand: 1) else {
            throw CairnError(.type, "value \(decimal) is out of range for \(type)")
        }
        // Through the decimal's text: Foundation's own conversion is not correctly rounded (1.235 → 1.2349999999999999).
        let result = Double(rounded.description) ?? NSDecimalNumber(decimal: rounded).doubleValue
        return .double(result == 0 ? 0 : result)
    }

    private static func outOfRange(_ x: Double, _ type: String) -> CairnError {
        CairnError(.type, "value \(ValueFormatter.formatDouble(x)) is out of range for \(type)")
    }
}
