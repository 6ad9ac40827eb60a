-- events.sql translated to SQLite, query by query (same names, same answers). Timestamps are stored
-- as 'YYYY-MM-DD HH:MM:SS.ffffff' text, which orders like the timestamps; CAST(ts AS DATE) becomes
-- date(ts), time_bucket becomes strftime, ->> becomes json_extract, and quantile_cont is a Python
-- aggregate registered by compare.py (DuckDB's interpolation).

-- name: Q1_events_per_type_7d
SELECT event_type, count(*) AS events
FROM events
WHERE ts >= '2025-08-23 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY event_type
ORDER BY events DESC, event_type;

-- name: Q2_tenant_daily_counts_90d
SELECT date(ts) AS event_date, count(*) AS events
FROM events
WHERE tenant_id = 'tenant_001'
  AND ts >= '2025-06-01 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY event_date
ORDER BY event_date;

-- name: Q3_top_urls_p95_5xx_30d
SELECT url, quantile_cont(latency_ms, 0.95) AS p95_ms, count(*) AS failures
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
SELECT date(ts) AS event_date, count(DISTINCT user_id) AS users
FROM events
WHERE tenant_id = 'tenant_002'
GROUP BY event_date
ORDER BY event_date;

-- name: Q6_failed_logins_per_ip_24h
SELECT ip, count(*) AS failures
FROM events
WHERE event_type = 'login_failed'
  AND ts >= '2025-08-29 00:00:00' AND ts < '2025-08-30 00:00:00'
GROUP BY ip
HAVING count(*) > 5
ORDER BY failures DESC, ip;

-- name: Q7_browsers_page_views_month
SELECT json_extract(metadata, '$.browser') AS browser, count(*) AS views
FROM events
WHERE event_type = 'page_view'
  AND ts >= '2025-07-01 00:00:00' AND ts < '2025-08-01 00:00:00'
GROUP BY browser
ORDER BY views DESC, browser;

-- name: Q8_hourly_counts_90d
SELECT strftime('%Y-%m-%d %H:00:00', ts) AS bucket, count(*) AS events
FROM events
GROUP BY bucket
ORDER BY bucket;
