# make demo  – build cairn and open the shell on a fresh demo database (demo.cairn/)
# make test  – unit tests (swift test) + the differential tests against DuckDB
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

APT_PACKAGES := libzstd-dev libblas-dev libopenblas-dev libedit-dev pkg-config tzdata
RELEASE_CAIRN := .build/release/cairn
DEBUG_CAIRN := .build/debug/cairn
VENV := .venv

.PHONY: deps build demo test difftest clean

# Installs the Debian packages the build needs, only those that are missing (no-op elsewhere).
deps:
	@command -v dpkg >/dev/null || exit 0; \
	missing=""; \
	for package in $(APT_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	python3 -c 'import venv, ensurepip' 2>/dev/null || dpkg -s python3-venv >/dev/null 2>&1 || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "Installing:$$missing"; \
	  $$sudo apt-get update -qq; \
	  $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	swift build -c release --product cairn

demo: build
	rm -rf demo.cairn
	$(RELEASE_CAIRN) demo.cairn -f fixtures/demo.sql
	exec $(RELEASE_CAIRN) demo.cairn

test: deps
	swift test
	swift build --product cairn
	$(MAKE) difftest CAIRN=$(DEBUG_CAIRN)

# The command-line and DuckDB differential tests alone; CAIRN picks the binary (default: release).
CAIRN ?= $(RELEASE_CAIRN)
difftest:
	python3 Tests/difftest/cli_test.py --cairn $(CAIRN)
	python3 Tests/difftest/difftest.py --cairn $(CAIRN)

clean:
	rm -rf .build demo.cairn $(VENV) Tests/difftest/__pycache__

# make bench      – Cairn vs DuckDB and SQLite on 1M generated events (queries, then deletes and retention),
#                   and vector search vs faiss, hnswlib and sqlite-vec on 20k × 384 (< 10 min); writes
#                   docs/benchmarks.md, docs/benchmarks-lifecycle.md and docs/benchmarks-vectors.md
# make bench-full – the same on 10M events and 100k × 1536 vectors (clustered and real-text embeddings)
.PHONY: bench bench-full bench-micro
bench: deps
	swift build -c release --product cairn-bench
	python3 Benchmarks/compare/compare.py --rows 1000000 --make-target "make bench"
	python3 Benchmarks/compare/lifecycle.py --rows 1000000
	python3 Benchmarks/compare/vectors.py --quick --out docs/benchmarks-vectors.md

bench-full: deps
	swift build -c release --product cairn-bench
	python3 Benchmarks/compare/compare.py --rows 10000000 --make-target "make bench-full"
	python3 Benchmarks/compare/lifecycle.py --rows 10000000
	python3 Benchmarks/compare/vectors.py --out docs/benchmarks-vectors.md

# make bench-micro – the package-benchmark micro-benchmarks (encodings, zstd, segments, WAL, distance
#                    kernels, top-k, k-means); the table in docs/benchmarks-micro.md comes from this
bench-micro: deps
	swift package --allow-writing-to-package-directory benchmark --no-progress
