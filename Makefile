# The two commands a newcomer needs: `make up` (run everything) and `make test`.
# uv comes from PyPI when it is missing; everything else is pinned in uv.lock.
PYTHON ?= python3
UV := $(PYTHON) -m uv

.PHONY: up test install lint typecheck fmt fuzz scale-test bench bench-platform audit \
	conformance-refresh conformance-report

install:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --disable-pip-version-check uv
	@$(UV) sync --frozen --quiet
	@# Bytecode for the dependencies and our packages, written once (PYTHONDONTWRITEBYTECODE
	@# would otherwise make every process compile ~2,000 modules again); fresh .pyc are skipped.
	@$(UV) run --frozen --no-sync python -m compileall -q -j 0 \
	  "$$($(UV) run --frozen --no-sync python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
	  mfe shared router subgraphs > /dev/null

up: install
	$(UV) run --frozen mfe up

test: install
	$(UV) run --frozen pytest

fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(UV) run --frozen pytest tests/fuzz -s

scale-test: install
	SCALE_FULL=1 $(UV) run --frozen pytest tests/deploy/test_scale.py -s

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: install
	$(UV) run --frozen mypy shared router mfe

fmt: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

# The router benchmark (our router vs @apollo/gateway vs Hive Gateway; about five minutes).
bench: install
	$(UV) run --frozen python -m bench.router.bench

# The platform's hot routes against the PostgreSQL under them (pgbench on the same page), each
# straight to its subgraph and through the router (`bench/platform/`; ~5 minutes, twice that
# with BASE). BASE=<rev> measures that commit too, interleaved, in the same run; BENCH_ARGS
# passes more options (e.g. BENCH_ARGS="--seconds 5 --only payments").
bench-platform: install
	$(UV) run --frozen python -m bench.platform.bench $(if $(BASE),--base $(BASE)) $(BENCH_ARGS)

# The federation conformance corpus (tests/conformance/README.md). Refresh re-records the
# supergraphs and expected answers from @apollo/composition, @apollo/gateway and Hive Gateway
# (Node + npm; CASES="a b" for some cases); report prints ours vs Apollo vs Hive per query.
conformance-refresh: install
	$(UV) run --frozen python -m tests.conformance.record $(CASES)

conformance-report: install
	$(UV) run --frozen python -m tests.conformance.report $(CASES)

# Known vulnerabilities in every locked package (pip-audit, PyPI's advisory data). --strict: a
# package that cannot be checked (e.g. PyPI's JSON API unreachable) fails the audit.
audit: install
	@requirements=$$(mktemp) && trap 'rm -f "$$requirements"' EXIT && \
	  $(UV) export --frozen --no-emit-project --quiet -o "$$requirements" && \
	  $(UV) run --frozen pip-audit --strict --disable-pip --require-hashes -r "$$requirements"

# The production image with buildah (no Docker engine needed): python:3.11-slim-bookworm where a
# registry answers, else a Debian bookworm + Python 3.11 base made once with debootstrap and cached.
# MFE_IMAGE names it (mfe-platform:latest). See deploy/image/build.sh.
.PHONY: image
image:
	bash deploy/image/build.sh
