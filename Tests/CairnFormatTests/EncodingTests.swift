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

    @Test func longByteBlocksRoundTrip() async {
        await propertyCheck(count: 40, input: longByteColumns) { v in
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
        #expect(try roundTrip(levels).encoding == StringEncoding.ID.sortedDictionary.rawValue)
        let unique = ColumnVector(storage: .bytes(ByteArray((0..<1000).map { "request-\($0)" })))
        #expect(try roundTrip(unique).encoding == StringEncoding.ID.plain.rawValue)

        // 20,000 rows over 5,000 strings that share their first 16 bytes: the table grows several
        // times and the sort falls back to comparing bytes, and the strings still come back in order.
        let shared = (0..<20_000).map { "/app/projects/00/\(((UInt64($0) &* 0x9E37_79B9_7F4A_7C15) >> 40) % 5_000)" }
        let sharedColumn = ColumnVector(storage: .bytes(ByteArray(shared)))
        let (decoded, encoding) = try roundTrip(sharedColumn)
        #expect(encoding == StringEncoding.ID.sortedDictionary.rawValue)
        #expect(decoded == sharedColumn)
        // All distinct in the first quarter: given up on there, stored plain.
        let distinctFirst = (0..<8_192).map { $0 < 2_048 ? "session-\($0)" : "session-\($0 % 16)" }
        #expect(try roundTrip(ColumnVector(storage: .bytes(ByteArray(distinctFirst)))).encoding == StringEncoding.ID.plain.rawValue)
    }

    /// Every string of a block, and strings no row holds, are found by code and by bytes exactly
    /// where a row-by-row comparison finds them, NULL rows never.
    @Test func stringEqualityByCodeAndByBytesMatchesRowByRow() async {
        await propertyCheck(count: 300, input: byteColumns) { v in
            let (decoded, _) = try roundTrip(v)
            guard case .bytes(let strings) = decoded.storage else { return }
            var needles = Set((0..<min(decoded.count, 24)).map { strings.string(at: $0 * decoded.count / min(decoded.count, 24)) })
            needles.formUnion(["", "absent", "user-1-", "\u{0}", String(repeating: "a", count: 9)])
            for needle in needles {
                let expected = (0..<decoded.count).filter { !decoded.isNull($0) && strings.withBytes(at: $0) { Array($0) } == Array(needle.utf8) }
                let matcher = ByteMatcher(Array(needle.utf8))
                #expect(strings.rows(equalTo: matcher).filter { !decoded.isNull($0) } == expected)
                if let dictionary = decoded.dictionary {
                    #expect(dictionary.sorted)
                    let found = dictionary.code(of: matcher).map { dictionary.rows(withCode: $0) } ?? []
                    #expect(found == expected, "needle \(needle.debugDescription)")
                }
            }
            if let dictionary = decoded.dictionary {
                let values = (0..<dictionary.size).map { dictionary.values.withBytes(at: $0) { Array($0) } }
                #expect(zip(values, values.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) })
            }
        }
    }

    /// Segment format version 1 wrote dictionaries in order of first appearance (id 1); they still
    /// read, and strings are found by scanning. A sorted dictionary out of order is corrupt.
    @Test func firstAppearanceDictionariesReadAndUnsortedSortedOnesAreCorrupt() throws {
        let rows = ["warn", "error", "info", "warn", "error", "info", "warn", "error"]
        var encoded: [UInt8] = []
        #expect(StringEncoding.encode(ByteArray(rows), into: &encoded) == .sortedDictionary)
        func decode(_ bytes: [UInt8]) throws -> (ByteArray, StringEncoding.ID) {
            try bytes.withUnsafeBytes { raw in
                var r = ByteReader(raw, what: "test block")
                let (strings, id, _) = try StringEncoding.decode(&r, count: rows.count)
                return (strings, id)
            }
        }
        // Rewritten in order of first appearance under id 1: swap "info" and "warn" in the section.
        var legacy = encoded
        legacy[0] = StringEncoding.ID.dictionary.rawValue
        let sortedText = Array("errorinfowarn".utf8), legacyText = Array("errorwarninfo".utf8)
        let at = try #require((0...(legacy.count - sortedText.count)).first { Array(legacy[$0..<$0 + sortedText.count]) == sortedText })
        legacy.replaceSubrange(at..<at + sortedText.count, with: legacyText)
        let (strings, id) = try decode(legacy)
        #expect(id == .dictionary)
        #expect((0..<strings.count).map { strings.string(at: $0) } != rows)  // codes now name the swapped strings
        var unsorted = legacy
        unsorted[0] = StringEncoding.ID.sortedDictionary.rawValue
        let error = try #require(throws: CairnError.self) { try decode(unsorted) }
        #expect(error.code == .corrupt && error.message.contains("sorted dictionary"))

        let block = ColumnVector(storage: .bytes(ByteArray(rows)))
        let (decoded, _) = try roundTrip(block)
        #expect(decoded == block)
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
