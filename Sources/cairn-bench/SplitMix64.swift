import Foundation

/// splitmix64 (Steele, Lea, Flood 2014): a tiny PRNG whose output depends only on the seed, so
/// generated data is byte-identical on every machine and toolchain.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The splitmix64 finalizer: a good 64-bit hash of `x`, used to derive stable per-entity values
    /// (a user's IP address, a session id) without consuming the row stream.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in 0..<n (n > 0); the modulo bias is below 2^-40 for the small n used here.
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { nextDouble() < p }

    /// A standard normal sample (Box–Muller; the second value is dropped to keep the stream simple).
    mutating func nextGaussian() -> Double {
        let u1 = max(nextDouble(), 0x1.0p-60)
        let u2 = nextDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// A discrete distribution sampled by binary search over its cumulative weights.
struct WeightedTable {
    private let cumulative: [Double]

    init(weights: [Double]) {
        var sum = 0.0
        var cdf = [Double]()
        cdf.reserveCapacity(weights.count)
        for w in weights { sum += w; cdf.append(sum) }
        cumulative = cdf.map { $0 / sum }
    }

    /// Weights 1/rank^s for ranks 1…n: the most popular item is index 0.
    static func zipf(count n: Int, exponent s: Double) -> WeightedTable {
        WeightedTable(weights: (1...n).map { 1 / pow(Double($0), s) })
    }

    var count: Int { cumulative.count }

    /// The probability of index `i`.
    func probability(_ i: Int) -> Double { cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]) }

    func sample(_ rng: inout SplitMix64) -> Int {
        let u = rng.nextDouble()
        return cumulative.withUnsafeBufferPointer { cdf in
            var lo = 0, hi = cdf.count - 1
            while lo < hi {
                let mid = (lo + hi) >> 1
                if cdf[mid] > u { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }
    }
}
