import Foundation
import PropertyBased
import Testing
@testable import CairnFormat

/// A fresh temporary directory per call, removed by the caller's `defer`.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "cairn-format-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Encodes `v` as a stored block and decodes it back, as a segment read does.
func roundTrip(_ v: ColumnVector) throws -> (ColumnVector, encoding: UInt8) {
    let (encoded, encoding) = EncodedBlock.encode(v)
    let stored = try StoredBlock.make(encoded)
    let (decoded, decodedEncoding) = try stored.withBytes { (raw) throws(CairnError) in
        try StoredBlock.withEncoded(raw) { (e) throws(CairnError) in
            try EncodedBlock.decode(e, physical: v.physical, rows: v.count)
        }
    }
    #expect(decodedEncoding == encoding)
    return (decoded, encoding)
}

/// `v` as a reader returns it: no validity when nothing is NULL, NULL slots zeroed.
func normalized(_ v: ColumnVector) -> ColumnVector {
    guard let validity = v.validity else { return v }
    if !validity.contains(false) { return ColumnVector(storage: v.storage, validity: nil) }
    switch v.storage {
    case .int64(let a):
        return ColumnVector(storage: .int64(a.indices.map { validity[$0] ? a[$0] : 0 }), validity: validity)
    case .float64(let a):
        return ColumnVector(storage: .float64(a.indices.map { validity[$0] ? a[$0] : 0 }), validity: validity)
    case .bytes(let b):
        var out = ByteArray()
        for i in 0..<b.count {
            if validity[i] { b.withBytes(at: i) { out.append(bytes: $0) } } else { out.appendEmpty() }
        }
        return ColumnVector(storage: .bytes(out), validity: validity)
    case .vectors(let a):
        var out = VectorArray(dimension: a.dimension)
        for i in 0..<a.count {
            if validity[i] { a.withRow(i) { out.append(row: $0) } } else { out.appendZeros() }
        }
        return ColumnVector(storage: .vectors(out), validity: validity)
    }
}

/// Equality that compares doubles by bit pattern, so NaN equals itself and -0.0 differs from 0.0.
func sameBits(_ a: ColumnVector, _ b: ColumnVector) -> Bool {
    guard a.validity == b.validity else { return false }
    switch (a.storage, b.storage) {
    case (.float64(let x), .float64(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
    default: return a.storage == b.storage
    }
}

// MARK: - Generators

typealias RNG = any SeededRandomNumberGenerator

func randomLength(_ rng: inout RNG) -> Int {
    switch Int.random(in: 0..<6, using: &rng) {
    case 0: return Int.random(in: 0...3, using: &rng)
    case 1: return 1
    default: return Int.random(in: 0...3000, using: &rng)
    }
}

/// nil (no NULLs), a mix, or all NULL.
func randomValidity(count: Int, _ rng: inout RNG) -> [Bool]? {
    switch Int.random(in: 0..<5, using: &rng) {
    case 0, 1: return nil
    case 2: return [Bool](repeating: false, count: count)
    case 3: return (0..<count).map { _ in Int.random(in: 0..<10, using: &rng) != 0 }
    default:
        let rate = Double.random(in: 0...1, using: &rng)
        return (0..<count).map { _ in Double.random(in: 0...1, using: &rng) < rate }
    }
}

func randomInt64s(count n: Int, _ rng: inout RNG) -> [Int64] {
    let extremes: [Int64] = [.min, .max, 0, -1, 1, .min + 1, .max - 1]
    switch Int.random(in: 0..<8, using: &rng) {
    case 0:
        return (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? extremes.randomElement(using: &rng) ?? 0 : Int64.random(in: .min ... .max, using: &rng) }
    case 1: // long runs
        var out: [Int64] = []
        while out.count < n {
            let v = Int.random(in: 0..<3, using: &rng) == 0 ? (extremes.randomElement(using: &rng) ?? 0) : Int64.random(in: -1000...1000, using: &rng)
            out += repeatElement(v, count: min(n - out.count, Int.random(in: 1...500, using: &rng)))
        }
        return out
    case 2: // sorted timestamps with jitter
        var t = Int64.random(in: 1_500_000_000_000_000...1_800_000_000_000_000, using: &rng)
        let step = Int64.random(in: 1...5_000_000, using: &rng)
        return (0..<n).map { _ in
            t += step + Int64.random(in: -step / 2...step / 2, using: &rng)
            return t
        }
    case 3: // low cardinality, spread values
        let pool = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int64.random(in: .min ... .max, using: &rng) } + extremes.prefix(2)
        return (0..<n).map { _ in pool.randomElement(using: &rng) ?? 0 }
    case 4: // small range
        let base = Int64.random(in: -1_000_000...1_000_000, using: &rng)
        return (0..<n).map { _ in base + Int64.random(in: 0...255, using: &rng) }
    case 5: // constant
        let v = extremes.randomElement(using: &rng) ?? 0
        return [Int64](repeating: v, count: n)
    case 6: // steadily growing intervals (delta-of-delta)
        var t: Int64 = Int64.random(in: -1_000_000...1_000_000, using: &rng), d: Int64 = 0
        return (0..<n).map { _ in
            d += 3 + Int64.random(in: -1...1, using: &rng)
            t &+= d
            return t
        }
    default: // wrapping sequence crossing the extremes
        var t = Int64.max - Int64(n / 2)
        return (0..<n).map { _ in t = t &+ Int64.random(in: 0...3, using: &rng); return t }
    }
}

func randomDoubles(count n: Int, _ rng: inout RNG) -> [Double] {
    let specials: [Double] = [.nan, -.nan, .infinity, -.infinity, -0.0, 0.0, .greatestFiniteMagnitude,
                              .leastNonzeroMagnitude, -.leastNormalMagnitude, 9_007_199_254_740_992, -9_007_199_254_740_994, 9_007_199_254_740_994]
    switch Int.random(in: 0..<4, using: &rng) {
    case 0: return (0..<n).map { _ in Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng)) }
    case 1: return (0..<n).map { _ in Double(Int.random(in: -100_000...100_000, using: &rng)) }
    case 2: return (0..<n).map { _ in Int.random(in: 0..<3, using: &rng) == 0 ? specials.randomElement(using: &rng) ?? 0 : Double(Int.random(in: 0...50, using: &rng)) }
    default: return (0..<n).map { _ in (Double.random(in: 0..<1000, using: &rng) * 100).rounded() / 100 }
    }
}

func randomStrings(count n: Int, _ rng: inout RNG) -> [String] {
    let alphabet: [String] = ["a", "b", "z", "é", "日本", "🪨", " ", "\u{0}", "{\"k\":1}"]
    func make(_ rng: inout RNG, maxLength: Int) -> String {
        (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? "" }.joined()
    }
    switch Int.random(in: 0..<5, using: &rng) {
    case 4: // many distinct strings with long shared prefixes, some differing only past byte 16
        let pool = (0..<Int.random(in: 1...3_000, using: &rng)).map { i in
            "/app/projects/" + (i % 3 == 0 ? "\u{0}" : "") + "\(i % 7)/" + make(&rng, maxLength: 3) + "\(i)"
        }
        return (0..<n).map { _ in pool.randomElement(using: &rng) ?? "" }
    case 0: // low cardinality
        let pool = (0..<Int.random(in: 1...20, using: &rng)).map { _ in make(&rng, maxLength: 12) } + [""]
        return (0..<n).map { _ in pool.randomElement(using: &rng) ?? "" }
    case 1: // high cardinality
        return (0..<n).map { i in "user-\(i)-" + make(&rng, maxLength: 6) }
    case 2: // long values
        return (0..<n).map { _ in make(&rng, maxLength: 200) }
    default:
        return (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? "" : make(&rng, maxLength: 5) }
    }
}

func withNulls(_ storage: ColumnVector.Storage, count: Int, _ rng: inout RNG) -> ColumnVector {
    normalized(ColumnVector(storage: storage, validity: randomValidity(count: count, &rng)))
}

let int64Columns = Generator<ColumnVector, Shrink.None<ColumnVector>> { rng in
    let n = randomLength(&rng)
    return withNulls(.int64(randomInt64s(count: n, &rng)), count: n, &rng)
}

let float64Columns = Generator<ColumnVector, Shrink.None<ColumnVector>> { rng in
    let n = randomLength(&rng)
    return withNulls(.float64(randomDoubles(count: n, &rng)), count: n, &rng)
}

let byteColumns = Generator<ColumnVector, Shrink.None<ColumnVector>> { rng in
    let n = randomLength(&rng)
    return withNulls(.bytes(ByteArray(randomStrings(count: n, &rng))), count: n, &rng)
}

/// Blocks long enough for the dictionary builder's first-quarter check (4,096 rows or more).
let longByteColumns = Generator<ColumnVector, Shrink.None<ColumnVector>> { rng in
    let n = Int.random(in: 4_096...20_000, using: &rng)
    return withNulls(.bytes(ByteArray(randomStrings(count: n, &rng))), count: n, &rng)
}
