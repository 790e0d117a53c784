"""One replica's throughput and memory, to size a deployment (docs/scaling.md).

Starts processes on free 127.0.0.1 ports against DATABASE_URL / REDIS_URL (a migrated database:
`uv run mfe migrate` first), then for each target sends `--seconds` of load with `--concurrency`
clients (bounded by `--max-requests`) and prints requests/s, p50/p99 latency and each process's
resident memory (RSS) idle and after the load:

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mfe_bench
    export REDIS_URL=redis://127.0.0.1:6379/13
    uv run python bench/scale/replica.py --seconds 10 --concurrency 16

Targets: `auth/me` (an authenticated read: JWT check, deny-list look-up in Redis, one row from
PostgreSQL) and `auth/health` straight at one auth subgraph replica; the router's memory when
`router.serve` exists (its throughput: bench/router/, since its per-user rate limit caps one
client here).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def start(args: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "mfe.cli", *args, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{args} exited")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{args} not ready in 60 s")


async def load(
    url: str, headers: dict[str, str], seconds: float, concurrency: int, max_requests: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(headers=headers, timeout=10) as client:
            while time.monotonic() < deadline and len(latencies) + errors < max_requests:
                t0 = time.perf_counter()
                response = await client.get(url)
                if response.status_code == 200:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else 0,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    secret = os.environ.get("SUBGRAPH_SECRET", "bench-subgraph-secret-0123456789abcdef")
    env = {**os.environ, "SUBGRAPH_SECRET": secret, "APP_ENV": "test", "BCRYPT_ROUNDS": "4"}
    for required in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(required):
            raise SystemExit(f"{required} must be set (a migrated database; see the docstring)")

    results: dict[str, object] = {"concurrency": args.concurrency, "seconds": args.seconds}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        auth_port = free_port()
        auth = start(["subgraph", "auth"], auth_port, env)
        processes.append(auth)
        results["rss_idle_mib"] = {"auth": rss_mib(auth.pid)}
        router_headers = {"x-router-secret": secret}
        email = f"bench-{uuid.uuid4().hex[:10]}@bench.test"
        registered = httpx.post(
            f"http://127.0.0.1:{auth_port}/api/auth/register",
            json={"email": email, "password": "bench passphrase 12345", "name": "Bench"},
            headers=router_headers,
            timeout=10,
        )
        registered.raise_for_status()
        token = registered.json()["data"]["accessToken"]
        bearer = {"authorization": f"Bearer {token}"}
        me = f"http://127.0.0.1:{auth_port}/api/auth/me"
        health = f"http://127.0.0.1:{auth_port}/health"
        run = (args.seconds, args.concurrency, args.max_requests)
        results["auth/me"] = asyncio.run(load(me, {**router_headers, **bearer}, *run))
        results["auth/health"] = asyncio.run(load(health, {}, *run))
        rss_loaded: dict[str, float] = {"auth": rss_mib(auth.pid)}

        if (ROOT / "router" / "serve.py").exists():
            config = ROOT / ".mfe" / f"bench-supergraph-{auth_port}.yaml"
            config.parent.mkdir(exist_ok=True)
            url = f"http://127.0.0.1:{auth_port}/graphql"
            config.write_text(
                "federation_version: '=2.11.0'\nsubgraphs:\n  auth:\n"
                f"    routing_url: {url}\n    schema:\n      subgraph_url: {url}\n"
            )
            router_port = free_port()
            router = start(["router", "--supergraph", str(config)], router_port, env)
            processes.append(router)
            results["rss_idle_mib"]["router"] = rss_mib(router.pid)  # type: ignore[index]
        results["rss_loaded_mib"] = rss_loaded
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
