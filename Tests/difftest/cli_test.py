#!/usr/bin/env python3
"""End-to-end tests of the `cairn` command line: statement splitting, output formats, dot
commands, error reporting and exit status, and the transient database. Standard library only.

    python3 Tests/difftest/cli_test.py --cairn .build/debug/cairn
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import select
import tempfile

TESTS = []


def test(function):
    TESTS.append(function)
    return function


class CLI:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = workdir
        self.database = os.path.join(workdir, "db")

    def run(self, *arguments, stdin="", database=True, env=None):
        command = [self.binary] + ([self.database] if database else []) + list(arguments)
        return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120,
                              env=env, cwd=self.workdir)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


@test
def jsonl_renders_each_type(cli):
    result = cli.run("--format", "jsonl", "-c",
                     "SELECT 42 AS i, 1.5 AS d, 'a \"q\", b' AS s, NULL AS n, true AS b, DATE '2025-09-01' AS day")
    expect(result.returncode == 0, result.stderr)
    expect(json.loads(result.stdout) == {"i": 42, "d": 1.5, "s": 'a "q", b', "n": None, "b": True, "day": "2025-09-01"},
           result.stdout)


@test
def csv_quotes_fields_and_leaves_null_empty(cli):
    result = cli.run("-m", "csv", "-c", "SELECT 'x,y' AS a, NULL AS b, 'say \"hi\"' AS c")
    expect(result.returncode == 0, result.stderr)
    expect(result.stdout == 'a,b,c\n"x,y",,"say ""hi"""\n', repr(result.stdout))


@test
def json_is_one_array(cli):
    result = cli.run("-m", "json", "-c", "SELECT 1 AS a; SELECT 2 AS a")
    expect(result.returncode == 0, result.stderr)
    # One array per statement, in order.
    arrays = [json.loads(line) for line in result.stdout.splitlines()]
    expect(arrays == [[{"a": 1}], [{"a": 2}]], result.stdout)


@test
def markdown_right_aligns_numbers(cli):
    result = cli.run("-m", "markdown", "-c", "SELECT 'x' AS name, 7 AS n")
    expect(result.stdout == "| name | n |\n|---|---:|\n| x | 7 |\n", repr(result.stdout))


@test
def table_mode_draws_a_box_with_types(cli):
    result = cli.run("-c", "SELECT 7 AS n, NULL AS missing")
    expect(result.returncode == 0, result.stderr)
    lines = result.stdout.splitlines()
    expect(lines[0].startswith("┌") and lines[-1].startswith("└"), result.stdout)
    expect("NULL" in result.stdout and "n" in lines[1], result.stdout)


@test
def line_list_and_tabs_modes(cli):
    sql = "SELECT 1 AS id, NULL AS note, 'x' AS longer_name"
    result = cli.run("-m", "line", "-c", sql + " UNION ALL SELECT 2, 'n', 'y'")
    expect(result.stdout == "         id = 1\n       note = NULL\nlonger_name = x\n\n"
           "         id = 2\n       note = n\nlonger_name = y\n", repr(result.stdout))
    result = cli.run("-m", "list", "-c", sql)
    expect(result.stdout == "id|note|longer_name\n1||x\n", repr(result.stdout))
    result = cli.run("-m", "tabs", "-c", sql)
    expect(result.stdout == "id\tnote\tlonger_name\n1\t\tx\n", repr(result.stdout))
    # DuckDB's and SQLite's names for the same modes.
    result = cli.run(stdin=".mode ndjson\nSELECT 1 AS a;\n.mode duckbox\nSELECT 2 AS b;\n")
    expect(result.stdout.startswith('{"a":1}\n┌'), repr(result.stdout))


@test
def once_output_and_maxrows(cli):
    target = os.path.join(cli.workdir, "out.csv")
    script = (".mode csv\n.once " + target + "\nSELECT 1 AS a;\nSELECT 2 AS b;\n.output " + target +
              "\nSELECT 3 AS c;\n.output\nSELECT 4 AS d;\n.mode table\n.maxrows 4\nSELECT * FROM range(10);\n")
    result = cli.run(stdin=script)
    expect(result.returncode == 0, result.stderr)
    with open(target) as f:
        expect(f.read() == "a\n1\nc\n3\n", "file holds the redirected results")
    expect(result.stdout.startswith("b\n2\nd\n4\n"), repr(result.stdout))
    expect("10 rows (4 shown)" in result.stdout, result.stdout)


@test
def semicolons_in_strings_and_comments_do_not_split(cli):
    result = cli.run("-m", "csv", stdin="SELECT 'a;b' AS s; -- trailing; comment\n/* ; */ SELECT 2 AS t\n;\n")
    expect(result.returncode == 0, result.stderr)
    expect(result.stdout == "s\na;b\nt\n2\n", repr(result.stdout))


@test
def last_statement_needs_no_semicolon(cli):
    result = cli.run("-m", "csv", "-c", "SELECT 1 AS a")
    expect(result.stdout == "a\n1\n", repr(result.stdout))


@test
def stdin_runs_dot_commands_and_sql(cli):
    script = """CREATE TABLE events (ts TIMESTAMP NOT NULL, tenant_id VARCHAR) PARTITION BY day(ts);
INSERT INTO events VALUES ('2025-09-01 10:00:00', 'acme'), ('2025-09-02 11:30:00', NULL);
.mode csv
.tables
.schema events
SELECT tenant_id, ts FROM events ORDER BY ts;
"""
    result = cli.run(stdin=script)
    expect(result.returncode == 0, result.stderr)
    out = result.stdout
    expect("Count" in out and "2" in out, out)
    expect("\nevents\n" in out, out)
    expect("CREATE TABLE events" in out, out)
    expect(out.endswith("tenant_id,ts\nacme,2025-09-01 10:00:00\n,2025-09-02 11:30:00\n"), repr(out))


@test
def first_error_stops_with_status_1_and_a_caret(cli):
    result = cli.run("-m", "csv", stdin="SELECT 1 AS a;\nSELECT nope\n  FROM missing_table;\nSELECT 3 AS c;\n")
    expect(result.returncode == 1, f"exit {result.returncode}")
    expect(result.stdout == "a\n1\n", repr(result.stdout))
    expect(result.stderr.startswith("Error: "), result.stderr)
    lines = result.stderr.splitlines()
    caret_lines = [i for i, line in enumerate(lines) if line.strip() == "^"]
    if any(line.startswith("LINE ") for line in lines):
        expect(caret_lines, result.stderr)
        source = lines[caret_lines[0] - 1]
        column = lines[caret_lines[0]].index("^")
        expect(source[column:].startswith(("nope", "missing_table")), result.stderr)


@test
def unknown_dot_command_is_an_error(cli):
    result = cli.run(stdin=".frobnicate\n")
    expect(result.returncode == 1 and "unknown command" in result.stderr, result.stderr)


@test
def readonly_rejects_writes(cli):
    cli.run("-c", "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    result = cli.run("--readonly", "-c", "INSERT INTO t VALUES (1)")
    expect(result.returncode == 1 and result.stderr.startswith("Error: "), result.stderr)


@test
def transient_database_is_deleted(cli):
    tmp = tempfile.mkdtemp(dir=cli.workdir)
    env = dict(os.environ, TMPDIR=tmp)
    result = cli.run("-c", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)", database=False, env=env)
    expect(result.returncode == 0, result.stderr)
    expect(os.listdir(tmp) == [], os.listdir(tmp))
    # `:memory:` names the same transient database, as in sqlite3 and duckdb; no such directory appears.
    result = cli.run(":memory:", "-c", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1); SELECT count(*) FROM t",
                     database=False, env=env)
    expect(result.returncode == 0 and "1" in result.stdout, result.stdout + result.stderr)
    expect(os.listdir(tmp) == [] and not os.path.exists(os.path.join(cli.workdir, ":memory:")), os.listdir(cli.workdir))
    result = cli.run(":memory:", "--readonly", "-c", "SELECT 1", database=False, env=env)
    expect(result.returncode != 0 and "cannot be opened read-only" in result.stderr, result.stdout + result.stderr)


@test
def piped_statements_run_before_input_ends(cli):
    # Like `tail -f statements.sql | cairn db`: a statement's result is printed while stdin is still open.
    process = subprocess.Popen([cli.binary, cli.database, "-m", "csv"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cli.workdir)
    try:
        process.stdin.write("SELECT 1 AS a;\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 60)
        expect(ready, "no output for a complete statement while stdin stays open")
        expect(process.stdout.readline() == "a\n", "header")
        expect(process.stdout.readline() == "1\n", "row")
        # A statement split over lines ending in CRLF runs once its ';' arrives.
        process.stdin.write("SELECT 2\r\n  AS b;\r\n")
        process.stdin.close()
        expect(process.stdout.read() == "b\n2\n", "second statement")
        expect(process.wait(timeout=60) == 0, process.stderr.read())
    finally:
        process.kill()
        process.wait()


@test
def timer_prints_run_time(cli):
    result = cli.run("--timer", "-m", "csv", "-c", "SELECT 1 AS a")
    expect(result.stdout.startswith("a\n1\nRun Time: real "), repr(result.stdout))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cairn", required=True)
    args = parser.parse_args()
    binary = os.path.abspath(args.cairn)
    passed = failed = 0
    workdir = tempfile.mkdtemp(prefix="cairn-cli-test-")
    try:
        for function in TESTS:
            try:
                function(CLI(binary, workdir))
                passed += 1
            except (AssertionError, subprocess.TimeoutExpired, ValueError, IndexError) as error:
                failed += 1
                print(f"FAILED {function.__name__}: {error}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"cli: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
