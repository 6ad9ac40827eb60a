-- events.sql translated to ClickHouse (chDB), query by query (same names, same answers). compare.py
-- stores ts as DateTime64(6, 'UTC'), so the time literals are read as UTC like the other engines'
-- TIMESTAMP constants. CAST(ts AS DATE) becomes toDate(ts), time_bucket toStartOfHour, and ->>
-- JSONExtract(..., 'Nullable(String)') (NULL for a missing key, a number's text for a number, as
-- ->> gives; JSONExtractString would give ''). count(DISTINCT x) is exact in ClickHouse
-- (count_distinct_implementation = uniqExact, the default).
--
-- quantile_cont(x, q) becomes quantileExactWeightedInterpolated(q)(x, 1), which interpolates as
-- DuckDB does: lo * (1 - f) + hi * f between the sorted values around rank = (n - 1) * q, at
-- f = rank - floor(rank). (quantileExactInclusive computes lo + (h - floor(h)) * (hi - lo) at
-- h = rank + 1, which differs in the last bits in about 4 % of groups.) DuckDB's x86-64 wheel
-- rounds its formula once, as a fused multiply-add fma(lo, 1 - f, hi * f), so about 1 % of
-- groups still differ in the last bit of the double; that reaches the checksum's 6 significant
-- digits only when a value sits on a rounding edge (0.06 % of 814k groups tested on 100k rows).

-- name: Q1_events_per_type_7d
SELECT event_type, count() AS events
FROM events
WHERE ts >= '2025-08-23 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY event_type
ORDER BY events DESC, event_type;

-- name: Q2_tenant_daily_counts_90d
SELECT toDate(ts) AS event_date, count() AS events
FROM events
WHERE tenant_id = 'tenant_001'
  AND ts >= '2025-06-01 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY event_date
ORDER BY event_date;

-- name: Q3_top_urls_p95_5xx_30d
SELECT url, quantileExactWeightedInterpolated(0.95)(latency_ms, 1) AS p95_ms, count() AS failures
FROM events
WHERE status >= 500 AND url IS NOT NULL
  AND ts >= '2025-07-31 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY url
ORDER BY p95_ms DESC, url
LIMIT 10;

-- name: Q4_user_events_week
SELECT ts, event_type, url, status, latency_ms
FROM events
WHERE user_id = 'user_000001'
  AND ts >= '2025-08-23 00:00:00' AND ts < '2025-08-30 00:00:00'
ORDER BY ts, event_type, latency_ms;

-- name: Q5_tenant_daily_distinct_users
SELECT toDate(ts) AS event_date, count(DISTINCT user_id) AS users
FROM events
WHERE tenant_id = 'tenant_002'
GROUP BY event_date
ORDER BY event_date;

-- name: Q6_failed_logins_per_ip_24h
SELECT ip, count() AS failures
FROM events
WHERE event_type = 'login_failed'
  AND ts >= '2025-08-29 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY ip
HAVING count() > 5
ORDER BY failures DESC, ip;

-- name: Q7_browsers_page_views_month
SELECT JSONExtract(metadata, 'browser', 'Nullable(String)') AS browser, count() AS views
FROM events
WHERE event_type = 'page_view'
  AND ts >= '2025-07-01 00:00:00' AND ts < '2025-08-01 00:00:00'
GROUP BY browser
ORDER BY views DESC, browser;

-- name: Q8_hourly_counts_90d
SELECT toStartOfHour(ts) AS bucket, count() AS events
FROM events
GROUP BY bucket
ORDER BY bucket;
