#!/usr/bin/env python3
"""Differential tests: the same generated queries through DuckDB and through the `cairn` CLI.

Generates an event table (scripts/gen_events.py, its own seed and size), loads it into an
in-memory DuckDB and into a Cairn directory (two COPYs and an INSERT), then runs a few hundred
seeded, generated queries through both and compares the answers: as multisets of rows unless
the query orders by a total order, doubles with a relative tolerance, timestamps and dates as
DuckDB prints them. Prints every mismatch and ends with `N passed, M failed`; exits 1 if M > 0.

    python3 Tests/difftest/difftest.py --cairn .build/debug/cairn
    python3 Tests/difftest/difftest.py --duckdb-only          # check the generator alone

On first use it creates .venv at the repository root and installs duckdb into it.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV = os.path.join(ROOT, ".venv")


def ensure_duckdb():
    """Re-executes under .venv/bin/python, creating the venv and installing duckdb once."""
    try:
        import duckdb  # noqa: F401
        return
    except ImportError:
        pass
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.executable) == os.path.realpath(python) or os.environ.get("CAIRN_DIFFTEST_REEXEC"):
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "duckdb"])
    else:
        if not os.path.exists(python):
            subprocess.check_call([sys.executable, "-m", "venv", VENV])
        check = subprocess.run([python, "-c", "import duckdb"], capture_output=True)
        if check.returncode != 0:
            subprocess.check_call([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "duckdb"])
    os.environ["CAIRN_DIFFTEST_REEXEC"] = "1"
    os.execv(python, [python] + sys.argv)


ensure_duckdb()

import argparse  # noqa: E402
import collections  # noqa: E402
import concurrent.futures  # noqa: E402
import datetime  # noqa: E402
import decimal  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402

import duckdb  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_events  # noqa: E402
from querygen import QueryGenerator  # noqa: E402

SCHEMA = """CREATE TABLE events (
    ts TIMESTAMP NOT NULL, tenant_id VARCHAR NOT NULL, user_id BIGINT, event_type VARCHAR NOT NULL,
    url VARCHAR, ip VARCHAR, status INTEGER, latency_ms DOUBLE, metadata JSON)"""
REL_TOL = 1e-9
ABS_TOL = 1e-9


# ---------------------------------------------------------------------------------------------
# Loading

def write_part(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as out:
        gen_events.write_csv(rows, out)


def sql_literal(value):
    text = gen_events.format_value(value)
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return text
    return "'" + text.replace("'", "''") + "'"


def load(workdir, rows, cairn):
    """Loads `rows` into DuckDB and (unless cairn is None) a Cairn database; returns both."""
    first, second = len(rows) * 3 // 5, len(rows) - min(50, len(rows) // 10)
    part_a, part_b = os.path.join(workdir, "events_a.csv"), os.path.join(workdir, "events_b.csv")
    write_part(part_a, rows[:first])
    write_part(part_b, rows[first:second])
    insert = "INSERT INTO events VALUES " + ", ".join(
        "(" + ", ".join(sql_literal(v) for v in row) + ")" for row in rows[second:])
    statements = [
        f"COPY events FROM '{part_a}' (FORMAT csv, HEADER)",
        f"COPY events FROM '{part_b}' (FORMAT csv, HEADER)",
        insert,
    ]

    duck = duckdb.connect()
    duck.execute(SCHEMA)
    for statement in statements:
        duck.execute(statement)

    database = None
    if cairn:
        database = os.path.join(workdir, "events.cairn")
        script = SCHEMA + " PARTITION BY day(ts);\n" + ";\n".join(statements) + ";\n"
        result = subprocess.run([cairn, database, "--format", "csv"], input=script, text=True,
                                capture_output=True, timeout=600)
        if result.returncode != 0:
            sys.exit(f"loading into Cairn failed (exit {result.returncode}):\n{result.stderr}{result.stdout}")
    return duck, database


# ---------------------------------------------------------------------------------------------
# Running and normalizing

def format_timestamp(value):
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += ("." + f"{value.microsecond:06d}").rstrip("0")
    return text


def normalize_duckdb(value, type_name):
    if value is None:
        return None
    if type_name == "JSON":
        return json.loads(value)
    if isinstance(value, datetime.datetime):
        return format_timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        text = value.strftime("%H:%M:%S")
        return text + ("." + f"{value.microsecond:06d}").rstrip("0") if value.microsecond else text
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.timedelta):
        return str(value)
    return value


def run_duckdb(duck, sql):
    cursor = duck.execute(sql)
    types = [str(column[1]) for column in cursor.description]
    names = [column[0] for column in cursor.description]
    rows = [[normalize_duckdb(v, t) for v, t in zip(row, types)] for row in cursor.fetchall()]
    return names, rows


def run_cairn(cairn, database, sql):
    """Returns (names, rows) or raises RuntimeError with Cairn's error message."""
    result = subprocess.run([cairn, database, "--readonly", "--format", "jsonl", "-c", sql],
                            capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError((result.stderr.strip() or f"exit status {result.returncode}"))
    names, rows = None, []
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        names = list(record.keys())
        # JSON has no NaN or infinities: Cairn writes them as the strings DuckDB prints.
        rows.append([float(v) if v in ("nan", "inf", "-inf") else v for v in record.values()])
    return names, rows


# ---------------------------------------------------------------------------------------------
# Comparing

def values_equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def sort_key(row):
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, bool):
            key.append((1, str(value)))
        elif isinstance(value, (int, float)):
            key.append((2, value))
        elif isinstance(value, str):
            key.append((3, value))
        else:
            key.append((4, json.dumps(value, sort_keys=True)))
    return key


def first_difference(names, expected_rows, actual_rows):
    for index, (e, a) in enumerate(zip(expected_rows, actual_rows)):
        for column, (x, y) in enumerate(zip(e, a)):
            if not values_equal(x, y):
                return f"row {index} column {names[column]}: {y!r}, expected {x!r}"
    return None


def match_tolerantly(expected_rows, actual_rows):
    """Pairs rows as multisets when doubles differing in their last bits spoil a sorted comparison."""
    unmatched = list(actual_rows)
    for row in expected_rows:
        for index, candidate in enumerate(unmatched):
            if all(values_equal(x, y) for x, y in zip(row, candidate)):
                unmatched.pop(index)
                break
        else:
            return f"no match for expected row {row!r}"
    return None


def compare(expected, actual, ordered):
    """Returns None when equal, else a short description of the first difference."""
    (expected_names, expected_rows), (actual_names, actual_rows) = expected, actual
    if len(expected_rows) != len(actual_rows):
        return f"row count {len(actual_rows)}, expected {len(expected_rows)}"
    if actual_names is not None and actual_names != expected_names:
        return f"column names {actual_names}, expected {expected_names}"
    if expected_rows and len(expected_rows[0]) != len(actual_rows[0]):
        return f"{len(actual_rows[0])} columns, expected {len(expected_rows[0])}"
    if ordered:
        return first_difference(expected_names, expected_rows, actual_rows)
    problem = first_difference(expected_names, sorted(expected_rows, key=sort_key), sorted(actual_rows, key=sort_key))
    if problem is not None and len(expected_rows) <= 5000:
        problem = match_tolerantly(expected_rows, actual_rows)
    return problem


def preview(rows, limit=5):
    lines = [f"      {row}" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"      … {len(rows) - limit} more")
    return "\n".join(lines) if lines else "      (no rows)"


# ---------------------------------------------------------------------------------------------

def default_cairn():
    for build in ("release", "debug"):
        path = os.path.join(ROOT, ".build", build, "cairn")
        if os.path.exists(path):
            return path
    return None


def main():
    parser = argparse.ArgumentParser(description="Compare Cairn with DuckDB on generated queries.")
    parser.add_argument("--cairn", default=None, help="cairn binary (default: .build/release or .build/debug)")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=20250901)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--duckdb-only", action="store_true", help="only check that DuckDB accepts every query")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--show", action="store_true", help="print every query")
    args = parser.parse_args()

    cairn = None if args.duckdb_only else os.path.abspath(args.cairn or default_cairn() or "")
    if cairn is not None and not os.access(cairn, os.X_OK):
        sys.exit(f"no cairn binary at {cairn!r}; build it (swift build --product cairn) or pass --cairn")

    workdir = tempfile.mkdtemp(prefix="cairn-difftest-")
    try:
        rows = gen_events.generate(args.rows, args.seed)
        duck, database = load(workdir, rows, cairn)
        queries = QueryGenerator(duck, random.Random(args.seed)).generate(args.queries)

        expected, skipped = {}, []
        for number, query in enumerate(queries):
            try:
                expected[number] = run_duckdb(duck, query.sql)
            except duckdb.Error as error:
                skipped.append((query, str(error).splitlines()[0]))
        for query, message in skipped:
            print(f"SKIPPED (DuckDB rejects it) [{query.category}]\n  {query.sql}\n  {message}")

        if cairn is None:
            print(f"{len(expected)} queries accepted by DuckDB, {len(skipped)} rejected")
            return 1 if skipped else 0

        def check(number):
            query = queries[number]
            try:
                actual = run_cairn(cairn, database, query.sql)
            except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as error:
                return number, f"cairn failed: {error}", None
            return number, compare(expected[number], actual, query.ordered), actual

        passed, failures = 0, collections.Counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for number, problem, actual in pool.map(check, sorted(expected)):
                query = queries[number]
                if args.show:
                    print(f"[{query.category}] {query.sql}")
                if problem is None:
                    passed += 1
                    continue
                failures[query.category] += 1
                print(f"MISMATCH #{number} [{query.category}{', ordered' if query.ordered else ''}]: {problem}")
                print(f"  SQL: {query.sql}")
                print(f"  duckdb ({len(expected[number][1])} rows):\n{preview(expected[number][1])}")
                if actual is not None:
                    print(f"  cairn ({len(actual[1])} rows):\n{preview(actual[1])}")
                print()

        if failures:
            print("failures by category: " + ", ".join(f"{name} {count}" for name, count in sorted(failures.items())))
        if skipped:
            print(f"{len(skipped)} skipped (rejected by DuckDB)")
        failed = sum(failures.values())
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"working directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
