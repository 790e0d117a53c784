"""Router start-up: wall time from exec of ``mfe router --supergraph FILE`` to the first 200 on
``GET /health``.

    uv run python -m bench.router.startup [--runs 5] [--supergraph FILE]

Measures two ways of starting it, each ``--runs`` times (interleaved), and prints the median,
min and max: the ``.venv/bin/mfe`` entry point directly (what a benchmark or an orchestrator
runs) and ``uv run mfe`` (which adds uv's own start-up). /health is polled every 20 ms. Also
prints the CPU time of the import of the router's start-up path (``-X importtime`` total).
No database, Redis or subgraph is needed: the router fails open without Redis. Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SUPERGRAPH = ROOT / "tests/router/fixtures/apollo-v0.3.supergraph.graphql"
POLL_SECONDS = 0.02
TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def time_to_health(prefix: list[str], supergraph: Path) -> tuple[float, float]:
    """Seconds from exec to the first 200 on /health, and the CPU seconds spent by then (the
    process is stopped afterwards)."""
    port = free_port()
    argv = [*prefix, "router", "--supergraph", str(supergraph), "--port", str(port)]
    env = dict(os.environ)
    # No Redis of this project: point at a closed port so the edge fails open at once.
    env.setdefault("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    url = f"http://127.0.0.1:{port}/health"
    start = time.perf_counter()
    log = tempfile.TemporaryFile()
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
        log.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def import_time_ms() -> float:
    """Cumulative import time (ms, one run) of what ``mfe router`` imports before serving."""
    code = "import mfe.cli; mfe.cli.skip_unused_imports(); import router.serve"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--supergraph", type=Path, default=DEFAULT_SUPERGRAPH)
    args = parser.parse_args()

    load = f"{os.getloadavg()[0]:.2f}"
    ways: dict[str, list[str]] = {".venv/bin/mfe": [str(Path(sys.prefix) / "bin" / "mfe")]}
    uv = shutil.which("uv")
    ways["uv run mfe"] = [uv, "run", "--frozen", "mfe"] if uv else []
    if not ways["uv run mfe"]:
        del ways["uv run mfe"]
    times: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.runs):
        for name, prefix in ways.items():
            wall, used = time_to_health(prefix, args.supergraph)
            times[name].append(wall)
            cpu[name].append(used)
    imports = [import_time_ms() for _ in range(3)]
    print(f"load average before: {load}, after: {os.getloadavg()[0]:.2f} (2 cores)")
    for name, values in times.items():
        print(
            f"{name:<14} exec → first 200 on /health: median {statistics.median(values):.2f} s"
            f" (min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs);"
            f" CPU by then: median {statistics.median(cpu[name]):.2f} s"
        )
    print(f"import of mfe.cli + router.serve: median {statistics.median(imports):.0f} ms")


if __name__ == "__main__":
    main()
