-- The eight event-log queries of issue 2 ("Performance"), in the SQL subset Cairn and DuckDB share.
-- Time constants assume the generator's defaults: --start 2025-06-01 --days 90, so the data covers
-- [2025-06-01, 2025-08-30) plus late arrivals from the evening before. tenant_001 and user_000001
-- are the heaviest tenant and user. events.sqlite.sql holds the same queries in SQLite's dialect.

-- name: Q1_events_per_type_7d
SELECT event_type, count(*) AS events
FROM events
WHERE ts >= TIMESTAMP '2025-08-23 00:00:00' AND ts < TIMESTAMP '2025-08-30 00:00:00'
GROUP BY event_type
ORDER BY events DESC, event_type;

-- name: Q2_tenant_daily_counts_90d
SELECT CAST(ts AS DATE) AS event_date, count(*) AS events
FROM events
WHERE tenant_id = 'tenant_001'
  AND ts >= TIMESTAMP '2025-06-01 00:00:00' AND ts < TIMESTAMP '2025-08-30 00:00:00'
GROUP BY event_date
ORDER BY event_date;

-- name: Q3_top_urls_p95_5xx_30d
SELECT url, quantile_cont(latency_ms, 0.95) AS p95_ms, count(*) AS failures
FROM events
WHERE status >= 500 AND url IS NOT NULL
  AND ts >= TIMESTAMP '2025-07-31 00:00:00' AND ts < TIMESTAMP '2025-08-30 00:00:00'
GROUP BY url
ORDER BY p95_ms DESC, url
LIMIT 10;

-- name: Q4_user_events_week
SELECT ts, event_type, url, status, latency_ms
FROM events
WHERE user_id = 'user_000001'
  AND ts >= TIMESTAMP '2025-08-23 00:00:00' AND ts < TIMESTAMP '2025-08-30 00:00:00'
ORDER BY ts, event_type, latency_ms;

-- name: Q5_tenant_daily_distinct_users
SELECT CAST(ts AS DATE) AS event_date, count(DISTINCT user_id) AS users
FROM events
WHERE tenant_id = 'tenant_002'
GROUP BY event_date
ORDER BY event_date;

-- name: Q6_failed_logins_per_ip_24h
SELECT ip, count(*) AS failures
FROM events
WHERE event_type = 'login_failed'
  AND ts >= TIMESTAMP '2025-08-29 00:00:00' AND ts < TIMESTAMP '2025-08-30 00:00:00'
GROUP BY ip
HAVING count(*) > 5
ORDER BY failures DESC, ip;

-- name: Q7_browsers_page_views_month
SELECT metadata->>'browser' AS browser, count(*) AS views
FROM events
WHERE event_type = 'page_view'
  AND ts >= TIMESTAMP '2025-07-01 00:00:00' AND ts < TIMESTAMP '2025-08-01 00:00:00'
GROUP BY browser
ORDER BY views DESC, browser;

-- name: Q8_hourly_counts_90d
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket, count(*) AS events
FROM events
GROUP BY bucket
ORDER BY bucket;
