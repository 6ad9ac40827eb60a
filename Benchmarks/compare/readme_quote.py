"""Keeps the README's performance numbers equal to the generated reports.

Each report script, when it writes its report into docs/, replaces the text between
`<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in README.md with sentences built from the numbers
it has just written, so no number in the README is typed by hand or outlives its report.
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")


def quote(name, doc_path, text):
    """Puts `text` into README.md's `name` block if `doc_path` is the report in docs/ (scratch runs elsewhere leave it)."""
    if os.path.dirname(os.path.abspath(doc_path)) != os.path.join(ROOT, "docs"):
        return
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    with open(README, encoding="utf-8") as f:
        readme = f.read()
    if start not in readme or end not in readme or readme.index(start) > readme.index(end):
        print(f"README.md has no {start} … {end} block; not quoted", file=sys.stderr)
        return
    head, rest = readme.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(README, "w", encoding="utf-8") as f:
        f.write(head + start + "\n" + text.strip() + "\n" + end + tail)
    print(f"quoted {os.path.relpath(doc_path, ROOT)} in README.md ({name})", file=sys.stderr)
