"""One replica's throughput and memory, to size a deployment (docs/scaling.md).

Starts processes on free 127.0.0.1 ports against DATABASE_URL / REDIS_URL (a migrated database:
`uv run mfe migrate` first) — one auth and one payments replica, and one router in front of them
(admin and profile too, so it composes the whole graph) — then for each target sends `--seconds`
of load with `--concurrency` clients (bounded by `--max-requests`) and prints requests/s, p50/p99
latency and each process's resident memory (RSS) idle and after the load:

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/mfe_bench
    export REDIS_URL=redis://127.0.0.1:6379/13
    uv run python bench/scale/replica.py --seconds 10 --concurrency 16

Targets:
- `payments/create`: `POST /api/payments` with a fresh Idempotency-Key straight at the payments
  replica (the key claimed, the payment and its ledger row written, the outbox event, one
  transaction);
- `router → payments/create`: the same through the router (JWT check, deny-list and rate limit
  in Redis, the hop);
- `router → auth/me`: an authenticated read through the router (one row from PostgreSQL);
- `router/health`: the router's HTTP stack alone.
Customers are many (taken in turn), so the router's per-user rate limit never applies.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 40
PASSWORD = "bench passphrase 12345"


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
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{args} exited")
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{args} not healthy in 120 s")


Build = Callable[[int], tuple[str, str, dict[str, str], Any]]  # n → method, url, headers, json


async def load(build: Build, seconds: float, concurrency: int, max_requests: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    counter = itertools.count()
    started = time.monotonic()

    async def worker() -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            while time.monotonic() < deadline:
                n = next(counter)
                if n >= max_requests:
                    return
                method, url, headers, body = build(n)
                t0 = time.perf_counter()
                response = await client.request(method, url, headers=headers, json=body)
                if response.status_code < 300:
                    latencies.append(time.perf_counter() - t0)
                else:
                    errors[response.status_code] = errors.get(response.status_code, 0) + 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "requests": len(latencies) + sum(errors.values()),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else 0,
    }


def register(auth_url: str, secret: str) -> list[str]:
    tokens = []
    with httpx.Client(headers={"x-router-secret": secret}, timeout=30) as client:
        for _ in range(CUSTOMERS):
            email = f"bench-{uuid.uuid4().hex[:10]}@bench.test"
            answer = client.post(
                f"{auth_url}/api/auth/register",
                json={"email": email, "password": PASSWORD, "name": "Bench"},
            )
            answer.raise_for_status()
            tokens.append(answer.json()["data"]["accessToken"])
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-requests", type=int, default=200_000)
    args = parser.parse_args()
    secret = os.environ.get("SUBGRAPH_SECRET", "bench-subgraph-secret-0123456789abcdef")
    env = {**os.environ, "SUBGRAPH_SECRET": secret, "APP_ENV": "test", "BCRYPT_ROUNDS": "4"}
    for required in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(required):
            raise SystemExit(f"{required} must be set (a migrated database; see the docstring)")

    results: dict[str, Any] = {"concurrency": args.concurrency, "seconds": args.seconds}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        ports = {name: free_port() for name in ("auth", "payments", "admin", "profile")}
        for name, port in ports.items():
            processes[name] = start(["subgraph", name], port, env)
        config = ROOT / ".mfe" / f"bench-supergraph-{ports['auth']}.yaml"
        config.parent.mkdir(exist_ok=True)
        config.write_text(
            "federation_version: '=2.11.0'\nsubgraphs:\n"
            + "".join(
                f"  {name}:\n    routing_url: http://127.0.0.1:{port}/graphql\n"
                f"    schema:\n      subgraph_url: http://127.0.0.1:{port}/graphql\n"
                for name, port in ports.items()
            )
        )
        router_port = free_port()
        processes["router"] = start(["router", "--supergraph", str(config)], router_port, env)
        config.unlink()
        results["rss_idle_mib"] = {name: rss_mib(p.pid) for name, p in processes.items()}

        tokens = register(f"http://127.0.0.1:{ports['auth']}", secret)
        router = f"http://127.0.0.1:{router_port}"
        payments = f"http://127.0.0.1:{ports['payments']}"
        body = {"type": "payment", "amount": "12.50", "currency": "USD"}

        def create(base: str, extra: dict[str, str]) -> Build:
            def build(n: int) -> tuple[str, str, dict[str, str], Any]:
                headers = {
                    **extra,
                    "authorization": f"Bearer {tokens[n % len(tokens)]}",
                    "idempotency-key": uuid.uuid4().hex,
                }
                return "POST", f"{base}/api/payments", headers, body

            return build

        def me(n: int) -> tuple[str, str, dict[str, str], Any]:
            headers = {"authorization": f"Bearer {tokens[n % len(tokens)]}"}
            return "GET", f"{router}/api/auth/me", headers, None

        def health(_: int) -> tuple[str, str, dict[str, str], Any]:
            return "GET", f"{router}/health", {}, None

        targets: dict[str, Build] = {
            "payments/create": create(payments, {"x-router-secret": secret}),
            "router → payments/create": create(router, {}),
            "router → auth/me": me,
            "router/health": health,
        }
        run = (args.seconds, args.concurrency, args.max_requests)
        for name, build in targets.items():
            results[name] = asyncio.run(load(build, *run))
        results["rss_loaded_mib"] = {name: rss_mib(p.pid) for name, p in processes.items()}
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=60)
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
