#!/usr/bin/env python3
"""Data lifecycle: Cairn's DELETE, VACUUM and retention next to DuckDB's and SQLite's DELETE + reclaim.

    python3 Benchmarks/compare/lifecycle.py --rows 1000000 [--out docs/benchmarks-lifecycle.md]

Uses compare.py's virtual environment (.venv-bench), data file and helpers. Generates the event log
with `cairn-bench gen events` (if it is not there yet), runs `cairn-bench lifecycle` on it (load,
CHECKPOINT, GDPR delete of the heaviest user, VACUUM with a latency probe running, retention of all
but the newest days), then loads the same CSV into DuckDB and SQLite, each in its own process
(`lifecycle.py --worker duckdb|sqlite ...`, loaded by compare.py's own workers), and times there
`DELETE FROM events WHERE user_id = ?` for the same user, the engine's space reclaim, and
`DELETE FROM events WHERE ts < cutoff` for the same cutoff, followed by the reclaim again. Checks
that every engine deleted and kept the same rows, and writes docs/benchmarks-lifecycle.md with the
raw reports of all engines in docs/benchmarks-lifecycle.json.
"""
import argparse
import datetime
import gc
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (the helpers of the events comparison)

ROOT = compare.ROOT
DOC = os.path.join(ROOT, "docs", "benchmarks-lifecycle.md")
ENGINES = ["duckdb", "sqlite"]


# --- peer workers ----------------------------------------------------------------------------------

def run(cmd, **kwargs):
    """compare.run (prints and runs the command), returning it as it can be pasted into a shell."""
    compare.run(cmd, **kwargs)
    return " ".join(shlex.quote(os.path.relpath(c, ROOT) if os.path.isabs(c) and c.startswith(ROOT) else c) for c in cmd)


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def load_with_compare(worker, args, scratch):
    """Loads the CSV exactly as compare.py's worker does (DDL, load, CHECKPOINT or indexes + ANALYZE),
    running no queries; the worker's connection is closed when it returns."""
    ns = argparse.Namespace(data=args.data, ddl_text=open(args.ddl).read(), db=args.db, threads=args.threads,
                            queries=os.devnull, repeat=0, dump=scratch)
    report = worker(ns)
    gc.collect()
    report.pop("queries", None)
    return report


def worker_duckdb(args, scratch):
    import duckdb
    load = load_with_compare(compare.worker_duckdb, args, scratch)
    con = duckdb.connect(os.path.join(args.db, "events.duckdb"))
    con.execute(f"SET threads = {args.threads}")
    size = lambda: compare.directory_bytes(args.db)
    count = lambda: con.execute("SELECT count(*) FROM events").fetchone()[0]
    r = {"engine": "duckdb", "version": duckdb.__version__, "threads": args.threads, "load": load,
         "reclaim": "CHECKPOINT", "rows_loaded": count(), "bytes_before": size(), "heavy_user": args.user,
         "retention_cutoff": args.cutoff}
    deleted, r["delete_s"] = _timed(lambda: con.execute("DELETE FROM events WHERE user_id = ?", [args.user]).fetchone()[0])
    r["heavy_user_rows"] = deleted
    r["bytes_after_delete"] = size()
    _, r["reclaim_after_delete_s"] = _timed(lambda: con.execute("CHECKPOINT"))
    r["bytes_after_delete_reclaim"] = size()
    rows_before = count()
    deleted, r["retention_delete_s"] = _timed(lambda: con.execute(
        "DELETE FROM events WHERE ts < CAST(? AS TIMESTAMP)", [args.cutoff]).fetchone()[0])
    r["retention_rows_deleted"] = deleted
    r["bytes_after_retention_delete"] = size()
    _, r["reclaim_after_retention_s"] = _timed(lambda: con.execute("CHECKPOINT"))
    r["bytes_after_retention_reclaim"] = size()
    r["rows_before_retention"] = rows_before
    r["rows_after_retention"] = count()
    con.close()
    r["bytes_after_close"] = size()
    return r


def worker_sqlite(args, scratch):
    import sqlite3
    load = load_with_compare(compare.worker_sqlite, args, scratch)
    con = sqlite3.connect(os.path.join(args.db, "events.sqlite"), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute(f"PRAGMA cache_size=-{256 * 1024}")  # 256 MiB page cache, as compare.py
    size = lambda: compare.directory_bytes(args.db)
    count = lambda: con.execute("SELECT count(*) FROM events").fetchone()[0]

    def reclaim(prefix):
        # In WAL mode VACUUM writes the new database through the WAL; the TRUNCATE checkpoint copies
        # it back and truncates both files, so the reclaim is the two together.
        _, r[prefix + "_vacuum_s"] = _timed(lambda: con.execute("VACUUM"))
        _, r[prefix + "_wal_checkpoint_s"] = _timed(lambda: con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())
        r[prefix + "_s"] = r[prefix + "_vacuum_s"] + r[prefix + "_wal_checkpoint_s"]

    r = {"engine": "sqlite", "version": sqlite3.sqlite_version, "threads": 1, "load": load,
         "reclaim": "VACUUM + PRAGMA wal_checkpoint(TRUNCATE)", "rows_loaded": count(), "bytes_before": size(),
         "heavy_user": args.user, "retention_cutoff": args.cutoff}
    cursor, r["delete_s"] = _timed(lambda: con.execute("DELETE FROM events WHERE user_id = ?", (args.user,)))
    r["heavy_user_rows"] = cursor.rowcount
    r["bytes_after_delete"] = size()
    reclaim("reclaim_after_delete")
    r["bytes_after_delete_reclaim"] = size()
    rows_before = count()
    # ts is text in the generator's format, so the comparison with 'YYYY-MM-DD HH:MM:SS' is exact.
    cursor, r["retention_delete_s"] = _timed(lambda: con.execute("DELETE FROM events WHERE ts < ?", (args.cutoff,)))
    r["retention_rows_deleted"] = cursor.rowcount
    r["bytes_after_retention_delete"] = size()
    reclaim("reclaim_after_retention")
    r["bytes_after_retention_reclaim"] = size()
    r["rows_before_retention"] = rows_before
    r["rows_after_retention"] = count()
    con.close()
    r["bytes_after_close"] = size()
    return r


def run_worker(args):
    with tempfile.TemporaryDirectory() as scratch:
        report = {"duckdb": worker_duckdb, "sqlite": worker_sqlite}[args.worker](args, scratch)
    for key in ["delete_s", "reclaim_after_delete_s", "retention_delete_s", "reclaim_after_retention_s"]:
        print(f"  {key}: {report[key] * 1000:.2f} ms", file=sys.stderr)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)


# --- checks and targets ------------------------------------------------------------------------------

RETENTION_SHARE = 0.9  # target (d): the bytes removed are at least 90 % of the share of rows removed


def row_checks(cairn, peers):
    """[(what, {engine: value})] and the mismatches among them."""
    rows_before_retention = cairn["rows_after_retention"] + cairn["retention_rows_dropped"]
    checks = [
        ("rows loaded", {"cairn": cairn["rows_loaded"], **{e: p["rows_loaded"] for e, p in peers.items()}}),
        (f"rows of {cairn['heavy_user']} deleted",
         {"cairn": cairn["heavy_user_rows"], **{e: p["heavy_user_rows"] for e, p in peers.items()}}),
        (f"rows before {cairn['retention_cutoff']} deleted",
         {"cairn": cairn["retention_rows_dropped"], **{e: p["retention_rows_deleted"] for e, p in peers.items()}}),
        ("rows remaining", {"cairn": cairn["rows_after_retention"], **{e: p["rows_after_retention"] for e, p in peers.items()}}),
    ]
    mismatches = []
    for what, values in checks:
        if len(set(values.values())) > 1:
            mismatches.append(f"{what}: " + ", ".join(f"{compare.ENGINE_LABELS[e]} {v:,}" for e, v in values.items()))
    if cairn["rows_loaded"] - cairn["heavy_user_rows"] != rows_before_retention:
        mismatches.append(f"Cairn's own counts: {cairn['rows_loaded']:,} loaded − {cairn['heavy_user_rows']:,} deleted ≠ "
                          f"{cairn['rows_after_retention']:,} remaining + {cairn['retention_rows_dropped']:,} dropped by retention")
    return checks, mismatches


def targets(cairn, peers):
    duck, lite = peers["duckdb"], peers["sqlite"]
    drop = cairn["retention_hide_s"] + cairn["retention_drop_s"]
    out = []
    lite_x, duck_x = lite["retention_delete_s"] / drop, duck["retention_delete_s"] / drop
    out.append(("(a) dropping the oldest 30 days ≥ 100× faster than SQLite's `DELETE … WHERE ts < …` and faster than DuckDB's",
                lite_x >= 100 and duck_x > 1,
                f"Cairn SET RETENTION + VACUUM {compare.ms(drop)} ms; SQLite DELETE {compare.ms(lite['retention_delete_s'])} ms "
                f"({lite_x:,.1f}×), DuckDB DELETE {compare.ms(duck['retention_delete_s'])} ms ({duck_x:,.1f}×)"))
    out.append(("(b) GDPR delete visible in under 10 ms", cairn["delete_s"] < 0.010,
                f"{compare.ms(cairn['delete_s'])} ms for {cairn['heavy_user_rows']:,} rows"))
    idle, during, n = cairn["probe_idle_median_s"], cairn["probe_during_vacuum_median_s"], cairn["probe_during_vacuum_samples"]
    note = f"; only {n} probe runs fitted into the VACUUM" if n < 5 else ""
    out.append(("(c) query latency during compaction within 1.5× of idle", during <= 1.5 * idle,
                f"median {compare.ms(during)} ms during VACUUM vs {compare.ms(idle)} ms idle ({during / idle:.2f}×, {n} runs){note}"))
    rows_before = cairn["rows_after_retention"] + cairn["retention_rows_dropped"]
    rows_removed = cairn["retention_rows_dropped"] / max(rows_before, 1)
    bytes_removed = 1 - cairn["bytes_after_retention"] / max(cairn["bytes_after_vacuum"], 1)
    out.append(("(d) size after retention shrinks in proportion to the data removed "
                f"(bytes removed ≥ {RETENTION_SHARE:.0%} of the share of rows removed)",
                bytes_removed >= RETENTION_SHARE * rows_removed,
                f"{rows_removed:.1%} of the rows removed, {bytes_removed:.1%} of the bytes "
                f"({cairn['bytes_after_vacuum']:,} → {cairn['bytes_after_retention']:,}; rows kept "
                f"{cairn['rows_after_retention'] / max(rows_before, 1):.3f}, bytes kept {1 - bytes_removed:.3f})"))
    return out


# --- the report -----------------------------------------------------------------------------------

def seconds(s):
    return "n/a" if s is None else f"{s:.3f}"


def write_report(ctx):
    cairn, duck, lite = ctx["cairn"], ctx["duckdb"], ctx["sqlite"]
    m, v = ctx["machine"], ctx["versions"]
    out = []
    w = out.append
    w("# Benchmarks: data lifecycle")
    w("")
    w(f"Written by `{ctx['command']}` on {ctx['date']}; do not edit by hand. "
      "The raw reports of all engines are in "
      f"[{os.path.basename(ctx['json_out'])}]({os.path.basename(ctx['json_out'])}); the event log and the peers' "
      "loading are those of [benchmarks.md](benchmarks.md) ([Benchmarks/README.md](../Benchmarks/README.md)).")
    w("")
    w(f"{ctx['rows']:,} generated events (`cairn-bench gen events --rows {ctx['rows']} --seed {ctx['seed']}`, "
      f"{ctx['data_bytes'] / 2 ** 20:,.0f} MiB of CSV). Each engine loads the CSV, then: deletes every row of the "
      f"heaviest user (`{cairn['heavy_user']}`, {cairn['heavy_user_rows']:,} rows, as Cairn found it), reclaims the space, "
      f"removes the oldest 30 days (every row with `ts < '{cairn['retention_cutoff']}'`, Cairn's cutoff) and reclaims "
      "the space again. Each time is one run.")
    w("")
    w("- **Cairn** (`cairn-bench lifecycle`): `COPY … (FORMAT csv, HEADER)` into the generator's table "
      "(`PARTITION BY day(ts)`), `CHECKPOINT`; `DELETE FROM events WHERE user_id = $1` (the rows are invisible when it "
      "returns); `VACUUM events` rewrites the partitions to purge them physically while a probe query runs in a loop; "
      "then `ALTER TABLE events SET RETENTION INTERVAL '… days'` (with the database clock one day after the newest "
      "event) hides the oldest 30 days and `VACUUM events` drops their partitions' files.")
    w(f"- **DuckDB**: `COPY events FROM … (FORMAT csv, HEADER)`, `CHECKPOINT` (compare.py's loader); "
      "`DELETE FROM events WHERE user_id = ?`, `CHECKPOINT`, `DELETE FROM events WHERE ts < CAST(? AS TIMESTAMP)`, "
      "`CHECKPOINT`. DuckDB has no VACUUM that shrinks the file (its `VACUUM` only exists for compatibility): "
      "CHECKPOINT is what it offers, writing the deletes into the file and freeing blocks for reuse.")
    w("- **SQLite**: compare.py's loader (executemany in one transaction, then indexes on `(ts)` and "
      "`(tenant_id, ts)`, `ANALYZE`, `wal_checkpoint(TRUNCATE)`); `DELETE FROM events WHERE user_id = ?`, "
      "`VACUUM` + `PRAGMA wal_checkpoint(TRUNCATE)`, `DELETE FROM events WHERE ts < ?` (ts is text in the "
      "generator's format), `VACUUM` + `wal_checkpoint(TRUNCATE)`. The WAL is counted in the bytes.")
    w("")
    w("Bytes are the sum of all files in each engine's database directory.")
    w("")
    w("## Machine")
    w("")
    w(f"- CPU: {m['cpu']}, {m['cores']} cores; {m['memory_gib']:.1f} GiB RAM; {m['kernel']}")
    w(f"- Load average when the run started: {', '.join(f'{x:.2f}' for x in m['load_average'])} "
      "(other work on the machine makes timings noisy)")
    w("")
    w("## Versions and settings")
    w("")
    w(f"- Cairn {v['cairn']}, {v['swift']}; background maintenance off (`maintenanceInterval: nil`), so only the "
      "statements above compact; its database directory is under the same work directory as the peers' (`TMPDIR`)")
    w(f"- DuckDB {v['duckdb']} (Python), `SET threads = {duck['threads']}` (the machine's cores, as in compare.py)")
    w(f"- SQLite {v['sqlite']} (Python {v['python']} sqlite3), one thread, WAL, synchronous=NORMAL, 256 MiB page cache, "
      "indexes on (ts) and (tenant_id, ts), as in compare.py")
    w("")
    w("## Commands")
    w("")
    w("```sh")
    for command in ctx["commands"]:
        w(command)
    w("```")
    w("")
    w("## Delete, reclaim, retention (ratio = peer ÷ Cairn: above 1× means Cairn is faster, or for bytes smaller)")
    w("")
    drop = cairn["retention_hide_s"] + cairn["retention_drop_s"]
    rows = []

    def row(label, c, d, s, fmt, ratio=True):
        """A table row; numbers are formatted with fmt (strings are kept), and with ratio the peers' numbers
        are divided by Cairn's (ratio may also be Cairn's number to divide by)."""
        cell = lambda x: x if isinstance(x, str) else fmt(x)
        base = c if ratio is True else ratio if ratio is not False else None
        r = lambda x: compare.ratio(x, base) if base is not None and not isinstance(x, str) else ""
        rows.append(f"| {label} | {cell(c)} | {cell(d)} | {cell(s)} | {r(d)} | {r(s)} |")

    count = lambda n: f"{n:,}"
    row("rows loaded", cairn["rows_loaded"], duck["rows_loaded"], lite["rows_loaded"], count, ratio=False)
    row("bytes after the load", cairn["bytes_before"], duck["bytes_before"], lite["bytes_before"], count)
    row(f"GDPR delete of the heaviest user (`{cairn['heavy_user']}`), ms", cairn["delete_s"], duck["delete_s"],
        lite["delete_s"], compare.ms)
    row("… rows deleted", cairn["heavy_user_rows"], duck["heavy_user_rows"], lite["heavy_user_rows"], count, ratio=False)
    row("… bytes after the delete", "—", duck["bytes_after_delete"], lite["bytes_after_delete"], count, ratio=False)
    row("space reclaim (Cairn `VACUUM`, DuckDB `CHECKPOINT`, SQLite `VACUUM` + checkpoint), s",
        cairn["vacuum_s"], duck["reclaim_after_delete_s"], lite["reclaim_after_delete_s"], seconds)
    row("… bytes after the reclaim", cairn["bytes_after_vacuum"], duck["bytes_after_delete_reclaim"],
        lite["bytes_after_delete_reclaim"], count)
    row("drop the oldest 30 days (Cairn: `SET RETENTION` + `VACUUM`; peers: `DELETE … WHERE ts < cutoff`), ms",
        f"{compare.ms(drop)} ({compare.ms(cairn['retention_hide_s'])} + {compare.ms(cairn['retention_drop_s'])})",
        duck["retention_delete_s"], lite["retention_delete_s"], compare.ms, ratio=drop)
    row("… rows deleted", f"{cairn['retention_rows_dropped']:,} ({cairn['retention_partitions_dropped']} partitions)",
        duck["retention_rows_deleted"], lite["retention_rows_deleted"], count, ratio=False)
    row("… bytes after the drop", cairn["bytes_after_retention"], duck["bytes_after_retention_delete"],
        lite["bytes_after_retention_delete"], count)
    row("space reclaim, s", "— (the VACUUM above)", duck["reclaim_after_retention_s"],
        lite["reclaim_after_retention_s"], seconds, ratio=False)
    row("… bytes after the reclaim", cairn["bytes_after_retention"], duck["bytes_after_retention_reclaim"],
        lite["bytes_after_retention_reclaim"], count)
    row("drop the oldest 30 days including the reclaim, ms", drop,
        duck["retention_delete_s"] + duck["reclaim_after_retention_s"],
        lite["retention_delete_s"] + lite["reclaim_after_retention_s"], compare.ms)
    row("rows remaining", cairn["rows_after_retention"], duck["rows_after_retention"], lite["rows_after_retention"],
        count, ratio=False)
    w("| step | Cairn | DuckDB | SQLite | DuckDB ÷ Cairn | SQLite ÷ Cairn |")
    w("|---|---:|---:|---:|---:|---:|")
    out.extend(rows)
    w("")
    w(f"Cairn's drop is `ALTER TABLE … SET RETENTION` ({compare.ms(cairn['retention_hide_s'])} ms: the rows are invisible "
      f"when it returns) plus the `VACUUM` that deletes the {cairn['retention_partitions_dropped']} expired partitions' "
      f"files ({compare.ms(cairn['retention_drop_s'])} ms), so its bytes after the drop are already reclaimed. The peers' "
      "DELETE only marks the rows; their files shrink (if at all) in the reclaim step.")
    w("")
    if ctx["mismatches"]:
        w("**Row counts differ between the engines:**")
        w("")
        for text in ctx["mismatches"]:
            w(f"- {text}")
    else:
        w("Row counts: every engine loaded, deleted and kept the same rows "
          f"({cairn['heavy_user_rows']:,} + {cairn['retention_rows_dropped']:,} deleted, "
          f"{cairn['rows_after_retention']:,} remaining).")
    w("")
    w("## Query latency during VACUUM (Cairn)")
    w("")
    w(f"The probe `{cairn['probe_sql']}` runs in a loop on one thread while the VACUUM after the GDPR delete rewrites "
      "the partitions on another, and alone before it.")
    w("")
    idle, during = cairn["probe_idle_median_s"], cairn["probe_during_vacuum_median_s"]
    w("| probe | median ms | runs |")
    w("|---|---:|---:|")
    w(f"| idle | {compare.ms(idle)} | {ctx['probe_runs']} |")
    w(f"| during VACUUM ({cairn['vacuum_partitions_rewritten']} partitions rewritten in {seconds(cairn['vacuum_s'])} s) | "
      f"{compare.ms(during)} | {cairn['probe_during_vacuum_samples']} |")
    w(f"| during ÷ idle | {compare.ratio(during, idle)} | |")
    w("")
    w("## Targets")
    w("")
    compare.targets_table(w, ctx["targets"])
    compare.write_markdown(ctx["doc"], out)
    compare.readme_quote.quote("lifecycle", ctx["doc"], readme_text(ctx))


def readme_text(ctx):
    """The README's sentence on deletes and retention (also rebuilt from the report's JSON)."""
    cairn, duck, lite = ctx["cairn"], ctx["duckdb"], ctx["sqlite"]
    drop = cairn["retention_hide_s"] + cairn["retention_drop_s"]
    return (f"On {ctx['rows']:,} events ({ctx['date']}), dropping the oldest 30 days takes Cairn {compare.ms(drop)} ms "
            f"(`SET RETENTION` + `VACUUM`) against {compare.ms(duck['retention_delete_s'])} ms for DuckDB's and "
            f"{compare.ms(lite['retention_delete_s'])} ms for SQLite's `DELETE … WHERE ts < …`, and deleting the heaviest "
            f"user's {cairn['heavy_user_rows']:,} rows takes {compare.ms(cairn['delete_s'])} ms against "
            f"{compare.ms(duck['delete_s'])} ms and {compare.ms(lite['delete_s'])} ms.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cairn-bench", default=os.path.join(ROOT, ".build", "release", "cairn-bench"))
    parser.add_argument("--workdir", default=os.path.join(ROOT, ".build", "bench"))
    parser.add_argument("--out", default=DOC, help="where to write the report (default docs/benchmarks-lifecycle.md); "
                        "the JSON goes next to it with the extension .json")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="DuckDB's threads (default: the cores)")
    # Worker mode (internal): run one peer engine and write its JSON report.
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--ddl", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--user", help=argparse.SUPPRESS)
    parser.add_argument("--cutoff", help=argparse.SUPPRESS)
    args = parser.parse_args()
    compare.ensure_venv(__file__)
    if args.worker:
        return run_worker(args)

    command = " ".join(shlex.quote(c) for c in ["python3", os.path.relpath(os.path.abspath(__file__), ROOT)] + sys.argv[1:])
    bench = os.path.abspath(args.cairn_bench)
    if not os.path.exists(bench):
        raise SystemExit(f"{bench} not found: build it with `swift build -c release --product cairn-bench`")
    if subprocess.run([bench, "lifecycle", "--help"], capture_output=True).returncode != 0:
        raise SystemExit(f"{bench} has no `lifecycle` command: rebuild it")
    work = os.path.abspath(args.workdir)
    life = os.path.join(work, "lifecycle")
    os.makedirs(life, exist_ok=True)
    machine = compare.machine_description()
    commands = []
    data = os.path.join(work, f"events-{args.rows}-s{args.seed}.csv")
    ddl = os.path.join(work, "events.ddl.sql")
    gen = [bench, "gen", "events", "--rows", str(args.rows), "--seed", str(args.seed), "--out", data]
    if not os.path.exists(data):
        compare.run(gen)
    commands.append(" ".join(shlex.quote(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c) for c in gen))
    commands.append(run([bench, "gen", "ddl", "--out", ddl]))
    json_of = lambda name: os.path.join(life, name + ".json")
    for name in ["cairn"] + ENGINES:
        if os.path.exists(json_of(name)):
            os.remove(json_of(name))

    # Cairn's database goes to a temporary directory; TMPDIR puts it on the same disk as the peers'.
    commands.append(f"TMPDIR={shlex.quote(os.path.relpath(life, ROOT))} " + run(
        [bench, "lifecycle", "--data", data, "--json", json_of("cairn")], env={**os.environ, "TMPDIR": life}))
    cairn = json.load(open(json_of("cairn")))
    peers = {}
    for engine in ENGINES:
        print(f"{engine}:", file=sys.stderr)
        commands.append(run([sys.executable, os.path.abspath(__file__), "--worker", engine, "--data", data,
                                     "--ddl", ddl, "--db", os.path.join(life, engine + ".db"), "--json", json_of(engine),
                                     "--user", cairn["heavy_user"], "--cutoff", cairn["retention_cutoff"],
                                     "--threads", str(args.threads)]))
        peers[engine] = json.load(open(json_of(engine)))

    checks, mismatches = row_checks(cairn, peers)
    for text in mismatches:
        print(f"MISMATCH: {text}", file=sys.stderr)
    doc = os.path.abspath(args.out)
    json_out = os.path.splitext(doc)[0] + ".json"
    now = datetime.datetime.now(datetime.timezone.utc)
    ctx = {"cairn": cairn, **peers, "rows": args.rows, "seed": args.seed, "machine": machine,
           "versions": compare.versions(), "commands": commands, "command": command,
           "date": now.strftime("%Y-%m-%d %H:%M UTC"), "data_bytes": os.path.getsize(data), "doc": doc,
           "json_out": json_out, "mismatches": mismatches, "targets": targets(cairn, peers),
           "probe_runs": "20 (cairn-bench's default)"}
    write_report(ctx)
    raw = {key: ctx[key] for key in ["command", "date", "rows", "seed", "machine", "versions", "commands", "cairn",
                                     "duckdb", "sqlite", "mismatches"]}
    raw["row_checks"] = [{"check": what, **values} for what, values in checks]
    raw["targets"] = [{"target": text, "met": ok, "measured": measured} for text, ok, measured in ctx["targets"]]
    with open(json_out, "w") as f:
        json.dump(raw, f, indent=2)
        f.write("\n")
    print(f"wrote {doc} and {json_out}", file=sys.stderr)
    if mismatches:
        print(f"{len(mismatches)} row count mismatch(es); see {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
