import PropertyBased
import Testing
@testable import CairnFormat

@Suite struct EncodingTests {
    @Test func int64BlocksRoundTrip() async {
        await propertyCheck(count: 300, input: int64Columns) { v in
            let (decoded, _) = try roundTrip(v)
            #expect(decoded == v)
        }
    }

    @Test func float64BlocksRoundTripBitExactly() async {
        await propertyCheck(count: 300, input: float64Columns) { v in
            let (decoded, _) = try roundTrip(v)
            #expect(sameBits(decoded, v))
        }
    }

    @Test func byteBlocksRoundTrip() async {
        await propertyCheck(count: 300, input: byteColumns) { v in
            let (decoded, _) = try roundTrip(v)
            #expect(decoded == v)
        }
    }

    @Test func bitPackingRoundTripsEveryWidth() async {
        let input = Generator<(Int, [UInt64]), Shrink.None<(Int, [UInt64])>> { rng in
            let width = Int.random(in: 0...64, using: &rng)
            let n = Int.random(in: 0...300, using: &rng)
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            return (width, (0..<n).map { _ in UInt64.random(in: 0 ... .max, using: &rng) & mask })
        }
        await propertyCheck(count: 400, input: input) { width, values in
            var out: [UInt8] = []
            BitPacking.pack(count: values.count, width: width, into: &out) { values[$0] }
            #expect(out.count == BitPacking.byteCount(count: values.count, width: width))
            var decoded = [Int64](repeating: -1, count: values.count)
            out.withUnsafeBytes { area in
                decoded.withUnsafeMutableBufferPointer { BitPacking.unpack(area, width: width, into: $0) }
            }
            #expect(decoded.map { UInt64(bitPattern: $0) } == values)
        }
    }

    /// The estimator must pick the encoding that suits each shape of data.
    @Test func int64EncodingChoice() throws {
        func encoding(_ values: [Int64]) throws -> IntegerEncoding.ID? {
            let (decoded, id) = try roundTrip(ColumnVector(storage: .int64(values)))
            #expect(decoded.storage == .int64(values))
            return IntegerEncoding.ID(rawValue: id)
        }
        let n = 10_000
        let start: Int64 = 1_750_000_000_000_000
        #expect(try encoding((0..<n).map { start + Int64($0) * 1_000_000 }) == .delta)
        #expect(try encoding((0..<n).map { start + Int64($0 * $0) }) == .deltaOfDelta)
        // A constant block packs to zero bits per value.
        #expect(try encoding([Int64](repeating: 42, count: n)) == .frameOfReference)
        #expect(try encoding((0..<n).map { Int64($0 / 1000) * 1_000_000_007 }) == .runLength)
        #expect(try encoding((0..<n).map { [Int64.min, 0, .max][($0 * 7) % 3] }) == .dictionary)
        #expect(try encoding((0..<n).map { Int64(($0 * 7919) % 200) }) == .frameOfReference)
        var g = SystemRandomNumberGenerator()
        #expect(try encoding((0..<n).map { _ in Int64.random(in: .min ... .max, using: &g) }) == .plain)
        #expect(try encoding([]) == .plain)
        #expect(try encoding([.min]) == .plain)
    }

    @Test func floatAndStringEncodingChoice() throws {
        let integral = ColumnVector(storage: .float64((0..<1000).map { Double($0 % 17) }))
        #expect(try roundTrip(integral).encoding == FloatEncoding.ID.integral.rawValue)
        let fractional = ColumnVector(storage: .float64((0..<1000).map { Double($0) + 0.5 }))
        #expect(try roundTrip(fractional).encoding == FloatEncoding.ID.plain.rawValue)
        let negativeZero = ColumnVector(storage: .float64([1, 2, -0.0]))
        #expect(try roundTrip(negativeZero).encoding == FloatEncoding.ID.plain.rawValue)

        let levels = ColumnVector(storage: .bytes(ByteArray((0..<1000).map { ["info", "warn", "error"][$0 % 3] })))
        #expect(try roundTrip(levels).encoding == StringEncoding.ID.dictionary.rawValue)
        let unique = ColumnVector(storage: .bytes(ByteArray((0..<1000).map { "request-\($0)" })))
        #expect(try roundTrip(unique).encoding == StringEncoding.ID.plain.rawValue)
    }

    @Test func nullBlocks() throws {
        for physical in [PhysicalType.int64, .float64, .bytes] {
            let allNull = ColumnVector.nulls(physical, count: 5000)
            let (encoded, encoding) = EncodedBlock.encode(allNull)
            #expect(encoding == EncodedBlock.allNullEncoding)
            #expect(encoded.count == 6)
            #expect(try roundTrip(allNull).0 == allNull)
            #expect(try roundTrip(.empty(physical)).0 == .empty(physical))
        }
        // NULL slots do not widen the encoding of the other rows.
        var values = (0..<1000).map { 1_750_000_000_000_000 + Int64($0) }
        var validity = [Bool](repeating: true, count: 1000)
        for i in stride(from: 0, to: 1000, by: 10) { values[i] = 0; validity[i] = false }
        let sparse = ColumnVector(storage: .int64(values), validity: validity)
        let (decoded, id) = try roundTrip(sparse)
        #expect(decoded == sparse)
        #expect(id == IntegerEncoding.ID.delta.rawValue)
    }

    /// Random damage to encoded blocks must be rejected with an error or decode to something; never crash.
    @Test func decoderSurvivesDamagedInput() async {
        let input = Generator<(ColumnVector, [Int]), Shrink.None<(ColumnVector, [Int])>> { rng in
            let n = Int.random(in: 0...200, using: &rng)
            let v: ColumnVector
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: v = withNulls(.int64(randomInt64s(count: n, &rng)), count: n, &rng)
            case 1: v = withNulls(.float64(randomDoubles(count: n, &rng)), count: n, &rng)
            default: v = withNulls(.bytes(ByteArray(randomStrings(count: n, &rng))), count: n, &rng)
            }
            return (v, (0..<4).map { _ in Int.random(in: 0..<Int.max, using: &rng) })
        }
        await propertyCheck(count: 2000, input: input) { v, noise in
            var bytes = EncodedBlock.encode(v).bytes
            switch noise[0] % 3 {
            case 0: bytes[noise[1] % bytes.count] ^= UInt8(truncatingIfNeeded: noise[2] | 1)
            case 1: bytes.removeLast(noise[1] % bytes.count)
            default: bytes[noise[1] % bytes.count] = UInt8(truncatingIfNeeded: noise[2])
                     bytes[noise[3] % bytes.count] = UInt8(truncatingIfNeeded: noise[2] >> 8)
            }
            do throws(CairnError) {
                let decoded = try bytes.withBytes { (raw) throws(CairnError) in
                    try EncodedBlock.decode(raw, physical: v.physical, rows: v.count)
                }
                #expect(decoded.0.count == v.count)
            } catch {
                #expect(error.code == .corrupt)
            }
        }
    }
}
