import CairnFormat

package enum AggregateKind: String, Hashable, Sendable {
    case countStar = "count_star", count, sum, avg, min, max
    /// Exact interpolated quantile (`quantile_cont`, `percentile_cont … WITHIN GROUP`, `median`).
    case quantileCont = "quantile_cont"
    /// Exact nearest-rank quantile (`quantile_disc`, `percentile_disc`).
    case quantileDisc = "quantile_disc"
    /// HyperLogLog estimate of the number of distinct non-NULL values.
    case approxCountDistinct = "approx_count_distinct"
    case boolAnd = "bool_and", boolOr = "bool_or"
    /// Bitwise AND, OR and XOR of the non-NULL integers, in the argument's type.
    case bitAnd = "bit_and", bitOr = "bit_or", bitXor = "bit_xor"
    case stringAgg = "string_agg"
    /// `first`/`last` keep NULLs (as DuckDB's do); `any_value` is the first non-NULL value.
    case first, last, anyValue = "any_value"
    case stddevSamp = "stddev_samp", varSamp = "var_samp", stddevPop = "stddev_pop", varPop = "var_pop"
    /// `arg_max(x, by)`, `arg_min(x, by)`: `x` of the row with the largest (smallest) `by`.
    case argMax = "arg_max", argMin = "arg_min"
    /// The most frequent non-NULL value; of equally frequent ones, the smallest (DuckDB leaves ties unspecified).
    case mode
    case product
    /// Shannon entropy in bits of the non-NULL values' distribution.
    case entropy
    /// Sample skewness and excess kurtosis (bias-corrected, as DuckDB's), and population excess kurtosis.
    case skewness, kurtosis, kurtosisPop = "kurtosis_pop"
    /// Two-argument statistics of `(y, x)` pairs where neither is NULL (`argument` is y, `by` is x).
    case covarPop = "covar_pop", covarSamp = "covar_samp", corr, regrSlope = "regr_slope",
         regrIntercept = "regr_intercept", regrR2 = "regr_r2", regrCount = "regr_count", regrAvgX = "regr_avgx",
         regrAvgY = "regr_avgy", regrSXX = "regr_sxx", regrSYY = "regr_syy", regrSXY = "regr_sxy"

    var isBivariate: Bool {
        switch self {
        case .covarPop, .covarSamp, .corr, .regrSlope, .regrIntercept, .regrR2, .regrCount, .regrAvgX, .regrAvgY,
             .regrSXX, .regrSYY, .regrSXY: true
        default: false
        }
    }

    /// Whether the result depends on the order rows arrive in (so an `ORDER BY` in the call matters).
    var isOrderSensitive: Bool { self == .first || self == .last || self == .anyValue || self == .stringAgg }
}

/// One aggregate computed by a GROUP BY: the function, its bound argument and result type.
package struct AggregateSpec: Hashable, Sendable {
    package var kind: AggregateKind
    /// The argument, bound against the aggregation's input batch; nil for `count(*)`.
    package var argument: BoundExpr?
    package var distinct: Bool
    /// Quantile fraction, or the separator of `string_agg` encoded as `.string`.
    package var parameter: Value
    package var type: ColumnType
    /// The value `arg_max`/`arg_min` compare rows by, `string_agg`/`first`/`last`/`any_value` order
    /// values by, or the x of a two-argument statistic, bound like `argument`.
    package var by: BoundExpr? = nil
    /// `string_agg(… ORDER BY by DESC [NULLS FIRST|LAST])`, `first(… ORDER BY …)`.
    package var descending = false
    package var nullsFirst: Bool? = nil
    /// `FILTER (WHERE …)` of `first`/`last`, which cannot be fed rejected rows as NULLs (the other
    /// aggregates skip NULLs, and get their filter folded into `argument`).
    package var filter: BoundExpr? = nil
}
