import Testing
@testable import CairnFormat

@Suite struct StringCodesTests {
    /// Codes are 16 bits wide up to 65,535 distinct strings (the NULL code is then 65,535) and 32 bits beyond; either way each
    /// row keeps its code, NULL rows get `size`, and a code's rows are found exactly.
    @Test(arguments: [3, 65_535, 65_536, 70_000])
    func codesKeepEveryRowAtEitherWidth(distinct: Int) throws {
        let values = ByteArray((0..<distinct).map { "v\($0)" })
        let n = 100_003
        var rng = SystemRandomNumberGenerator()
        let validity = (0..<n).map { _ in Int.random(in: 0..<10, using: &rng) != 0 }
        let dense = validity.filter { $0 }.map { _ in Int64.random(in: 0..<Int64(distinct), using: &rng) }
        let codes = StringCodes(count: n, dense: dense, validity: validity, values: values, sorted: false)
        var expected: [Int] = []
        var k = 0
        for valid in validity {
            expected.append(valid ? Int(dense[k]) : distinct)
            if valid { k += 1 }
        }
        let stored: [Int]
        switch codes.codes {
        case .narrow(let c):
            #expect(distinct <= 65_535)
            stored = c.map(Int.init)
        case .wide(let c):
            #expect(distinct > 65_535)
            stored = c.map(Int.init)
        }
        #expect(stored == expected)
        for code in [0, distinct - 1, Int(dense[dense.count / 2]), distinct] {
            #expect(codes.rows(withCode: UInt32(code)) == expected.indices.filter { expected[$0] == code })
        }
    }
}
