/// A DOUBLE sum that carries its rounding error (Neumaier's compensated summation): the total is
/// then right to the last bit in practice whatever order rows are added in, so a query over rows
/// that workers share out differently gives the same digits on every run. Infinities and NaN
/// carry no error (their arithmetic would turn it into NaN).
struct CompensatedSum {
    private var sum = 0.0
    private var error = 0.0

    mutating func add(_ x: Double) {
        let t = sum + x
        if t.isFinite { error += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum }
        sum = t
    }

    mutating func add(_ other: CompensatedSum) {
        add(other.sum)
        error += other.error
    }

    var value: Double { sum.isFinite ? sum + error : sum }
}
