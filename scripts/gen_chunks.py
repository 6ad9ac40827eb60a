#!/usr/bin/env python3
"""The demo database's RAG chunks (fixtures/chunks.jsonl) from the real-text benchmark's embeddings.

Each line: {"id", "kb", "body", "embedding"}: a Debian package description (Debian bookworm's
Translation-en, as in ../shared/data/realtext-dev), its all-MiniLM-L6-v2 sentence embedding (384
dimensions, L2-normalised, rounded to 4 decimals) and one of four knowledge bases by the text's
subject. Reads the embedding cache Benchmarks/compare/realtext.py fills (its numpy encoder runs the
model's published weights); needs numpy.

    python3 scripts/gen_chunks.py                 # fixtures/chunks.jsonl, 600 chunks
    python3 scripts/gen_chunks.py --rows 2000 --out /tmp/chunks.jsonl
"""
import argparse
import json
import os

import numpy as np

SUBJECTS = [  # first match wins; the rest go to "misc"
    ("dev", ("library", "development files", "header", "python", "perl", "ruby", "module", "api")),
    ("docs", ("documentation", "manual", "guide", "examples")),
    ("net", ("network", "server", "client", "http", "mail", "dns", "ssh", "web")),
]


def subject(text):
    lower = text.lower()
    for kb, words in SUBJECTS:
        if any(w in lower for w in words):
            return kb
    return "misc"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cache", default=os.path.join(here, "..", ".build", "bench", "realtext-cache"))
    p.add_argument("--rows", type=int, default=600)
    p.add_argument("--out", default=os.path.join(here, "..", "fixtures", "chunks.jsonl"))
    args = p.parse_args()
    vectors = np.load(os.path.join(args.cache, "emb384-numpy.npy"), mmap_mode="r")
    with open(os.path.join(args.cache, "emb384-numpy.jsonl")) as f:
        texts = [json.loads(line) for line in f]
    # Whole descriptions (the cache also holds sentences and word windows cut from them), spread
    # over the whole set rather than its first ones.
    whole = [j for j, t in enumerate(texts) if len(t) >= 60 and t[0].isupper()]
    step = len(whole) // args.rows
    picked = [whole[i * step] for i in range(args.rows)]
    with open(args.out, "w") as out:
        for i, j in enumerate(picked):
            vector = np.asarray(vectors[j], dtype=np.float64)
            vector /= np.linalg.norm(vector)
            row = {"id": i, "kb": subject(texts[j]), "body": texts[j][:300],
                   "embedding": [round(float(x), 4) for x in vector]}
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
