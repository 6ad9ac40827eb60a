#!/usr/bin/env python3
"""Cairn side by side with DuckDB, SQLite and chDB on the same generated event log.

    python3 Benchmarks/compare/compare.py --rows 1000000     # what `make bench` runs
    python3 Benchmarks/compare/compare.py --rows 10000000    # `make bench-full`

Creates .venv-bench (duckdb, numpy and chdb from PyPI) and re-runs itself inside it, generates the
data with `cairn-bench gen events`, loads and queries it with each engine in its own process (so
peak RSS is per engine), checks that every engine returns the same answers as DuckDB, measures the
machine's limits, and writes docs/benchmarks.md. Each engine runs in a worker process:
`compare.py --worker duckdb|sqlite|chdb ...` prints the same JSON report as `cairn-bench events`.
chDB is optional: if it does not install or its worker fails, the report says why and goes on.
"""
import argparse
import datetime
import decimal
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time

import readme_quote

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv-bench")
QUERIES = os.path.join(ROOT, "Benchmarks", "queries", "events.sql")
SQLITE_QUERIES = os.path.join(ROOT, "Benchmarks", "queries", "events.sqlite.sql")
CLICKHOUSE_QUERIES = os.path.join(ROOT, "Benchmarks", "queries", "events.clickhouse.sql")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
OPTIONAL_FAILED = os.path.join(VENV, ".optional-failed")  # why an optional requirement did not install


# --- virtual environment ---------------------------------------------------------------------

def ensure_venv(script=__file__):
    """Re-executes `script` (default this one) inside .venv-bench, creating it and installing requirements first.

    A requirement marked `# optional` (chdb) may fail to install: the others are installed, the
    reason is kept in OPTIONAL_FAILED for the report, and the next run tries again."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    python = os.path.join(VENV, "bin", "python")
    requirements = os.path.join(HERE, "requirements.txt")
    stamp = os.path.join(VENV, ".requirements")
    wanted = open(requirements).read()
    if not os.path.exists(python):
        print(f"creating {VENV}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if not os.path.exists(stamp) or open(stamp).read() != wanted:
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        done = subprocess.run(pip + ["-r", requirements], capture_output=True, text=True)
        if done.returncode == 0:
            if os.path.exists(OPTIONAL_FAILED):
                os.remove(OPTIONAL_FAILED)
            with open(stamp, "w") as f:
                f.write(wanted)
        else:
            sys.stderr.write(done.stdout + done.stderr)
            specs = [(line.split("#", 1)[0].strip(), "# optional" in line) for line in wanted.split("\n")]
            required = [s for s, optional in specs if s and not optional]
            optional = [s for s, optional in specs if s and optional]
            if not optional:
                raise SystemExit("pip install -r requirements.txt failed")
            subprocess.run(pip + required, check=True)
            lines = [line.strip() for line in (done.stderr or done.stdout).split("\n") if line.strip()]
            reason = lines[-1] if lines else f"pip exited with status {done.returncode}"
            with open(OPTIONAL_FAILED, "w") as f:
                f.write(f"pip could not install {', '.join(optional)}: {reason}")
            print(f"continuing without {', '.join(optional)}", file=sys.stderr)
    os.execv(python, [python, os.path.abspath(script)] + sys.argv[1:])


# --- query files and answer checksums (must match cairn-bench's AnswerChecksum) ---------------

def parse_queries(path):
    """[(name, sql)] from a file where a `-- name: X` line starts each query."""
    queries, name, lines = [], None, []

    def finish():
        if name is not None:
            sql = "\n".join(lines).strip()
            while sql.endswith(";"):
                sql = sql[:-1].strip()
            queries.append((name, sql))

    for line in open(path, encoding="utf-8").read().split("\n"):
        stripped = line.strip()
        if stripped.startswith("--"):
            comment = stripped[2:].strip()
            if comment.lower().startswith("name:"):
                finish()
                name, lines = comment[5:].strip(), []
            continue
        if name is None and stripped:
            raise SystemExit(f"{path}: SQL before the first '-- name:' line")
        lines.append(line)
    finish()
    return queries


def is_ordered(sql):
    text = re.sub(r"within\s+group\s*\(\s*order\s+by", "", sql.lower())
    return re.search(r"\border\s+by\b", text) is not None


TIMESTAMP_TEXT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$")


def normalize(value, timestamps_as_text=False):
    """A value's checksum text: the rules of AnswerChecksum in Sources/cairn-bench/QueryFile.swift."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (float, decimal.Decimal)):
        x = float(value)
        if math.isfinite(x) and x == round(x) and abs(x) < 2 ** 53:
            return str(int(x))
        return "%.6g" % x
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        return text + (".%06d" % value.microsecond if value.microsecond else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        if timestamps_as_text:
            # SQLite has no timestamp type: its timestamps are text in the generator's format.
            m = TIMESTAMP_TEXT.match(value)
            if m:
                micros = int((m.group(2) or "0").ljust(6, "0"))
                return m.group(1) + (".%06d" % micros if micros else "")
        return value
    return str(value)


def answer_rows(rows, ordered, timestamps_as_text=False):
    lines = ["\x1f".join(normalize(v, timestamps_as_text) for v in row) for row in rows]
    if not ordered:
        lines.sort(key=lambda s: s.encode("utf-8"))
    return lines


def checksum(lines):
    h = 0xCBF29CE484222325
    for byte in "\x1e".join(lines).encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


# --- engine workers ------------------------------------------------------------------------

def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def strip_partitioning(ddl):
    """DuckDB and SQLite have no PARTITION BY clause on CREATE TABLE."""
    return re.sub(r"\)\s*PARTITION\s+BY\s+[^;]*", ")", ddl, flags=re.IGNORECASE | re.DOTALL)


def time_queries(run, queries, repeat, dump_dir, timestamps_as_text=False):
    """Runs each query once cold and `repeat` times warm; `run(sql)` returns the rows."""
    results = []
    os.makedirs(dump_dir, exist_ok=True)
    for name, sql in queries:
        start = time.perf_counter()
        rows = run(sql)
        cold = time.perf_counter() - start
        warm = []
        for _ in range(repeat):
            start = time.perf_counter()
            run(sql)
            warm.append(time.perf_counter() - start)
        lines = answer_rows(rows, is_ordered(sql), timestamps_as_text)
        with open(os.path.join(dump_dir, name + ".txt"), "w", encoding="utf-8") as f:
            f.write("".join(line.replace("\x1f", "\t") + "\n" for line in lines))
        warm.sort()
        n = len(warm)
        median = warm[n // 2] if n % 2 else (warm[n // 2 - 1] + warm[n // 2]) / 2
        results.append({"name": name, "median_s": median, "min_s": warm[0], "max_s": warm[-1],
                         "cold_s": cold, "rows": len(rows), "checksum": checksum(lines)})
        print(f"  {name}: {median * 1000:.3f} ms, {len(rows)} rows", file=sys.stderr)
    return results


def directory_bytes(path):
    total = 0
    for base, _, files in os.walk(path):
        for f in files:
            p = os.path.join(base, f)
            if os.path.isfile(p):
                total += os.path.getsize(p)
    return total


def worker_duckdb(args):
    import duckdb
    if os.path.exists(args.db):
        shutil.rmtree(args.db)
    os.makedirs(args.db)
    con = duckdb.connect(os.path.join(args.db, "events.duckdb"))
    con.execute(f"SET threads = {args.threads}")
    con.execute(strip_partitioning(args.ddl_text))
    options = "FORMAT csv, HEADER" if args.data.endswith(".csv") else "FORMAT json"
    start = time.perf_counter()
    con.execute(f"COPY events FROM '{args.data}' ({options})")
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    con.execute("CHECKPOINT")
    checkpoint_s = time.perf_counter() - start
    rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
    size = directory_bytes(args.db)
    queries = time_queries(lambda sql: con.execute(sql).fetchall(), parse_queries(args.queries),
                           args.repeat, args.dump)
    return {"engine": "duckdb", "load_method": "copy", "rows_loaded": rows, "load_s": load_s,
            "load_rows_per_s": rows / load_s, "checkpoint_s": checkpoint_s, "bytes_on_disk": size,
            "bytes_per_row": size / max(rows, 1), "peak_rss_bytes": peak_rss_bytes(),
            "threads": args.threads, "queries": queries}


class QuantileCont:
    """quantile_cont(x, q) for SQLite, interpolated like DuckDB: x[lo] + (pos - lo) * (x[hi] - x[lo])."""

    def __init__(self):
        self.values, self.q = [], None

    def step(self, value, q):
        self.q = q
        if value is not None:
            self.values.append(value)

    def finalize(self):
        if not self.values:
            return None
        self.values.sort()
        pos = (len(self.values) - 1) * self.q
        lo, hi = math.floor(pos), math.ceil(pos)
        return self.values[lo] + (pos - lo) * (self.values[hi] - self.values[lo])


SQLITE_TYPES = {"TIMESTAMP": "TEXT", "VARCHAR": "TEXT", "JSON": "TEXT", "INTEGER": "INTEGER",
                "BIGINT": "INTEGER", "DOUBLE": "REAL"}


def worker_sqlite(args):
    import csv
    import sqlite3
    if os.path.exists(args.db):
        shutil.rmtree(args.db)
    os.makedirs(args.db)
    con = sqlite3.connect(os.path.join(args.db, "events.sqlite"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"PRAGMA cache_size=-{256 * 1024}")  # 256 MiB page cache
    con.create_aggregate("quantile_cont", 2, QuantileCont)
    ddl = strip_partitioning(args.ddl_text)
    columns = re.findall(r"^\s*(\w+)\s+(\w+)", ddl.split("(", 1)[1], flags=re.MULTILINE)
    kinds = [t.upper() for _, t in columns]
    con.execute("CREATE TABLE events (" + ", ".join(f"{n} {SQLITE_TYPES.get(t.upper(), 'TEXT')}" for n, t in columns) + ")")
    insert = f"INSERT INTO events VALUES ({', '.join('?' * len(columns))})"

    def convert(text, kind):
        if text is None or text == "":
            return None
        if kind in ("INTEGER", "BIGINT"):
            return int(text)
        if kind == "DOUBLE":
            return float(text)
        return text

    def batches():
        batch = []
        if args.data.endswith(".csv"):
            with open(args.data, newline="", encoding="utf-8") as f:
                reader = csv.reader(f)
                header = next(reader)
                order = [header.index(n) for n, _ in columns]
                for record in reader:
                    batch.append(tuple(convert(record[i], k) for i, k in zip(order, kinds)))
                    if len(batch) == 100_000:
                        yield batch
                        batch = []
        else:
            with open(args.data, encoding="utf-8") as f:
                for line in f:
                    obj = json.loads(line)
                    batch.append(tuple(json.dumps(obj[n], separators=(",", ":")) if isinstance(obj.get(n), (dict, list))
                                       else obj.get(n) for n, _ in columns))
                    if len(batch) == 100_000:
                        yield batch
                        batch = []
        if batch:
            yield batch

    # Time SQLite's own work (inserts, commit, index builds); Python's CSV parsing is reported apart.
    load_s, parse_s, rows = 0.0, 0.0, 0
    con.execute("BEGIN")
    start = time.perf_counter()
    for batch in batches():
        parse_s += time.perf_counter() - start
        start = time.perf_counter()
        con.executemany(insert, batch)
        rows += len(batch)
        load_s += time.perf_counter() - start
        start = time.perf_counter()
    start = time.perf_counter()
    con.execute("COMMIT")
    con.execute("CREATE INDEX events_ts ON events (ts)")
    con.execute("CREATE INDEX events_tenant_ts ON events (tenant_id, ts)")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    load_s += time.perf_counter() - start
    size = directory_bytes(args.db)
    queries = time_queries(lambda sql: con.execute(sql).fetchall(), parse_queries(args.queries),
                           args.repeat, args.dump, timestamps_as_text=True)
    return {"engine": "sqlite", "load_method": "executemany", "rows_loaded": rows, "load_s": load_s,
            "parse_s": parse_s, "load_rows_per_s": rows / load_s, "bytes_on_disk": size,
            "bytes_per_row": size / max(rows, 1), "peak_rss_bytes": peak_rss_bytes(), "threads": 1,
            "queries": queries}


CLICKHOUSE_TYPES = {"TIMESTAMP": "DateTime64(6, 'UTC')", "VARCHAR": "String", "JSON": "String",
                    "INTEGER": "Int32", "BIGINT": "Int64", "DOUBLE": "Float64"}


def clickhouse_columns(ddl):
    """[(name, ClickHouse type)] for the generator's DDL: exact types, Nullable unless NOT NULL."""
    body = strip_partitioning(ddl).split("(", 1)[1]
    columns = []
    for line in body.split("\n"):
        m = re.match(r"^\s*(\w+)\s+(\w+)(.*)$", line)
        if not m:
            continue
        name, kind, rest = m.group(1), m.group(2).upper(), m.group(3)
        if kind not in CLICKHOUSE_TYPES:
            raise SystemExit(f"no ClickHouse type for {name} {kind}")
        t = CLICKHOUSE_TYPES[kind]
        columns.append((name, t if re.search(r"\bNOT\s+NULL\b", rest, re.IGNORECASE) else f"Nullable({t})"))
    return columns


def worker_chdb(args):
    import chdb
    from chdb import session as chdb_session
    if os.path.exists(args.db):
        shutil.rmtree(args.db)
    os.makedirs(args.db)
    sess = chdb_session.Session(args.db)

    def query(sql, fmt="JSONCompact"):
        result = sess.query(sql, fmt)
        if result.has_error():
            raise RuntimeError(result.error_message())
        return result

    def rows_of(sql):
        return json.loads(query(sql).bytes())["data"]

    # Settings last for the session: the same thread count as DuckDB, counts as JSON numbers.
    query(f"SET max_threads = {args.threads}")
    query(f"SET max_insert_threads = {args.threads}")
    query("SET output_format_json_quote_64bit_integers = 0")
    query("SET max_partitions_per_insert_block = 0")  # one part per day: over 100 days is allowed
    columns = clickhouse_columns(args.ddl_text)
    query("CREATE TABLE events (" + ", ".join(f"{n} {t} CODEC(ZSTD)" for n, t in columns) + ") "
          "ENGINE = MergeTree PARTITION BY toDate(ts) ORDER BY (tenant_id, ts)")
    structure = ", ".join(f"{n} {t}" for n, t in columns).replace("'", "\\'")
    fmt = "CSVWithNames" if args.data.endswith(".csv") else "JSONEachRow"
    path = args.data.replace("'", "\\'")
    start = time.perf_counter()
    query(f"INSERT INTO events SELECT * FROM file('{path}', {fmt}, '{structure}')")
    load_s = time.perf_counter() - start
    parts_after_insert = rows_of("SELECT count() FROM system.parts WHERE database = currentDatabase() "
                                 "AND table = 'events' AND active")[0][0]
    start = time.perf_counter()
    query("OPTIMIZE TABLE events FINAL")
    optimize_s = time.perf_counter() - start
    rows = rows_of("SELECT count() FROM events")[0][0]
    parts, size = rows_of("SELECT count(), sum(bytes_on_disk) FROM system.parts "
                          "WHERE database = currentDatabase() AND table = 'events' AND active")[0]
    version = rows_of("SELECT version()")[0][0]
    queries = time_queries(rows_of, parse_queries(args.queries), args.repeat, args.dump, timestamps_as_text=True)
    report = {"engine": "chdb", "load_method": "insert-select", "rows_loaded": rows, "load_s": load_s,
              "load_rows_per_s": rows / load_s, "optimize_s": optimize_s, "parts_after_insert": parts_after_insert,
              "parts": parts, "bytes_on_disk": size, "bytes_per_row": size / max(rows, 1),
              "directory_bytes": directory_bytes(args.db), "peak_rss_bytes": peak_rss_bytes(),
              "threads": args.threads, "version": chdb.__version__, "engine_version": version,
              "queries": queries}
    sess.close()
    return report


def run_worker(args):
    args.ddl_text = open(args.ddl).read()
    report = {"duckdb": worker_duckdb, "sqlite": worker_sqlite, "chdb": worker_chdb}[args.worker](args)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)


# --- machine limits and versions ---------------------------------------------------------------

def machine_limits(sample_file, workdir):
    import numpy as np
    limits = {}
    a = np.ones(256 * 1024 * 1024 // 8)
    b = np.empty_like(a)
    best = min(_timed(lambda: np.copyto(b, a)) for _ in range(5))
    limits["memory_copy_gb_s"] = 2 * a.nbytes / best / 1e9  # bytes read + bytes written
    del a, b
    n = 2048
    x = np.random.default_rng(0).random((n, n), dtype=np.float32)
    best = min(_timed(lambda: x @ x) for _ in range(3))
    limits["sgemm_gflops"] = 2 * n ** 3 / best / 1e9
    path = os.path.join(workdir, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        os.write(fd, b"x" * 100)
        os.fsync(fd)
        samples.append(time.perf_counter() - start)
    os.close(fd)
    os.remove(path)
    samples.sort()
    limits["fsync_append_p50_ms"] = samples[len(samples) // 2] * 1000
    if shutil.which("zstd"):
        sample = os.path.join(workdir, "zstd-sample.csv")
        with open(sample_file, "rb") as src, open(sample, "wb") as dst:
            dst.write(src.read(64 * 1024 * 1024))
        out = subprocess.run(["zstd", "-b3", "-i3", sample], capture_output=True, text=True)
        speeds = re.findall(r"([\d.]+) MB/s", out.stdout + out.stderr)
        if len(speeds) >= 2:
            limits["zstd3_compress_mb_s"] = float(speeds[-2])
            limits["zstd3_decompress_mb_s"] = float(speeds[-1])
        os.remove(sample)
    return limits


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine_description():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory / 2 ** 30,
            "kernel": platform.platform(), "load_average": os.getloadavg()}


def versions():
    import duckdb
    import sqlite3
    import numpy
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.strip().split("\n")[0]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cairn": commit + (" (modified)" if dirty else ""), "swift": swift, "duckdb": duckdb.__version__,
            "sqlite": sqlite3.sqlite_version, "python": platform.python_version(), "numpy": numpy.__version__}


# --- the report ---------------------------------------------------------------------------------

def run(cmd, **kwargs):
    print("$ " + " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kwargs)
    return " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c for c in cmd)


ENGINE_LABELS = {"cairn": "Cairn", "duckdb": "DuckDB", "sqlite": "SQLite", "chdb": "chDB"}


def run_optional_worker(cmd, json_path):
    """Runs a worker whose failure must not stop the comparison: None when it wrote its report,
    otherwise the reason (a failed install, the worker's last error line, or its exit status)."""
    print("$ " + " ".join(cmd), file=sys.stderr)
    if os.path.exists(json_path):
        os.remove(json_path)
    tail = []
    try:
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, errors="replace")
    except OSError as e:
        return str(e)
    for line in proc.stderr:
        sys.stderr.write(line)
        tail = (tail + [line.rstrip()])[-40:]
    status = proc.wait()
    if status == 0 and os.path.exists(json_path):
        return None
    if os.path.exists(OPTIONAL_FAILED):
        return open(OPTIONAL_FAILED).read().strip()
    errors = [line for line in tail if re.match(r"^[\w.]*(Error|Exception)\b", line.strip())]
    lines = [line.strip() for line in tail if line.strip()]
    reason = errors[-1].strip() if errors else (lines[-1] if lines else "")
    if status < 0:
        reason = f"worker killed by signal {-status}" + (f" ({reason})" if reason else "")
    elif not reason:
        reason = f"worker exited with status {status}"
    return reason if len(reason) <= 400 else reason[:400] + "…"


def ms(seconds):
    if seconds is None:
        return "n/a"
    value = seconds * 1000
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def ratio(peer, cairn):
    if peer is None or cairn is None or cairn <= 0:
        return "n/a"
    return f"{peer / cairn:.2f}×"


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def first_difference(path_a, path_b):
    a = open(path_a, encoding="utf-8").read().split("\n")
    b = open(path_b, encoding="utf-8").read().split("\n")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i + 1, x, y
    if len(a) != len(b):
        i = min(len(a), len(b))
        return i + 1, a[i] if i < len(a) else "(end)", b[i] if i < len(b) else "(end)"
    return None


def write_report(ctx):
    cairn, appender, duck, lite, ch = ctx["cairn"], ctx["appender"], ctx["duckdb"], ctx["sqlite"], ctx["chdb"]
    ch_skipped = f"chDB not run: {ctx['chdb_skipped']}" if ch is None else None
    latency, rows = ctx["insert_latency"], ctx["rows"]
    m, v, limits = ctx["machine"], ctx["versions"], ctx["limits"]
    out = []
    w = out.append
    w("# Benchmarks")
    w("")
    w(f"Written by `{ctx['make_target']}` (Benchmarks/compare/compare.py) on {ctx['date']}; do not edit by hand. "
      "Methodology and the data model: [Benchmarks/README.md](../Benchmarks/README.md). "
      "Vector search (Cairn against faiss, hnswlib and sqlite-vec) is in [benchmarks-vectors.md](benchmarks-vectors.md), "
      "written by the same make target. Hand-run before/after measurements of individual changes are in "
      "[benchmarks-changes.md](benchmarks-changes.md), which no make target rewrites.")
    w("")
    w(f"{rows:,} generated events (`cairn-bench gen events --rows {rows} --seed {ctx['seed']}`, "
      f"{ctx['data_bytes'] / 2 ** 20:,.0f} MiB of CSV); warm times are the median of {ctx['repeat']} runs "
      "after one cold run, in milliseconds.")
    w("")
    w("## Machine")
    w("")
    w(f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']:.1f} GiB RAM; {m['kernel']}")
    w(f"- Load average when the run started: {', '.join(f'{x:.2f}' for x in m['load_average'])} "
      "(other work on the machine makes timings noisy)")
    if "memory_copy_gb_s" in limits:
        w(f"- Memory bandwidth (numpy copy of 256 MiB, read + write): {limits['memory_copy_gb_s']:.1f} GB/s")
    if "sgemm_gflops" in limits:
        w(f"- sgemm (numpy float32 2048², all cores): {limits['sgemm_gflops']:.0f} GFLOPS")
    if "fsync_append_p50_ms" in limits:
        w(f"- fsync of a 100-byte append to a file in the work directory: p50 {limits['fsync_append_p50_ms']:.3f} ms")
    if "zstd3_decompress_mb_s" in limits:
        w(f"- zstd level 3 on 64 MiB of the CSV (`zstd -b3`): compress {limits['zstd3_compress_mb_s']:.0f} MB/s, "
          f"decompress {limits['zstd3_decompress_mb_s']:.0f} MB/s, one core")
    w("")
    w("## Versions and settings")
    w("")
    w(f"- Cairn {v['cairn']}, {v['swift']}; uses all cores for scans and aggregation")
    w(f"- DuckDB {v['duckdb']} (Python), `SET threads = {duck['threads']}`")
    w(f"- SQLite {v['sqlite']} (Python {v['python']} sqlite3), one thread, WAL, synchronous=NORMAL, "
      "256 MiB page cache, indexes on (ts) and (tenant_id, ts); quantile_cont is a Python aggregate")
    if ch is not None:
        w(f"- chDB {ch['version']} (Python; ClickHouse {ch['engine_version']}), a session in a directory, "
          f"`max_threads = {ch['threads']}`, `max_insert_threads = {ch['threads']}`; MergeTree `PARTITION BY toDate(ts)` "
          "`ORDER BY (tenant_id, ts)`, `CODEC(ZSTD)` (level 1) on every column, ts as `DateTime64(6, 'UTC')`; "
          "`OPTIMIZE TABLE events FINAL` after the load; queries from "
          "[events.clickhouse.sql](../Benchmarks/queries/events.clickhouse.sql), results read as JSONCompact")
    else:
        w(f"- {ch_skipped}")
    w("")
    w("## Commands")
    w("")
    w("```sh")
    for command in ctx["commands"]:
        w(command)
    w("```")
    w("")
    w("## Load")
    w("")
    w("| engine | method | rows/s | load s | bytes on disk | bytes/row | peak RSS MiB |")
    w("|---|---|---:|---:|---:|---:|---:|")
    loads = [("Cairn", cairn), ("Cairn", appender), ("DuckDB", duck), ("SQLite", lite)]
    for label, r in loads + ([("chDB", ch)] if ch is not None else []):
        method = r["load_method"]
        if method == "appender":
            method = f"typed Appender (appender calls alone: {r['appender_rows_per_s']:,.0f} rows/s)"
        elif method == "executemany":
            method = f"executemany + index builds (Python CSV parsing, {r['parse_s']:.1f} s, excluded)"
        elif method == "insert-select":
            method = (f"INSERT … SELECT FROM file(CSVWithNames), {r['parts_after_insert']} parts "
                      f"(OPTIMIZE FINAL to {r['parts']}, {r['optimize_s']:.2f} s, excluded)")
        w(f"| {label} | {method} | {r['load_rows_per_s']:,.0f} | {r['load_s']:.2f} | {r['bytes_on_disk']:,} | "
          f"{r['bytes_per_row']:.1f} | {r['peak_rss_bytes'] / 2 ** 20:,.0f} |")
    w("")
    if ch is not None:
        w("chDB's bytes on disk are its active parts after OPTIMIZE (`system.parts`); the parts OPTIMIZE replaced "
          f"stay in the directory until ClickHouse deletes them ({ch['directory_bytes']:,} bytes in all). "
          "Its peak RSS includes the mapped chDB library.")
    else:
        w(ch_skipped + ".")
    w("")
    w(f"Durable single-row INSERT into Cairn (`fsync` mode, {latency['n']} commits): p50 {latency['p50_ms']:.3f} ms, "
      f"p99 {latency['p99_ms']:.3f} ms, max {latency['max_ms']:.3f} ms.")
    w("")
    w("## Queries (warm median, ms; ratio = peer time / Cairn time, above 1× means Cairn is faster)")
    w("")
    w("| query | rows | Cairn | DuckDB | SQLite | chDB | DuckDB/Cairn | SQLite/Cairn | chDB/Cairn | answers |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    by_name = lambda r: {q["name"]: q for q in r["queries"]} if r is not None else {}
    cq, dq, sq, hq = by_name(cairn), by_name(duck), by_name(lite), by_name(ch)
    duck_ratios, lite_ratios, ch_ratios = [], [], []
    for name in cq:
        c, d, s, h = cq[name], dq.get(name), sq.get(name), hq.get(name)
        verdict = ctx["verdicts"][name]
        for peer, ratios in [(d, duck_ratios), (s, lite_ratios), (h, ch_ratios)]:
            if peer:
                ratios.append(peer["median_s"] / c["median_s"])
        w(f"| {name} | {c['rows']} | {ms(c['median_s'])} | {ms(d and d['median_s'])} | {ms(s and s['median_s'])} | "
          f"{ms(h and h['median_s'])} | {ratio(d and d['median_s'], c['median_s'])} | "
          f"{ratio(s and s['median_s'], c['median_s'])} | {ratio(h and h['median_s'], c['median_s'])} | {verdict} |")
    gm = lambda r: geomean([q["median_s"] for q in r["queries"]]) if r is not None else None
    gd, gl, gh = geomean(duck_ratios), geomean(lite_ratios), geomean(ch_ratios)
    w(f"| geometric mean | | {ms(gm(cairn))} | {ms(gm(duck))} | {ms(gm(lite))} | {ms(gm(ch))} | "
      f"{f'{gd:.2f}×' if gd else 'n/a'} | {f'{gl:.2f}×' if gl else 'n/a'} | {f'{gh:.2f}×' if gh else 'n/a'} | |")
    w("")
    if ch is None:
        w(ch_skipped + ".")
        w("")
    answered = ", ".join(ENGINE_LABELS[e] for e in ["cairn", "sqlite", "chdb"] if ctx[e] is not None)
    w(f"Answers: {answered} against DuckDB, by checksum of the normalized rows; \"same\" means all of them agree.")
    w("")
    if ctx["mismatches"]:
        w("### Answer mismatches (first differing row of the normalized answers)")
        w("")
        for name, engine, detail in ctx["mismatches"]:
            w(f"- {name}, {engine} vs DuckDB: {detail}")
        w("")
    w("## Targets of issue 2")
    w("")
    targets = []
    targets.append(("bulk load at least as fast as DuckDB's COPY",
                    cairn["load_rows_per_s"] >= duck["load_rows_per_s"],
                    f"{cairn['load_rows_per_s']:,.0f} vs {duck['load_rows_per_s']:,.0f} rows/s"))
    targets.append(("typed appender ≥ 2M rows/s", appender["appender_rows_per_s"] >= 2e6,
                    f"{appender['appender_rows_per_s']:,.0f} rows/s"))
    targets.append(("durable single-row INSERT p50 ≤ 0.5 ms", latency["p50_ms"] <= 0.5, f"{latency['p50_ms']:.3f} ms"))
    targets.append(("≤ 40 bytes/row (measured on 10M rows)", cairn["bytes_per_row"] <= 40,
                    f"{cairn['bytes_per_row']:.1f} bytes/row on {rows:,} rows"))
    slow = [n for n in cq if n in dq and cq[n]["median_s"] > 2 * dq[n]["median_s"]]
    targets.append(("every query within 2× of DuckDB", not slow, "slower: " + ", ".join(slow) if slow else "all"))
    targets.append(("geometric mean at or below DuckDB's", gd is not None and gd >= 1, f"DuckDB/Cairn {gd:.2f}×" if gd else "n/a"))
    not10 = [n for n in cq if n in sq and sq[n]["median_s"] < 10 * cq[n]["median_s"]]
    targets.append(("every query ≥ 10× faster than SQLite", not not10, "not: " + ", ".join(not10) if not10 else "all"))
    peak = max(cairn["peak_rss_bytes"], appender["peak_rss_bytes"])
    targets.append(("loading and querying under 2 GiB resident", peak < 2 * 2 ** 30, f"peak {peak / 2 ** 20:,.0f} MiB"))
    targets_table(w, targets)
    write_markdown(ctx["doc"], out)
    readme_quote.quote("events", ctx["doc"],
                       f"On {rows:,} generated events ({ctx['date']}), Cairn loads the CSV at {cairn['load_rows_per_s']:,.0f} "
                       f"rows/s (DuckDB's COPY: {duck['load_rows_per_s']:,.0f}), stores {cairn['bytes_per_row']:.1f} bytes/row "
                       f"(DuckDB {duck['bytes_per_row']:.1f}, SQLite {lite['bytes_per_row']:.1f}), and answers the eight queries "
                       f"in a geometric mean of {ms(gm(cairn))} ms against DuckDB's {ms(gm(duck))} ms and SQLite's "
                       f"{ms(gm(lite))} ms.")


def targets_table(w, targets):
    """Writes (through `w`) the table of (target, met, measured) rows that ends each report."""
    w("| target | met | measured |")
    w("|---|---|---|")
    for text, ok, measured in targets:
        w(f"| {text} | {'yes' if ok else '**no**'} | {measured} |")
    w("")


def write_markdown(path, lines):
    """Writes a report's lines to `path` (creating its folder) and prints them."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cairn-bench", default=os.path.join(ROOT, ".build", "release", "cairn-bench"))
    parser.add_argument("--workdir", default=os.path.join(ROOT, ".build", "bench"))
    parser.add_argument("--make-target", default="python3 Benchmarks/compare/compare.py")
    parser.add_argument("--out", default=DOC, help="where to write the report (default docs/benchmarks.md)")
    # Worker mode (internal): run one peer engine and write its JSON report.
    parser.add_argument("--worker", choices=["duckdb", "sqlite", "chdb"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument("--ddl", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--dump", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help=argparse.SUPPRESS)
    args = parser.parse_args()
    ensure_venv()
    if args.worker:
        return run_worker(args)

    bench = os.path.abspath(args.cairn_bench)
    if not os.path.exists(bench):
        raise SystemExit(f"{bench} not found: build it with `swift build -c release --product cairn-bench`")
    work = os.path.abspath(args.workdir)
    os.makedirs(work, exist_ok=True)
    machine = machine_description()
    commands = []
    data = os.path.join(work, f"events-{args.rows}-s{args.seed}.csv")
    ddl = os.path.join(work, "events.ddl.sql")
    gen = [bench, "gen", "events", "--rows", str(args.rows), "--seed", str(args.seed), "--out", data]
    if not os.path.exists(data):
        run(gen)
    commands.append(" ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in gen))
    commands.append(run([bench, "gen", "ddl", "--out", ddl]))
    dumps = os.path.join(work, "answers")
    shutil.rmtree(dumps, ignore_errors=True)
    json_of = lambda name: os.path.join(work, name + ".json")

    commands.append(run([bench, "events", "--data", data, "--queries", QUERIES, "--repeat", str(args.repeat),
                         "--json", json_of("cairn"), "--dump", os.path.join(dumps, "cairn")]))
    commands.append(run([bench, "events", "--data", data, "--appender", "--json", json_of("cairn-appender")]))
    commands.append(run([bench, "insert-latency", "--n", "2000", "--json", json_of("cairn-insert")]))
    chdb_skipped = None
    for engine, queries in [("duckdb", QUERIES), ("sqlite", SQLITE_QUERIES), ("chdb", CLICKHOUSE_QUERIES)]:
        print(f"{engine}:", file=sys.stderr)
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", engine, "--data", data, "--queries", queries,
               "--ddl", ddl, "--db", os.path.join(work, engine + ".db"), "--json", json_of(engine),
               "--dump", os.path.join(dumps, engine), "--repeat", str(args.repeat)]
        if engine == "chdb":
            # chDB is optional: a failed install or a failing worker is reported, not fatal.
            chdb_skipped = run_optional_worker(cmd, json_of(engine))
            if chdb_skipped:
                print(f"chDB not run: {chdb_skipped}", file=sys.stderr)
                continue
        else:
            subprocess.run(cmd, check=True)
        commands.append(f"python3 Benchmarks/compare/compare.py --worker {engine} --data {os.path.relpath(data, ROOT)} "
                        f"--queries {os.path.relpath(queries, ROOT)} --repeat {args.repeat} ...")
    load = lambda name: json.load(open(json_of(name)))
    ctx = {"cairn": load("cairn"), "appender": load("cairn-appender"), "insert_latency": load("cairn-insert"),
           "duckdb": load("duckdb"), "sqlite": load("sqlite"), "chdb": None if chdb_skipped else load("chdb"),
           "chdb_skipped": chdb_skipped, "rows": args.rows, "seed": args.seed,
           "repeat": args.repeat, "machine": machine, "versions": versions(),
           "limits": machine_limits(data, work), "commands": commands, "make_target": args.make_target,
           "date": datetime.date.today().isoformat(), "data_bytes": os.path.getsize(data),
           "doc": os.path.abspath(args.out)}

    # Answers: every engine's checksum against DuckDB's.
    verdicts, mismatches = {}, []
    reference = {q["name"]: q for q in ctx["duckdb"]["queries"]}
    for name in [q["name"] for q in ctx["cairn"]["queries"]]:
        wrong = []
        for engine in [e for e in ["cairn", "sqlite", "chdb"] if ctx[e] is not None]:
            mine = {q["name"]: q for q in ctx[engine]["queries"]}.get(name)
            if mine is None or name not in reference:
                continue
            if mine["checksum"] != reference[name]["checksum"]:
                wrong.append(engine)
                diff = first_difference(os.path.join(dumps, engine, name + ".txt"),
                                        os.path.join(dumps, "duckdb", name + ".txt"))
                detail = (f"{mine['rows']} vs {reference[name]['rows']} rows" +
                          (f"; line {diff[0]}: `{diff[1]}` vs `{diff[2]}`" if diff else ""))
                mismatches.append((name, ENGINE_LABELS[engine], detail.replace("\t", " | ")))
        verdicts[name] = "same" if not wrong else "**differ: " + ", ".join(wrong) + "**"
    ctx["verdicts"], ctx["mismatches"] = verdicts, mismatches
    write_report(ctx)
    if mismatches:
        print(f"{len(mismatches)} answer mismatch(es); see {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
