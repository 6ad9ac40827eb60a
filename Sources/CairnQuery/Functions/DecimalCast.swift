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
            guard let r = roundDouble(x, precision: p, scale: s) else { throw outOfRange(x, type) }
            return .double(r)
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

    /// A DOUBLE value rounded from `x · 10^s` computed in doubles, as DuckDB rounds one; nil when it
    /// needs more than `p` digits (or is not finite).
    @inline(__always)
    static func roundDouble(_ x: Double, precision p: Int, scale s: Int) -> Double? {
        guard x.isFinite else { return nil }
        let power = Foundation.pow(10, Double(s))
        let units = (x * power).rounded(.toNearestOrAwayFromZero)
        guard abs(units) < Foundation.pow(10, Double(p)) else { return nil }
        // Past 2^52 a double has no fractional digits left to round; dividing back would only add noise.
        guard abs(x * power) < 0x1p52 else { return x }
        return units == 0 ? 0 : units / power
    }

    /// ``roundDouble(_:precision:scale:)`` over a DOUBLE column; a value out of range is an error, or
    /// NULL when `orNull`.
    static func roundColumn(_ v: ColumnVector, values: [Double], precision p: Int, scale s: Int, orNull: Bool) throws(CairnError) -> ColumnVector {
        var out = [Double](repeating: 0, count: values.count)
        var validity = v.validity
        for i in 0..<values.count where v.validity?[i] ?? true {
            if let r = roundDouble(values[i], precision: p, scale: s) { out[i] = r; continue }
            guard orNull else { throw outOfRange(values[i], "DECIMAL(\(p),\(s))") }
            var valid = validity ?? [Bool](repeating: true, count: values.count)
            valid[i] = false
            validity = valid
        }
        return ColumnVector(storage: .float64(out), validity: validity)
    }

    private static func outOfRange(_ x: Double, _ type: String) -> CairnError {
        CairnError(.type, "value \(ValueFormatter.formatDouble(x)) is out of range for \(type)")
    }
}
