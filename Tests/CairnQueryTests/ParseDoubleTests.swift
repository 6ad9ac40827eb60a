import Foundation
import Testing
@testable import CairnQuery

/// COPY's number parsing: the fast path for plain decimals must give strtod's double, bit for bit.
@Suite struct ParseDoubleTests {
    static func strtodValue(_ text: String) -> Double? {
        var end: UnsafeMutablePointer<CChar>?
        return text.withCString { p -> Double? in
            let d = strtod(p, &end)
            guard let end, end == UnsafeMutablePointer(mutating: p) + text.utf8.count, !text.isEmpty, text.first != " " else { return nil }
            return d
        }
    }

    static func parsed(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { RowConverter.parseDouble($0) }
    }

    @Test func plainDecimalsMatchStrtodBitForBit() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        for _ in 0..<200_000 {
            let digits = Int(next() % 18) + 1
            var text = String((0..<digits).map { _ in Character(String(next() % 10)) })
            let point = Int(next() % UInt64(digits + 1))
            if point > 0, point < digits { text.insert(".", at: text.index(text.startIndex, offsetBy: point)) }
            if next() % 3 == 0 { text = "-" + text }
            let fast = Self.parsed(text), slow = Self.strtodValue(text)
            #expect(fast?.bitPattern == slow?.bitPattern, "\(text)")
        }
    }

    @Test(arguments: ["0", "-0", "-0.0", "1.", ".5", "-.5", "1e3", "1E-3", "+7", " 1", "1 ", "", "-", ".", "1.2.3", "0x10",
                      "inf", "nan", "123456789012345", "1234567890123456", "9007199254740993", "0.000000000000001",
                      "99999999999999.9", "3.14159265358979"])
    func edgeCasesMatchStrtod(_ text: String) {
        #expect(Self.parsed(text)?.bitPattern == Self.strtodValue(text)?.bitPattern)
    }
}
