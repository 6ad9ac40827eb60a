"""Seeded generator of SQL queries over the `events` table that DuckDB and Cairn both accept.

Every query aliases its output columns, and says whether its ORDER BY is a total order of the
output (then row order must match) or not (rows are compared as multisets).
"""
import collections

Query = collections.namedtuple("Query", "category sql ordered")

TIME_BUCKETS = ["15 minutes", "1 hour", "6 hours", "1 day", "7 days"]
TRUNC_UNITS = ["minute", "hour", "day", "week", "month"]
EXTRACT_FIELDS = ["hour", "day", "dow", "minute", "doy", "isodow", "month", "week"]
EVENT_PATTERNS = ["login%", "%_%", "EMAIL%", "%ed", "page_view", "%in%"]
URL_PATTERNS = ["%/reports%", "%API%", "https://app.example.com/", "%?q=%", "%,%", "%settings/%"]
# Patterns with an explicit escape character (DuckDB has no default LIKE escape).
ESCAPED_PATTERNS = ["%o!_o", "%!%20%", "page!_%", "%!_%"]


def quote(text):
    return "'" + text.replace("'", "''") + "'"


class QueryGenerator:
    def __init__(self, duck, rng):
        self.rng = rng
        column = lambda sql: [row[0] for row in duck.execute(sql).fetchall()]  # noqa: E731
        self.tenants = column("SELECT DISTINCT tenant_id FROM events ORDER BY 1")
        self.event_types = column("SELECT DISTINCT event_type FROM events ORDER BY 1")
        self.ips = column("SELECT DISTINCT ip FROM events WHERE ip IS NOT NULL ORDER BY 1")
        self.users = column("SELECT DISTINCT user_id FROM events ORDER BY 1")
        self.statuses = column("SELECT DISTINCT status FROM events WHERE status IS NOT NULL ORDER BY 1")
        self.latencies = column("SELECT latency_ms FROM events WHERE latency_ms IS NOT NULL ORDER BY 1")
        self.days = [d.isoformat() for d in column("SELECT DISTINCT ts::date FROM events ORDER BY 1")]

    # -- building blocks ---------------------------------------------------------------------

    def choice(self, items):
        return self.rng.choice(items)

    def sample(self, items, low, high):
        return self.rng.sample(items, self.rng.randint(low, min(high, len(items))))

    def timestamp(self):
        day = self.choice(self.days)
        return f"{day} {self.rng.randrange(24):02d}:{self.choice(['00', '15', '30', '45'])}:00"

    def latency(self):
        return round(self.choice(self.latencies), self.choice([0, 1, 3]))

    def atom(self):
        """One predicate on one column (or one JSON field)."""
        r = self.rng
        kind = r.randrange(29)
        if kind == 0:
            return f"ts >= TIMESTAMP '{self.timestamp()}'"
        if kind == 1:
            a, b = sorted([self.timestamp(), self.timestamp()])
            return f"ts BETWEEN TIMESTAMP '{a}' AND TIMESTAMP '{b}'"
        if kind == 2:
            return f"ts::date = DATE '{self.choice(self.days)}'"
        if kind == 3:
            a = r.randrange(24)
            if r.randrange(2):
                return f"ts::TIME BETWEEN '{a:02d}:{r.randrange(60):02d}' AND TIME '{min(23, a + r.randrange(1, 8)):02d}:00:00'"
            return f"extract(hour FROM ts) BETWEEN {a} AND {min(23, a + r.randrange(1, 8))}"
        if kind == 4:
            return f"date_trunc('day', ts) {self.choice(['<', '>=', '='])} TIMESTAMP '{self.choice(self.days)} 00:00:00'"
        if kind == 5:
            return f"tenant_id {self.choice(['=', '<>', '<', '>='])} {quote(self.choice(self.tenants))}"
        if kind == 6:
            names = ", ".join(quote(t) for t in self.sample(self.tenants + ["nobody"], 1, 4))
            return f"tenant_id {self.choice(['IN', 'NOT IN'])} ({names})"
        if kind == 7:
            return f"tenant_id {self.choice(['LIKE', 'NOT LIKE', 'ILIKE'])} {quote(self.choice(['a%', '%o%', '_n%', '%E%', 'glo_ex', '%x']))}"
        if kind == 8:
            return f"user_id {self.choice(['=', '<', '>=', '<>'])} {self.choice(self.users)}"
        if kind == 9:
            a, b = sorted([self.choice(self.users), self.choice(self.users)])
            return f"user_id {self.choice(['BETWEEN', 'NOT BETWEEN'])} {a} AND {b}"
        if kind == 10:
            return f"user_id % {r.randrange(2, 12)} = {r.randrange(2)}"
        if kind == 11:
            return f"event_type = {quote(self.choice(self.event_types))}"
        if kind == 12:
            names = ", ".join(quote(t) for t in self.sample(self.event_types, 1, 5))
            return f"event_type {self.choice(['IN', 'NOT IN'])} ({names})"
        if kind == 13:
            return f"event_type {self.choice(['LIKE', 'ILIKE', 'NOT LIKE'])} {quote(self.choice(EVENT_PATTERNS))}"
        if kind == 14:
            return f"url IS {self.choice(['', 'NOT '])}NULL"
        if kind == 15:
            if r.random() < 0.3:
                column = self.choice(["url", "event_type"])
                return f"{column} {self.choice(['LIKE', 'NOT LIKE'])} {quote(self.choice(ESCAPED_PATTERNS))} ESCAPE '!'"
            return f"url {self.choice(['LIKE', 'ILIKE', 'NOT LIKE'])} {quote(self.choice(URL_PATTERNS))}"
        if kind == 16:
            return f"ip IS {self.choice(['', 'NOT '])}NULL"
        if kind == 17:
            return self.choice([f"ip = {quote(self.choice(self.ips))}", f"ip LIKE {quote(self.choice(['10.%', '%.1%', '185.%']))}"])
        if kind == 18:
            return f"status {self.choice(['=', '<>', '>=', '<'])} {self.choice(self.statuses)}"
        if kind == 19:
            return self.choice(["status BETWEEN 400 AND 499", "status IN (404, 500, 502)", "status IS NULL",
                                "status NOT IN (200, 304)", "status >= 500"])
        if kind == 20:
            return f"latency_ms {self.choice(['>', '<', '<=', '>='])} {self.latency()}"
        if kind == 21:
            a, b = sorted([self.latency(), self.latency()])
            return self.choice([f"latency_ms BETWEEN {a} AND {b}", "latency_ms IS NULL", f"latency_ms * 2 > {b}"])
        if kind == 22:
            return f"metadata->>'browser' {self.choice(['=', '<>'])} {quote(self.choice(['chrome', 'firefox', 'safari', 'edge', 'curl']))}"
        if kind == 23:
            return f"metadata->>'country' IN ({', '.join(quote(c) for c in self.sample(['US', 'DE', 'AT', 'FR', 'JP', 'BR'], 1, 3))})"
        if kind == 24:
            return f"metadata->>'{self.choice(['reason', 'city', 'referrer', 'template', 'role'])}' IS {self.choice(['', 'NOT '])}NULL"
        if kind == 25:
            return f"CAST(metadata->>'attempt' AS INTEGER) >= {r.randrange(1, 6)}"
        if kind == 26:
            return self.choice(["metadata->>'city' = 'München'", "metadata->>'city' LIKE '%ö%'",
                                "metadata->>'mfa' = 'true'", "metadata->>'query' LIKE '%''%'"])
        if kind == 27:
            return self.choice([
                "status NOT IN (200, NULL)", "status IN (404, NULL)", f"ts >= '{self.timestamp()}'",
                f"ts BETWEEN DATE '{self.choice(self.days)}' AND DATE '{self.choice(self.days)}'",
                "length(metadata->>'city') = 7", "lower(metadata->>'city') = 'münchen'",
                "CAST(status AS VARCHAR) LIKE '5%'", "status / 100 = 4", "CAST(latency_ms AS BIGINT) = 40",
                "json_extract_string(metadata, '$.reason') = 'locked'", "(metadata->'attempt') IS NOT NULL",
                "url ~ '^https://api\\.'", "regexp_matches(url, '/v[0-9]+/')", "url !~* 'LOGIN'",
                "tenant_id IS DISTINCT FROM 'acme'", "status IS NOT DISTINCT FROM NULL", "split_part(ip, '.', 1) = '10'",
                "date_diff('hour', TIMESTAMP '2025-09-01 00:00:00', ts) < 100", "dayname(ts) = 'Monday'",
            ])
        return self.choice(["coalesce(status, 0) = 0", "CASE WHEN status >= 500 THEN true ELSE false END",
                            "coalesce(latency_ms, -1) < 10", "length(url) > 40", "lower(tenant_id) = 'acme'"])

    def predicate(self, depth=0):
        r = self.rng.random()
        if depth < 2 and r < 0.2:
            return f"({self.predicate(depth + 1)} AND {self.predicate(depth + 1)})"
        if depth < 2 and r < 0.3:
            return f"({self.predicate(depth + 1)} OR {self.predicate(depth + 1)})"
        if depth < 2 and r < 0.35:
            return f"NOT ({self.predicate(depth + 1)})"
        return self.atom()

    def where(self, probability=0.7):
        return f" WHERE {self.predicate()}" if self.rng.random() < probability else ""

    # Grouping keys: (expression, category)
    def group_key(self):
        return self.choice([
            ("tenant_id", "group"), ("event_type", "group"), ("status", "group"), ("user_id", "group"),
            ("ts::date", "time"), (f"date_trunc('{self.choice(TRUNC_UNITS)}', ts)", "time"),
            ("hour(ts::TIME)", "time"), ("(ts::TIME + INTERVAL 90 MINUTE) < TIME '12:00'", "time"),
            (f"time_bucket(INTERVAL '{self.choice(TIME_BUCKETS)}', ts)", "time"),
            (f"extract({self.choice(EXTRACT_FIELDS)} FROM ts)", "time"),
            (f"metadata->>'{self.choice(['browser', 'country', 'reason', 'template', 'category'])}'", "json"),
            ("CASE WHEN status >= 500 THEN 'error' WHEN status >= 400 THEN 'client' WHEN status IS NULL THEN 'none' ELSE 'ok' END", "case"),
            ("coalesce(url, ip, 'n/a')", "case"),
            ("ip IS NULL", "group"),
            ("strftime(ts, '%Y-%m-%d %H')", "time"), ("dayname(ts)", "time"), ("split_part(url, '/', 3)", "group"),
        ])

    def aggregate(self):
        r = self.rng
        q = self.choice([0.1, 0.25, 0.5, 0.9, 0.99])
        return self.choice([
            "count(*)", "count(url)", "count(status)", "count(latency_ms)",
            "sum(latency_ms)", "sum(status)", "sum(user_id)", "avg(latency_ms)", "avg(status)",
            "min(latency_ms)", "max(latency_ms)", "min(ts)", "max(ts)", "min(tenant_id)", "max(url)",
            "min(status)", "max(user_id)", "max(ip)",
            "count(DISTINCT user_id)", "count(DISTINCT ip)", "count(DISTINCT event_type)",
            "count(DISTINCT metadata->>'country')", "count(DISTINCT ts::date)",
            f"quantile_cont(latency_ms, {q})", f"percentile_cont({q}) WITHIN GROUP (ORDER BY latency_ms)",
            f"percentile_cont({q}) WITHIN GROUP (ORDER BY latency_ms DESC)",
            f"quantile_disc(status, {q})", "median(latency_ms)",
            "stddev(latency_ms)", "variance(latency_ms)", "stddev_pop(latency_ms)", "var_pop(status)", "arg_max(status, latency_ms)", "arg_min(ts, latency_ms)",
            "bool_or(status >= 500)", "bool_and(ip IS NOT NULL)", "bit_or(status)", "bit_and(user_id)", "bit_xor(DISTINCT status)",
            "count_if(status >= 500)", "corr(latency_ms, status)", "covar_samp(latency_ms, status)", "regr_slope(latency_ms, status)",
            "regr_intercept(latency_ms, user_id)", "regr_count(latency_ms, status)", "skewness(latency_ms)", "kurtosis(latency_ms)",
            "entropy(event_type)", "first(status ORDER BY ts)", "last(url ORDER BY ts DESC)", "any_value(ip ORDER BY ts)",
            f"sum(CASE WHEN status >= {self.choice([400, 500])} THEN 1 ELSE 0 END)",
            "count(CASE WHEN event_type LIKE 'login%' THEN 1 END)",
            # round() of an average of doubles can fall on a tie, which summation order decides: Cairn
            # sums exactly (compensated), DuckDB in row order. An average of integers is exact in both.
            f"round(avg(status), {r.randrange(0, 3)})",
            "max(CAST(metadata->>'attempt' AS INTEGER))",
            "sum(latency_ms) / count(*)",
            f"count(*) FILTER (WHERE {self.atom()})", f"sum(latency_ms) FILTER (WHERE {self.atom()})",
            f"count(DISTINCT user_id) FILTER (WHERE {self.atom()})", f"avg(status) FILTER (WHERE {self.atom()})",
            f"quantile_cont(latency_ms, {q}) FILTER (WHERE {self.atom()})", f"max(ts) FILTER (WHERE {self.atom()})",
        ])

    # Projection expressions (never JSON-typed, so sorting by all of them is a total order)
    def projection(self):
        return self.choice([
            "ts", "tenant_id", "user_id", "event_type", "url", "ip", "status", "latency_ms",
            "latency_ms * 2 + 1", "status + 100", "user_id % 10", "-latency_ms",
            "CASE WHEN status >= 500 THEN 'error' WHEN status >= 400 THEN 'client' ELSE 'ok' END",
            "CASE event_type WHEN 'login' THEN 1 WHEN 'logout' THEN 2 ELSE 0 END",
            "coalesce(url, ip, 'none')", "lower(tenant_id)", "length(url)", "ts::date", "ts::TIME",
            "ts::date + ts::TIME",
            f"date_trunc('{self.choice(TRUNC_UNITS)}', ts)", f"extract({self.choice(EXTRACT_FIELDS)} FROM ts)",
            f"time_bucket(INTERVAL '{self.choice(TIME_BUCKETS)}', ts)",
            "metadata->>'browser'", "metadata->>'reason'", "CAST(metadata->>'results' AS INTEGER)",
            "abs(latency_ms - 100)", "round(latency_ms, 1)", "tenant_id || '/' || event_type",
            "concat(tenant_id, ':', user_id)", "substr(ip, 1, 3)", "ts + INTERVAL '1 hour'",
            "nullif(status, 200)", "greatest(status, 300)", "starts_with(url, 'https://api')",
            "replace(url, 'https://', '')", "floor(latency_ms)", "hour(ts)",
            "CAST(latency_ms AS VARCHAR)", "CAST(ts AS VARCHAR)", "CAST(status AS VARCHAR) || '!'",
            "status / 100", "CAST(latency_ms AS BIGINT)", "length(metadata->>'city')", "upper(metadata->>'city')",
            "substr(metadata->>'city', 2, 3)", "extract(epoch FROM ts)", "coalesce(status, latency_ms)",
            "greatest(latency_ms, status)", "CASE WHEN status IS NULL THEN latency_ms ELSE status END",
            "ts - INTERVAL '1 day'", "ts::date + INTERVAL '12 hours'", "json_extract_string(metadata, '$.template')",
            "split_part(url, '/', 3)", "regexp_extract(url, 'https?://([^/]+)(/[a-z]+)?', 2)",
            "regexp_replace(url, '[0-9]+', '#', 'g')", "strftime(ts, '%Y-%m-%d %H:00')", "strftime(ts, '%a %-d %b')",
            "left(tenant_id, 3)", "right(ip, 2)", "strpos(url, '/api')", "lpad(CAST(status AS VARCHAR), 5, '0')",
            "monthname(ts)", "date_diff('minute', TIMESTAMP '2025-09-01 00:00:00', ts)", "epoch_ms(ts)",
            "date_sub('hour', TIMESTAMP '2025-09-01 00:30:00', ts)", "date_sub('month', TIMESTAMP '2025-08-31 12:00:00', ts)",
            "concat_ws('/', tenant_id, event_type, status)", "sha256(tenant_id)", "reverse(event_type)", "ends_with(url, 's')",
            "url_decode(url)", "sign(latency_ms - 100)", "log2(latency_ms + 1)", "mod(status, 7)", "last_day(ts)", "millisecond(ts)",
            "ip GLOB '10.*'", "url ~~ '%api%'",
        ])

    # -- query shapes -----------------------------------------------------------------------

    def filtered_count(self):
        return Query("filter", f"SELECT count(*) AS n FROM events WHERE {self.predicate()}", False)

    def filtered_rows(self):
        items = [self.projection() for _ in range(self.rng.randint(2, 5))]
        select = ", ".join(f"{item} AS c{i}" for i, item in enumerate(items))
        order = ", ".join(f"c{i}{self.choice(['', ' DESC'])}{self.choice(['', ' NULLS FIRST', ' NULLS LAST'])}"
                          for i in range(len(items)))
        limit = f" LIMIT {self.rng.randint(1, 60)}"
        if self.rng.random() < 0.4:
            limit += f" OFFSET {self.rng.randint(0, 200)}"
        return Query("order", f"SELECT {select} FROM events WHERE {self.predicate()} ORDER BY {order}{limit}", True)

    def unordered_rows(self):
        if self.rng.random() < 0.25:
            return Query("project", f"SELECT * FROM events WHERE {self.atom()} AND {self.atom()} AND {self.atom()}", False)
        items = [self.projection() for _ in range(self.rng.randint(1, 4))] + ["metadata"] * (self.rng.random() < 0.3)
        select = ", ".join(f"{item} AS c{i}" for i, item in enumerate(items))
        # Narrow filters keep these results small.
        return Query("project", f"SELECT {select} FROM events WHERE {self.atom()} AND {self.atom()} AND {self.atom()}", False)

    def grouped(self):
        keys = []
        for _ in range(self.rng.randint(1, 2)):
            key = self.group_key()
            if key[0] not in (k[0] for k in keys):
                keys.append(key)
        aggregates = [self.aggregate() for _ in range(self.rng.randint(1, 4))]
        having = self.rng.random() < 0.25
        # HAVING may name an output alias (cnt), as DuckDB allows.
        having_alias = having and self.rng.random() < 0.5
        if having_alias:
            aggregates.append("count(*)")
        select = ", ".join([f"{k} AS k{i}" for i, (k, _) in enumerate(keys)] +
                           [f"{a} AS {'cnt' if having_alias and i == len(aggregates) - 1 else f'a{i}'}"
                            for i, a in enumerate(aggregates)])
        if self.rng.random() < 0.15:
            group = "ALL"
        else:
            group = ", ".join(f"k{i}" if self.rng.random() < 0.5 else k for i, (k, _) in enumerate(keys))
        sql = f"SELECT {select} FROM events{self.where(0.5)} GROUP BY {group}"
        category = keys[0][1]
        if having:
            sql += f" HAVING {'cnt' if having_alias else 'count(*)'} {self.choice(['>', '<', '>='])} {self.rng.choice([1, 5, 20, 100])}"
            category = "having"
        ordered = False
        if self.rng.random() < 0.4:
            # Ordering by every key is a total order of the groups, and so is ORDER BY ALL, keys first.
            if self.rng.random() < 0.25:
                sql += f" ORDER BY ALL{self.choice(['', ' DESC', ' NULLS FIRST'])}"
            else:
                keys_order = ", ".join(f"k{i}{self.choice(['', ' DESC'])}{self.choice(['', ' NULLS FIRST'])}" for i in range(len(keys)))
                sql += f" ORDER BY {'count(*) DESC, ' if self.rng.random() < 0.5 else ''}{keys_order}"
            if self.rng.random() < 0.5:
                sql += f" LIMIT {self.rng.randint(1, 10)}"
            ordered = True
        return Query(category, sql, ordered)

    def scalar_aggregates(self):
        aggregates = [self.aggregate() for _ in range(self.rng.randint(1, 5))]
        select = ", ".join(f"{a} AS a{i}" for i, a in enumerate(aggregates))
        return Query("aggregate", f"SELECT {select} FROM events{self.where()}", False)

    def empty(self):
        impossible = self.choice(["tenant_id = 'nobody'", "ts < TIMESTAMP '2020-01-01 00:00:00'",
                                  "status > 1000", "latency_ms < 0", "user_id IS NULL AND user_id = 1"])
        shape = self.rng.randrange(3)
        if shape == 0:
            return Query("empty", f"SELECT count(*) AS n, sum(latency_ms) AS s, min(ts) AS t, avg(status) AS a FROM events WHERE {impossible}", False)
        if shape == 1:
            return Query("empty", f"SELECT tenant_id AS k, count(*) AS n FROM events WHERE {impossible} GROUP BY tenant_id", False)
        return Query("empty", f"SELECT ts AS t, url AS u FROM events WHERE {impossible} ORDER BY t LIMIT 5", True)

    def nested(self):
        shape = self.rng.randrange(8)
        if shape == 6:
            return Query("with", f"WITH per_user AS (SELECT tenant_id, user_id, count(*) AS n FROM events{self.where(0.5)} "
                         "GROUP BY tenant_id, user_id) SELECT tenant_id AS k, count(*) AS users, max(n) AS busiest FROM per_user "
                         "GROUP BY tenant_id", False)
        if shape == 7:
            # A column list, a WITH query read by the next one, and one read from a scalar subquery.
            return Query("with", f"WITH daily(d, k, n) AS (SELECT ts::date, tenant_id, count(*) FROM events{self.where(0.5)} "
                         "GROUP BY ts::date, tenant_id), busy AS (SELECT * FROM daily WHERE n > (SELECT avg(n) FROM daily)) "
                         "SELECT k AS k, count(*) AS days, sum(n) AS total FROM busy GROUP BY k", False)
        if shape == 5:
            # The first row of each key in ORDER BY order; every output column is a sort key, so ties cannot differ.
            key = self.choice(["tenant_id", "event_type", "ts::date", "status", "metadata->>'browser'"])
            return Query("distinct", f"SELECT DISTINCT ON ({key}) {key} AS k, ts AS t, event_type AS e FROM events"
                         f"{self.where(0.5)} ORDER BY {key}{self.choice(['', ' DESC'])}, ts DESC, event_type", True)
        if shape == 0:
            return Query("subquery", "SELECT tenant_id AS k, count(*) AS users, max(n) AS busiest, sum(n) AS total FROM "
                         f"(SELECT tenant_id, user_id, count(*) AS n FROM events{self.where(0.5)} GROUP BY tenant_id, user_id) AS per_user "
                         "GROUP BY tenant_id", False)
        if shape == 1:
            return Query("subquery", "SELECT count(*) AS n FROM events WHERE user_id IN "
                         f"(SELECT user_id FROM events WHERE {self.atom()}){self.choice(['', ' AND ' + self.atom()])}", False)
        if shape == 2:
            return Query("subquery", f"SELECT count(*) AS n FROM events WHERE latency_ms > (SELECT avg(latency_ms) FROM events WHERE {self.atom()})", False)
        if shape == 3:
            cols = ", ".join(f"{c} AS c{i}" for i, c in enumerate(self.sample(["tenant_id", "event_type", "status", "ts::date", "metadata->>'browser'"], 1, 3)))
            return Query("distinct", f"SELECT DISTINCT {cols} FROM events{self.where(0.6)}", False)
        return Query("subquery", "SELECT d AS d, count(*) AS tenants, max(n) AS most FROM "
                     "(SELECT ts::date AS d, tenant_id, count(*) AS n FROM events GROUP BY ts::date, tenant_id) AS daily "
                     "GROUP BY d ORDER BY d", True)

    # Every window orders by enough columns that rows it cannot tell apart are alike in all it shows.
    ROW_ORDER = "ts, user_id, event_type, url, latency_ms, status, ip"

    def window(self):
        shape = self.rng.randrange(6)
        if shape == 5:
            # A named window refined per call, and FILTER on a windowed aggregate.
            key = self.choice(["tenant_id", "event_type", "status"])
            return Query("window", f"SELECT {key} AS k, ts AS t, row_number() OVER w AS rn, "
                         f"count(*) FILTER (WHERE {self.atom()}) OVER (w ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS recent, "
                         f"sum(status) FILTER (WHERE status >= 400) OVER p AS errs FROM events WHERE {self.atom()} "
                         f"WINDOW p AS (PARTITION BY {key}), w AS (p ORDER BY {self.ROW_ORDER}) QUALIFY rn <= {self.rng.randint(2, 5)}", False)
        if shape == 4:
            # A time window before (or around) each row; rows with the same key and time get the same answer.
            key = self.choice(["tenant_id", "ip", "user_id", "event_type"])
            end = self.choice(["CURRENT ROW", "INTERVAL '10 minutes' FOLLOWING"])
            return Query("window", f"SELECT {key} AS k, ts AS t, count(*) OVER (PARTITION BY {key} ORDER BY ts{self.choice(['', ' DESC'])} "
                         f"RANGE BETWEEN INTERVAL '{self.choice(['1 hour', '30 minutes', '1 day'])}' PRECEDING AND {end}) AS n, "
                         f"max(latency_ms) OVER (PARTITION BY {key} ORDER BY ts RANGE BETWEEN INTERVAL 2 HOUR PRECEDING AND CURRENT ROW) AS m "
                         f"FROM events WHERE {self.atom()} QUALIFY n > 1", False)
        if shape == 0:
            key = self.choice(["tenant_id", "event_type", "status"])
            return Query("window", f"SELECT {key} AS k, ts AS t, latency_ms AS l, row_number() OVER (PARTITION BY {key} ORDER BY {self.ROW_ORDER}) AS rn "
                         f"FROM events{self.where(0.6)} QUALIFY rn <= {self.rng.randint(1, 4)}", False)
        if shape == 1:
            day = self.choice(["ts::date", "date_trunc('hour', ts)", "time_bucket(INTERVAL '6 hours', ts)"])
            return Query("window", f"SELECT {day} AS d, count(*) AS n, sum(count(*)) OVER (ORDER BY {day}) AS running, "
                         f"lag(count(*)) OVER (ORDER BY {day}) AS prev, lead(count(*), 2, -1) OVER (ORDER BY {day}) AS next2, "
                         f"avg(count(*)) OVER (ORDER BY {day} ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS ma "
                         f"FROM events{self.where(0.5)} GROUP BY {day}", False)
        if shape == 2:
            key = self.choice(["tenant_id", "event_type", "status", "metadata->>'browser'"])
            return Query("window", f"SELECT {key} AS k, count(*) AS n, count(*) * 1.0 / sum(count(*)) OVER () AS share, "
                         "rank() OVER (ORDER BY count(*) DESC) AS r, dense_rank() OVER (ORDER BY count(*) DESC) AS dr, "
                         f"cume_dist() OVER (ORDER BY count(*)) AS cd FROM events{self.where(0.5)} GROUP BY {key}", False)
        frame = self.choice(["", " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING", " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
                             " ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING", " ROWS 3 PRECEDING"])
        return Query("window", f"SELECT tenant_id AS k, ts AS t, latency_ms AS l, "
                     f"sum(latency_ms) OVER (PARTITION BY tenant_id ORDER BY {self.ROW_ORDER}{frame}) AS s, "
                     f"max(status) OVER (PARTITION BY tenant_id ORDER BY {self.ROW_ORDER}{frame}) AS mx, "
                     f"count(latency_ms) OVER (PARTITION BY tenant_id) AS c, "
                     f"first_value(latency_ms) OVER (PARTITION BY tenant_id ORDER BY {self.ROW_ORDER}) AS f "
                     f"FROM events WHERE {self.atom()} AND {self.atom()}", False)

    def set_operation(self):
        op = self.choice(["UNION", "UNION ALL", "EXCEPT", "EXCEPT ALL", "INTERSECT", "INTERSECT ALL"])
        if self.rng.random() < 0.5:
            column = self.choice(["status", "tenant_id", "ts::date", "user_id % 7", "metadata->>'browser'"])
            return Query("set", f"SELECT {column} AS v FROM events WHERE {self.atom()} {op} SELECT {column} FROM events WHERE {self.atom()} "
                         f"ORDER BY v NULLS FIRST LIMIT {self.rng.randint(5, 40)}", True)
        return Query("set", f"SELECT tenant_id AS k, count(*) AS n FROM events WHERE {self.atom()} GROUP BY tenant_id {op} "
                     f"SELECT event_type, count(*) FROM events WHERE {self.atom()} GROUP BY event_type {op} "
                     f"SELECT 'all', count(*) FROM events", False)

    def duckdb_forms(self):
        """`//`, md5, json_type, strptime, interval arithmetic, lateral aliases, * EXCLUDE, EXISTS,
        = ANY / <> ALL and generate_series, as DuckDB users write them."""
        shape = self.rng.randrange(12)
        if shape == 11:
            keys = self.sample(["tenant_id", "event_type", "status", "metadata->>'browser'"], 2, 3)
            grouping = self.choice([f"ROLLUP ({', '.join(keys)})", f"CUBE ({', '.join(keys)})",
                                    f"GROUPING SETS (({keys[0]}), ({', '.join(keys[1:])}), ())", f"{keys[0]}, ROLLUP ({', '.join(keys[1:])})"])
            items = ", ".join(f"{k} AS k{i}" for i, k in enumerate(keys))
            return Query("grouping", f"SELECT {items}, count(*) AS n, sum(latency_ms) AS s, grouping({', '.join(keys)}) AS g "
                         f"FROM events{self.where(0.5)} GROUP BY {grouping}", False)
        if shape == 9:
            # Correlated on a key with few values, and on one with a value per row.
            key = self.choice(["tenant_id", "event_type", "status"])
            return Query("correlated", f"SELECT e.{key} AS k, count(*) AS n FROM events e WHERE e.latency_ms > "
                         f"{self.choice(['1', '2', '0.5'])} * (SELECT avg(x.latency_ms) FROM events x WHERE x.{key} = e.{key}{self.choice(['', ' AND ' + self.atom()])}) "
                         "GROUP BY 1", False)
        if shape == 10:
            return Query("correlated", f"SELECT count(*) AS n FROM events e WHERE {self.atom()} AND {self.choice(['', 'NOT '])}EXISTS "
                         f"(SELECT 1 FROM events s WHERE s.user_id = e.user_id AND s.ts > e.ts AND s.ts < e.ts + INTERVAL '{self.choice(['1 hour', '1 day'])}')", False)
        if shape == 0:
            key = self.choice(["status // 100", "user_id // 7", "md5(tenant_id)", "json_type(metadata->'attempt')",
                               "json_type(metadata)", "strptime(strftime(ts, '%d/%m/%Y %H'), '%d/%m/%Y %H')"])
            return Query("duckdb", f"SELECT {key} AS k, count(*) AS n FROM events{self.where(0.5)} GROUP BY 1", False)
        if shape == 1:
            return Query("duckdb", f"SELECT count(*) AS total, count(*) FILTER (WHERE {self.atom()}) AS hits, "
                         f"hits * 100 // greatest(total, 1) AS pct FROM events{self.where(0.5)}", False)
        if shape == 2:
            hours = self.rng.randint(1, 72)
            return Query("duckdb", f"SELECT count(*) AS n FROM events WHERE ts > TIMESTAMP '{self.timestamp()}' - {hours} * INTERVAL '1 hour'"
                         f" AND ts <= TIMESTAMP '{self.timestamp()}' + (TIMESTAMP '2025-09-02' - TIMESTAMP '2025-09-01') / {self.rng.randint(1, 4)}", False)
        if shape == 3:
            return Query("duckdb", "SELECT tenant_id AS k, extract(epoch FROM max(ts) - min(ts)) AS span, "
                         f"max(ts) - min(ts) > INTERVAL '{self.rng.randint(1, 12)} days' AS long FROM events{self.where(0.5)} GROUP BY 1", False)
        if shape == 4:
            return Query("duckdb", f"SELECT * EXCLUDE (metadata, url) FROM events WHERE {self.atom()} "
                         f"ORDER BY {self.ROW_ORDER} LIMIT {self.rng.randint(1, 20)}", True)
        if shape == 5:
            return Query("duckdb", f"SELECT count(*) AS n FROM events WHERE {self.atom()} AND {self.choice(['', 'NOT '])}EXISTS "
                         f"(SELECT 1 FROM events WHERE {self.atom()} AND {self.atom()})", False)
        if shape == 6:
            column = self.choice(["user_id", "tenant_id", "status"])
            quantified = self.choice(["= ANY", "<> ALL"])
            return Query("duckdb", f"SELECT count(*) AS n FROM events WHERE {column} {quantified} (SELECT {column} FROM events WHERE {self.atom()})", False)
        days = sorted(self.sample(self.days, 2, 2))
        if shape == 7:
            return Query("duckdb", f"SELECT d.day AS d, count(e.ts) AS n FROM generate_series(TIMESTAMP '{days[0]}', TIMESTAMP '{days[-1]}', "
                         f"INTERVAL '{self.choice(['6 hours', '1 day', '12 hours'])}') AS d(day) LEFT JOIN events e "
                         f"ON date_trunc('hour', e.ts) = d.day AND {self.atom()} GROUP BY 1 ORDER BY 1", True)
        return Query("duckdb", f"SELECT r.i AS i, count(e.user_id) AS n FROM range({self.rng.randint(0, 3)}, {self.rng.randint(3, 12)}) AS r(i) "
                     f"{self.choice(['LEFT', 'FULL', 'RIGHT'])} JOIN (SELECT user_id % 10 AS k, user_id FROM events WHERE {self.atom()}) e ON e.k = r.i "
                     "GROUP BY 1", False)

    def join(self):
        kind = self.choice(["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"])
        key = self.choice(["tenant_id", "event_type", "status"])
        if self.rng.random() < 0.5:
            return Query("join", f"SELECT a.{key} AS k, a.n AS n, b.m AS m FROM (SELECT {key}, count(*) AS n FROM events WHERE {self.atom()} GROUP BY {key}) a "
                         f"{kind} (SELECT {key}, avg(latency_ms) AS m FROM events WHERE {self.atom()} GROUP BY {key}) b USING ({key})", False)
        return Query("join", f"SELECT e.{key} AS k, count(*) AS n, count(t.{key}) AS matched FROM events e {kind} "
                     f"(SELECT DISTINCT {key} FROM events WHERE {self.atom()}) t ON t.{key} = e.{key} AND e.latency_ms > {self.latency()} "
                     f"GROUP BY e.{key}", False)

    def generate(self, count):
        shapes = [(self.filtered_count, 18), (self.filtered_rows, 20), (self.unordered_rows, 8),
                  (self.grouped, 30), (self.scalar_aggregates, 14), (self.empty, 4), (self.nested, 6), (self.window, 5),
                  (self.set_operation, 4), (self.join, 4), (self.duckdb_forms, 5)]
        total = sum(weight for _, weight in shapes)
        queries = []
        for _ in range(count):
            x = self.rng.uniform(0, total)
            for shape, weight in shapes:
                x -= weight
                if x <= 0:
                    break
            queries.append(shape())
        return queries
