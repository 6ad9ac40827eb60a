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
    case stringAgg = "string_agg"
    case first, last
    case stddevSamp = "stddev_samp", varSamp = "var_samp", stddevPop = "stddev_pop", varPop = "var_pop"
    /// `arg_max(x, by)`, `arg_min(x, by)`: `x` of the row with the largest (smallest) `by`.
    case argMax = "arg_max", argMin = "arg_min"
    /// The most frequent non-NULL value; of equally frequent ones, the smallest (DuckDB leaves ties unspecified).
    case mode
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
    /// The value `arg_max`/`arg_min` compare rows by, or `string_agg` orders its values by, bound like `argument`.
    package var by: BoundExpr? = nil
    /// `string_agg(… ORDER BY by DESC [NULLS FIRST|LAST])`.
    package var descending = false
    package var nullsFirst: Bool? = nil
}
