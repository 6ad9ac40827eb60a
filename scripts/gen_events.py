#!/usr/bin/env python3
"""Deterministic generator of a realistic multi-tenant activity/audit/security log as CSV.

Columns: ts, tenant_id, user_id, event_type, url, ip, status, latency_ms, metadata
(see fixtures/demo.sql for the table). The same --seed and --rows always produce the same
bytes. Standard library only.

    python3 scripts/gen_events.py                       # fixtures/events.csv, 5,000 rows
    python3 scripts/gen_events.py --rows 20000 --seed 7 --out /tmp/events.csv
"""
import argparse
import csv
import datetime
import json
import math
import random
import sys

START = datetime.datetime(2025, 9, 1)
DAYS = 14

TENANTS = [  # (tenant, weight): a few big tenants and a long tail
    ("acme", 40), ("globex", 20), ("initech", 12), ("umbrella", 9),
    ("hooli", 8), ("stark", 6), ("wayne", 3), ("tyrell", 2),
]

# (event type, category, weight)
EVENT_TYPES = [
    ("page_view", "activity", 560), ("search", "activity", 90), ("export_created", "activity", 25),
    ("login", "security", 80), ("login_failed", "security", 22), ("logout", "security", 45),
    ("password_change", "security", 6), ("mfa_enabled", "security", 4),
    ("role_granted", "audit", 8), ("role_revoked", "audit", 4), ("user_invited", "audit", 6),
    ("settings_changed", "audit", 10),
    ("email_sent", "email", 70), ("email_bounced", "email", 6),
    ("api_error", "error", 30),
]

PATHS = ["/", "/dashboard", "/reports", "/reports/weekly", "/settings", "/settings/billing",
         "/users", "/users/invite", "/search", "/exports", "/api/v1/events", "/api/v1/users",
         "/help/getting_started", "/help/faq", "/pricing"]
BROWSERS = [("chrome", 55), ("firefox", 18), ("safari", 17), ("edge", 8), ("curl", 2)]
COUNTRIES = [("US", 35), ("DE", 15), ("GB", 10), ("FR", 8), ("IN", 8), ("BR", 6), ("JP", 6),
             ("CA", 6), ("NL", 4), ("AT", 2)]
CITIES = {"DE": ["Berlin", "München", "Köln"], "AT": ["Wien", "Graz"], "FR": ["Paris", "Lyon"],
          "JP": ["東京", "大阪"], "US": ["New York", "San Francisco", "Austin"]}
ROLES = ["viewer", "editor", "admin", "billing"]
FAIL_REASONS = [("bad_password", 70), ("unknown_user", 15), ("locked", 8), ("mfa_timeout", 7)]
API_ERRORS = [("timeout", 40), ("upstream_unavailable", 30), ("rate_limited", 20), ("internal", 10)]
BOUNCES = [("hard", 60), ("soft", 40)]
TEMPLATES = ["welcome", "digest", "invite", "password_reset", "invoice"]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.uniform(0, total)
    for value, weight in weighted:
        x -= weight
        if x <= 0:
            return value
    return weighted[-1][0]


def diurnal_seconds(rng):
    """A second of the day: traffic peaks mid-afternoon UTC and is lowest around 03:00."""
    while True:
        hour = rng.uniform(0, 24)
        if rng.random() < 0.25 + 0.75 * (0.5 - 0.5 * math.cos((hour - 3) / 24 * 2 * math.pi)):
            return hour * 3600


def timestamp(rng):
    while True:
        day = rng.randrange(DAYS)
        weekday = (START + datetime.timedelta(days=day)).weekday()
        if weekday < 5 or rng.random() < 0.45:  # quieter weekends
            break
    micros = int(diurnal_seconds(rng) * 1000) * 1000  # millisecond precision
    return START + datetime.timedelta(days=day, microseconds=micros)


def make_users(rng, count):
    users = []
    for index in range(count):
        tenant = pick(rng, TENANTS)
        country = pick(rng, COUNTRIES)
        ip = f"{rng.choice([10, 172, 185, 203, 91])}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        users.append({"id": 1000 + index, "tenant": tenant, "country": country, "ip": ip,
                      "browser": pick(rng, BROWSERS), "activity": rng.paretovariate(1.2)})
    return users


def event_row(rng, user, event_type, category, ts):
    url = ip = status = latency = None
    meta = {}
    ip = user["ip"] if rng.random() > 0.03 else None
    if event_type == "page_view":
        path = rng.choice(PATHS)
        query = rng.random()
        if query < 0.1:
            path += f"?q={rng.choice(['report', 'a,b', 'x%20y', 'o_o'])}"
        elif query < 0.15:
            path += f"?page={rng.randrange(1, 20)}"
        url = "https://app.example.com" + path
        status = pick(rng, [(200, 900), (304, 40), (404, 30), (500, 8), (502, 5), (503, 4)])
        latency = round(rng.lognormvariate(3.6, 0.7), 3) if rng.random() > 0.05 else None
        meta = {"browser": user["browser"], "country": user["country"]}
        if user["country"] in CITIES and rng.random() < 0.5:
            meta["city"] = rng.choice(CITIES[user["country"]])
        if rng.random() < 0.2:
            meta["referrer"] = rng.choice(["google", "newsletter", "direct", "partner"])
    elif event_type == "search":
        url = "https://app.example.com/search"
        status = 200
        latency = round(rng.lognormvariate(4.2, 0.5), 3)
        meta = {"query": rng.choice(["invoice", "Q3 report", "users 'admin'", "export", "\"quoted\""]),
                "results": rng.randrange(0, 120)}
    elif event_type == "export_created":
        url = "https://app.example.com/exports"
        status = 201
        latency = round(rng.lognormvariate(6.0, 0.6), 3)
        meta = {"format": rng.choice(["csv", "json", "parquet"]), "rows": rng.randrange(10, 200_000)}
    elif event_type == "login":
        status = 200
        meta = {"method": pick(rng, [("password", 60), ("sso", 30), ("passkey", 10)]), "mfa": rng.random() < 0.6}
    elif event_type == "login_failed":
        status = 401
        meta = {"reason": pick(rng, FAIL_REASONS), "attempt": rng.randrange(1, 6)}
    elif event_type == "logout":
        meta = {"session_minutes": rng.randrange(1, 600)}
    elif event_type == "password_change":
        meta = {"forced": rng.random() < 0.2}
    elif event_type == "mfa_enabled":
        meta = {"factor": rng.choice(["totp", "webauthn", "sms"])}
    elif event_type in ("role_granted", "role_revoked"):
        meta = {"role": rng.choice(ROLES), "target_user": 1000 + rng.randrange(300)}
    elif event_type == "user_invited":
        meta = {"role": rng.choice(ROLES), "email_domain": rng.choice(["example.com", "corp.example", "gmail.com"])}
    elif event_type == "settings_changed":
        meta = {"setting": rng.choice(["timezone", "retention_days", "sso", "theme"]), "old": None,
                "new": rng.choice(["UTC", "90", "on", "dark"])}
    elif event_type == "email_sent":
        ip = None
        meta = {"template": rng.choice(TEMPLATES), "size_bytes": rng.randrange(2_000, 90_000)}
    elif event_type == "email_bounced":
        ip = None
        meta = {"template": rng.choice(TEMPLATES), "bounce": pick(rng, BOUNCES)}
    elif event_type == "api_error":
        url = "https://api.example.com" + rng.choice(["/v1/events", "/v1/users", "/v1/exports", "/v2/search"])
        status = pick(rng, [(500, 40), (502, 25), (503, 20), (504, 10), (429, 5)])
        latency = round(rng.lognormvariate(7.0, 0.8), 3) if rng.random() > 0.1 else None
        meta = {"error": pick(rng, API_ERRORS), "retryable": rng.random() < 0.7}
    meta["category"] = category
    return [ts, user["tenant"], user["id"], event_type, url, ip, status, latency,
            json.dumps(meta, ensure_ascii=False, separators=(", ", ": "))]


def generate(rows, seed, users=300):
    rng = random.Random(seed)
    population = make_users(rng, users)
    weights = [u["activity"] for u in population]
    events = []
    kinds = [((name, category), weight) for name, category, weight in EVENT_TYPES]
    for _ in range(rows):
        event_type, category = pick(rng, kinds)
        user = rng.choices(population, weights)[0]
        events.append(event_row(rng, user, event_type, category, timestamp(rng)))
    events.sort(key=lambda row: row[0])
    # Logs arrive mostly in order: swap a few rows with nearby ones and delay a few a lot.
    for _ in range(rows // 50):
        i = rng.randrange(rows)
        j = min(rows - 1, i + rng.randrange(1, 40))
        events[i], events[j] = events[j], events[i]
    for _ in range(rows // 500):
        i = rng.randrange(rows)
        events.insert(min(rows - 1, i + rng.randrange(100, 2000)), events.pop(i))
    return events


def format_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{value.microsecond // 1000:03d}" if value.microsecond else "")
    return str(value)


def write_csv(rows, out):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ts", "tenant_id", "user_id", "event_type", "url", "ip", "status", "latency_ms", "metadata"])
    for row in rows:
        writer.writerow([format_value(v) for v in row])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="fixtures/events.csv", help="output path, or - for stdout")
    args = parser.parse_args()
    rows = generate(args.rows, args.seed)
    if args.out == "-":
        write_csv(rows, sys.stdout)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as out:
            write_csv(rows, out)


if __name__ == "__main__":
    main()
