"""Router start-up: wall time from exec of ``mfe router --supergraph FILE`` to the first 200 on
``GET /health``, and the CPU time spent by then.

    uv run python -m bench.router.startup [--runs 5] [--compile] [--no-bytecode]

Starts the router ``--runs`` times per way of starting it (interleaved): the ``.venv/bin/mfe``
entry point (what a benchmark or an orchestrator runs), ``python -m mfe.cli`` (what the tests
and bench/router/bench.py run) and ``uv run mfe`` (which adds uv's own start-up). /health is
polled every 20 ms; the report gives median, min and max, the CPU seconds of the process tree at
the first 200 (less sensitive than wall time to what else the machine runs) and the load
average. No database, Redis or subgraph is configured: the router needs none. Not a test.

Bytecode matters more than anything else here: without cached ``.pyc`` files every start
compiles some 2,000 modules from source (seconds of CPU). A normal environment caches them on
the first run, the Docker image compiles them at build time, but ``PYTHONDONTWRITEBYTECODE=1``
(set in some shells and CI) without compiled bytecode pays it on every start. ``--compile``
compiles the environment and the project first (as ``uv sync --compile-bytecode`` and the
Dockerfile do); ``--no-bytecode`` measures the other extreme (an empty ``PYTHONPYCACHEPREFIX``:
everything compiled from source on every start).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SUPERGRAPH = ROOT / "tests/router/fixtures/apollo-v0.3.supergraph.graphql"
PROJECT_PACKAGES = ("mfe", "shared", "router", "subgraphs")
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 60.0


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = [
            int(child)
            for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()
        ]
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in children)


def time_to_health(prefix: list[str], supergraph: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from exec to the first 200 on /health, and the CPU seconds spent by then (the
    process is stopped afterwards)."""
    port = free_port()
    argv = [*prefix, "router", "--supergraph", str(supergraph), "--port", str(port)]
    url = f"http://127.0.0.1:{port}/health"
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            while time.perf_counter() - start < TIMEOUT_SECONDS:
                if healthy(url):
                    return time.perf_counter() - start, cpu_seconds(process.pid)
                if process.poll() is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace")[-3000:]
                    raise RuntimeError(f"{argv} exited with {process.returncode}:\n{output}")
                time.sleep(POLL_SECONDS)
            raise RuntimeError(f"{argv}: no 200 on /health within {TIMEOUT_SECONDS} s")
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def import_time_ms(env: dict[str, str]) -> float:
    """Cumulative import time (ms, one run) of what ``mfe router`` imports before serving."""
    code = "import mfe.cli; mfe.cli.skip_unused_imports(); import router.serve"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].startswith(" ") and not parts[2].startswith("  "):
            try:
                total += int(parts[1])
            except ValueError:
                continue
    return total / 1000


def compile_bytecode() -> None:
    """Compile the environment's packages and the project's, as a first run would cache them."""
    compileall.compile_dir(sysconfig.get_paths()["purelib"], quiet=2, workers=0)
    for package in PROJECT_PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=2, workers=0)


def bytecode_state() -> str:
    """Whether a dependency's and a project module's compiled bytecode is there."""
    cached = []
    for name in ("aiohttp.connector", "graphql.language.ast", "router.app"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            cached.append(Path(importlib.util.cache_from_source(spec.origin)).exists())
    state = "cached" if all(cached) else "partly cached" if any(cached) else "not cached"
    dont_write = os.environ.get("PYTHONDONTWRITEBYTECODE") or "unset"
    return f"bytecode {state}, PYTHONDONTWRITEBYTECODE={dont_write}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--supergraph", type=Path, default=DEFAULT_SUPERGRAPH)
    parser.add_argument("--compile", action="store_true", help="compile bytecode first")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="ignore compiled bytecode (cold start)"
    )
    args = parser.parse_args()

    if args.compile:
        compile_bytecode()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    with tempfile.TemporaryDirectory() as empty:
        if args.no_bytecode:
            env.update(PYTHONPYCACHEPREFIX=empty, PYTHONDONTWRITEBYTECODE="1")
            state = "bytecode ignored (compiled from source on every start)"
        else:
            state = bytecode_state()
        load = f"{os.getloadavg()[0]:.2f}"
        ways: dict[str, list[str]] = {
            ".venv/bin/mfe": [str(Path(sys.prefix) / "bin" / "mfe")],
            "python -m mfe.cli": [sys.executable, "-m", "mfe.cli"],
        }
        uv = shutil.which("uv")
        if uv:
            ways["uv run mfe"] = [uv, "run", "--frozen", "mfe"]
        times: dict[str, list[float]] = {name: [] for name in ways}
        cpu: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.runs):
            for name, prefix in ways.items():
                wall, used = time_to_health(prefix, args.supergraph, env)
                times[name].append(wall)
                cpu[name].append(used)
        imports = [import_time_ms(env) for _ in range(3)]
    print(f"{state}; load average before: {load}, after: {os.getloadavg()[0]:.2f} (2 cores)")
    for name, values in times.items():
        print(
            f"{name:<17} exec → first 200 on /health: median {statistics.median(values):.2f} s"
            f" (min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs);"
            f" CPU by then: median {statistics.median(cpu[name]):.2f} s"
        )
    print(f"import of the router's start-up path: median {statistics.median(imports):.0f} ms")


if __name__ == "__main__":
    main()
