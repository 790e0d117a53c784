"""Router benchmark: our router vs @apollo/gateway vs Hive Gateway on the same supergraph.

    uv run python -m bench.router.bench [--duration 10] [--connections 32]

Starts the three benchmark subgraphs (payments, users, profiles), composes the supergraph with
our composer, then starts each gateway in turn (one worker, pinned to the same core with
``taskset``) and drives the same queries with autocannon (pinned to the other core, with the
subgraphs). Prints requests/s and p50/p99 latency side by side with ratios, plus a direct
subgraph call as the floor. Not a test: it takes about a minute and a half.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from router.supergraph.source import SubgraphConfig, compose_from_config

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SECRET = "bench-router-secret"
GATEWAY_CORE = "1"
LOAD_CORE = "0"

QUERIES = {
    "a: 20 payments + users + profiles": (
        "query PaymentsWithUsers { payments(first: 20) { id amount currency "
        "user { id name email profile { bio avatarUrl } } } }"
    ),
    "b: deep nested entities": (
        "query Deep { payments(first: 5) { id user { name payments(first: 3) { amount "
        "user { email profile { bio } payments(first: 2) { id user { name profile { "
        "avatarUrl } } } } } } } }"
    ),
}
SERIAL = "a, one connection (latency)"
DIRECT_QUERY = "query Direct { payments(first: 20) { id amount currency user { id } } }"


@dataclass
class Result:
    rps: float
    p50: float
    p99: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


@contextmanager
def process(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    child = subprocess.Popen(  # noqa: S603 - fixed commands of this script
        argv, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        child.terminate()
        child.wait(15)


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv] if shutil.which("taskset") else argv


def autocannon(url: str, query: str, duration: int, connections: int) -> Result:
    body = json.dumps({"query": query})
    argv = pinned(
        LOAD_CORE,
        [
            str(HERE / "node_modules" / ".bin" / "autocannon"),
            "-j",
            "-m",
            "POST",
            "-H",
            "content-type=application/json",
            "-H",
            f"x-router-secret={SECRET}",
            "-b",
            body,
            "-c",
            str(connections),
            "-d",
            str(duration),
            url,
        ],
    )
    out = subprocess.run(argv, capture_output=True, text=True, check=True)  # noqa: S603
    data = json.loads(out.stdout)
    return Result(
        rps=data["requests"]["average"],
        p50=data["latency"]["p50"],
        p99=data["latency"]["p99"],
        errors=data["errors"] + data["non2xx"],
    )


def check_answer(url: str, query: str) -> None:
    response = httpx.post(url, json={"query": query}, headers={"x-router-secret": SECRET})
    payload = response.json()
    if payload.get("errors") or not payload.get("data"):
        raise RuntimeError(f"{url} answered {payload}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],  # noqa: S607
        cwd=HERE,
        check=True,
        capture_output=True,
    )
    ports = {name: free_port() for name in ("payments", "users", "profiles")}
    work = Path(tempfile.mkdtemp(prefix="router-bench-"))
    with ExitStack() as stack:
        for name, port in ports.items():
            stack.enter_context(
                process(
                    pinned(
                        LOAD_CORE,
                        [sys.executable, "-m", "bench.router.subgraphs", name, str(port)],
                    ),
                    ROOT,
                )
            )
        for port in ports.values():
            wait_until_up(f"http://127.0.0.1:{port}/graphql?query=%7B__typename%7D")
        configs = [SubgraphConfig(n, f"http://127.0.0.1:{p}/graphql") for n, p in ports.items()]
        sdl, missing = asyncio.run(compose_from_config(configs, SECRET))
        assert not missing, missing
        supergraph = work / "supergraph.graphql"
        supergraph.write_text(sdl)
        results: dict[str, dict[str, Result]] = {}
        direct_url = f"http://127.0.0.1:{ports['payments']}/graphql"
        check_answer(direct_url, DIRECT_QUERY)
        print("direct subgraph call ...", flush=True)
        results["direct subgraph"] = {
            "floor": autocannon(direct_url, DIRECT_QUERY, args.duration, args.connections),
            SERIAL: autocannon(direct_url, DIRECT_QUERY, args.duration, 1),
        }
        for name, argv, env, path in gateways(supergraph):
            port = free_port()
            argv = [a.replace("{port}", str(port)) for a in argv]
            cwd = ROOT if name.startswith("ours") else HERE
            with process(pinned(GATEWAY_CORE, argv), cwd, env):
                url = f"http://127.0.0.1:{port}{path}"
                wait_until_up(f"http://127.0.0.1:{port}{path}?query=%7B__typename%7D")
                results[name] = {}
                for label, query in QUERIES.items():
                    check_answer(url, query)
                    autocannon(url, query, 2, args.connections)  # warm-up
                    print(f"{name}: {label} ...", flush=True)
                    results[name][label] = autocannon(url, query, args.duration, args.connections)
                print(f"{name}: {SERIAL} ...", flush=True)
                first_query = next(iter(QUERIES.values()))
                results[name][SERIAL] = autocannon(url, first_query, args.duration, 1)
    report(results)


def gateways(supergraph: Path) -> list[tuple[str, list[str], dict[str, str], str]]:
    env = {"SUBGRAPH_SECRET": SECRET, "APP_ENV": "test", "REDIS_URL": ""}
    code = (
        "from router.serve import run_router; "
        f"run_router('127.0.0.1', {{port}}, {str(supergraph)!r})"
    )
    # The same app without in-flight deduplication, to show what that feature is worth.
    no_dedupe = (
        "import uvicorn; from router.app import create_router_app; "
        "from shared.config import get_settings; "
        f"app = create_router_app(get_settings(), {str(supergraph)!r}, deduplicate=False); "
        "uvicorn.run(app, host='127.0.0.1', port={port}, loop='uvloop', http='httptools', "
        "log_level='warning')"
    )
    return [
        ("ours", [sys.executable, "-c", code], env, "/graphql"),
        ("ours, no dedupe", [sys.executable, "-c", no_dedupe], env, "/graphql"),
        (
            "@apollo/gateway",
            ["node", "apollo-gateway.mjs", str(supergraph), "{port}", SECRET],
            {},
            "/",
        ),
        (
            "hive gateway",
            [
                str(HERE / "node_modules" / ".bin" / "hive-gateway"),
                "supergraph",
                "--port",
                "{port}",
                "--host",
                "127.0.0.1",
                "--config-path",
                str(HERE / "hive-gateway.config.mjs"),
            ],
            {"SUPERGRAPH_FILE": str(supergraph), "ROUTER_SECRET": SECRET},
            "/graphql",
        ),
    ]


def report(results: dict[str, dict[str, Result]]) -> None:
    floor = results["direct subgraph"]["floor"]
    print()
    print(
        f"direct subgraph call (floor): {floor.rps:8.0f} req/s  p50 {floor.p50:.1f} ms  "
        f"p99 {floor.p99:.1f} ms"
    )
    for label in [*QUERIES, SERIAL]:
        print(f"\n{label}")
        print(f"  {'gateway':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for name, by_query in results.items():
            if label not in by_query:
                continue
            r = by_query[label]
            print(f"  {name:<18}{r.rps:>9.0f}{r.p50:>9.1f}{r.p99:>9.1f}{r.errors:>8}")
        for mine in ("ours", "ours, no dedupe"):
            ours = results[mine][label].rps
            for other in ("@apollo/gateway", "hive gateway"):
                theirs = results[other][label].rps
                print(f"  {mine} / {other}: {ours / theirs:.2f}x" if theirs else "")
    direct = results["direct subgraph"][SERIAL]
    print(f"\ndirect call, one connection: p50 {direct.p50:.1f} ms")
    for mine in ("ours", "ours, no dedupe"):
        overhead = results[mine][SERIAL].p50 - direct.p50
        print(
            f"p50 overhead of {mine} over the direct call on (a), one connection: "
            f"{overhead:.1f} ms (three subgraph calls on two levels, against one call)"
        )


if __name__ == "__main__":
    main()
