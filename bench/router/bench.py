"""Router benchmark: our router vs @apollo/gateway vs Hive Gateway on the same supergraph.

    uv run python -m bench.router.bench [--duration 5] [--connections 32] [--rounds 3]
        [--composer apollo|ours] [--json FILE]
    make bench

Two graphs, each served by benchmark subgraphs whose answers are memoised (they cost next to
nothing): our own shape (payments, users, profiles) for query (a), 20 payments with their users
and profiles; and the "shop" graph of the public federation gateway benchmarks (accounts,
products, inventory, reviews: keys, ``@requires``, ``@provides``, nested entity chains;
:mod:`bench.router.shop`) for query (b), their deep nested query. Each supergraph is composed by
``@apollo/composition`` (``--composer ours`` for our composer), then every gateway is started
at once for each graph on its own port, all pinned to CPU 0 (``taskset -c 0``; an idle gateway
costs nothing): ours through ``mfe router --supergraph FILE`` (with both deduplications, without
the inbound one, without either; ``ROUTER_MAX_COST`` raised, since the deep query is beyond our
default cost limit and the Node gateways have none), ``@apollo/gateway``
(NODE_ENV=production) and Hive Gateway (``--jit``, NODE_ENV=production) without and with
``inboundInflightRequestDeduplication``. Every answer is first checked equal to
``@apollo/gateway``'s. The load tool (wrk, one thread; autocannon when
wrk is not installed) and the subgraphs run on CPU 1. Each cell is measured in every round,
gateways interleaved (the order rotates per round); the report gives the median of the rounds:
requests/s, p50 and p99 latency, and the ratios. Not a test: about seven minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.router.shop import DEEP_QUERY, SHOP_SUBGRAPHS
from router.supergraph.source import SubgraphConfig, compose_from_config
from tests.harness import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SECRET = "bench-router-secret"
GATEWAY_CORE = "0"
LOAD_CORE = "1"

GRAPHS: dict[str, tuple[str, ...]] = {
    "own": ("payments", "users", "profiles"),
    "shop": SHOP_SUBGRAPHS,
}
PAYMENTS_QUERY = (
    "query PaymentsWithUsers { payments(first: 20) { id amount currency "
    "user { id name email profile { bio avatarUrl } } } }"
)
# key -> (graph, query, one connection instead of --connections)
QUERIES: dict[str, tuple[str, str, bool]] = {
    "a": ("own", PAYMENTS_QUERY, False),
    "b": ("shop", DEEP_QUERY, False),
    "serial": ("own", PAYMENTS_QUERY, True),
}
LABELS = {
    "a": "(a) 20 payments + users + profiles, 32 connections",
    "b": "(b) shop deep query (accounts/products/inventory/reviews), 32 connections",
    "serial": "(a) one connection",
}
DIRECT_QUERY = "query Direct { payments(first: 20) { id amount currency user { id } } }"

OURS = "ours"
OURS_NO_INBOUND = "ours, no inbound dedup"
OURS_NO_DEDUP = "ours, no dedup"
APOLLO = "@apollo/gateway"
HIVE = "Hive"
HIVE_DEDUP = "Hive, inbound dedup"


@dataclass
class Result:
    rps: float
    p50: float
    p99: float
    errors: int


@dataclass
class Gateway:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    path: str
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def wait_until_up(url: str, seconds: float = 120.0) -> None:
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
def process(
    argv: list[str], cwd: Path, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[None]:
    with open(log or os.devnull, "wb") as output:
        child = subprocess.Popen(  # noqa: S603 - fixed commands of this script
            argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv] if shutil.which("taskset") else argv


WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Router-Secret"] = "{secret}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


class Load:
    """wrk (one thread, pinned to the load core) or, without wrk, autocannon."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.wrk = shutil.which("wrk")
        self.scripts: dict[str, Path] = {}

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "autocannon"

    def run(self, url: str, query: str, duration: int, connections: int) -> Result:
        if self.wrk:
            return self._wrk(url, query, duration, connections)
        return self._autocannon(url, query, duration, connections)

    def _script(self, query: str) -> Path:
        script = self.scripts.get(query)
        if script is None:
            body = json.dumps(json.dumps({"query": query}))
            script = self.work / f"load-{len(self.scripts)}.lua"
            script.write_text(WRK_SCRIPT.format(body=body, secret=SECRET))
            self.scripts[query] = script
        return script

    def _wrk(self, url: str, query: str, duration: int, connections: int) -> Result:
        argv = [str(self.wrk), "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
        argv += ["-s", str(self._script(query)), url]
        out = subprocess.run(  # noqa: S603
            pinned(LOAD_CORE, argv), capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        seconds = data["duration_us"] / 1e6
        return Result(
            rps=data["requests"] / seconds,
            p50=data["p50_us"] / 1000,
            p99=data["p99_us"] / 1000,
            errors=data["errors"],
        )

    def _autocannon(self, url: str, query: str, duration: int, connections: int) -> Result:
        argv = [str(HERE / "node_modules" / ".bin" / "autocannon"), "-j", "-m", "POST"]
        argv += ["-H", "content-type=application/json", "-H", f"x-router-secret={SECRET}"]
        argv += ["-b", json.dumps({"query": query}), "-c", str(connections)]
        argv += ["-d", str(duration), url]
        out = subprocess.run(  # noqa: S603
            pinned(LOAD_CORE, argv), capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout)
        return Result(
            rps=data["requests"]["average"],
            p50=data["latency"]["p50"],
            p99=data["latency"]["p99"],
            errors=data["errors"] + data["non2xx"],
        )


def answer(url: str, query: str) -> Any:
    response = httpx.post(
        url, json={"query": query}, headers={"x-router-secret": SECRET}, timeout=30
    )
    payload = response.json()
    if payload.get("errors") or not payload.get("data"):
        raise RuntimeError(f"{url} answered {payload}")
    return payload


def compose(ports: dict[str, int], composer: str) -> str:
    """The supergraph SDL of these subgraphs, by ``@apollo/composition`` or by ours."""
    urls = {name: f"http://127.0.0.1:{port}/graphql" for name, port in ports.items()}
    if composer == "ours":
        configs = [SubgraphConfig(name, url) for name, url in urls.items()]
        sdl, missing = asyncio.run(compose_from_config(configs, SECRET))
        assert not missing, missing
        return sdl
    services = [
        {
            "name": name,
            "url": url,
            "sdl": answer(url, "{ _service { sdl } }")["data"]["_service"]["sdl"],
        }
        for name, url in urls.items()
    ]
    out = subprocess.run(
        ["node", "compose.mjs"],  # noqa: S607
        cwd=HERE,
        input=json.dumps(services),
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"@apollo/composition failed: {out.stderr}")
    return out.stdout


def gateways(supergraph: Path) -> list[Gateway]:
    # The shop deep query costs ~108k by our estimate (lists of 10 nested 7 deep); the Node
    # gateways have no cost limit, so ours gets a high one (the default 5000 refuses it).
    ours_env = {
        "SUBGRAPH_SECRET": SECRET,
        "APP_ENV": "test",
        "REDIS_URL": "",
        "DATABASE_URL": "",
        "ROUTER_MAX_COST": "1000000",
    }
    ours = [sys.executable, "-m", "mfe.cli", "router", "--supergraph", str(supergraph)]
    ours += ["--host", "127.0.0.1", "--port", "{port}"]
    hive = [str(HERE / "node_modules" / ".bin" / "hive-gateway"), "supergraph", "--jit"]
    hive += ["--port", "{port}", "--host", "127.0.0.1"]
    hive += ["--config-path", str(HERE / "hive-gateway.config.mjs")]
    hive_env = {
        "SUPERGRAPH_FILE": str(supergraph),
        "ROUTER_SECRET": SECRET,
        "NODE_ENV": "production",
    }
    node_production = {"NODE_ENV": "production"}
    return [
        Gateway(OURS, ours, ours_env, ROOT, "/graphql"),
        Gateway(OURS_NO_INBOUND, ours, {**ours_env, "ROUTER_INBOUND_DEDUP": "0"}, ROOT, "/graphql"),
        Gateway(
            OURS_NO_DEDUP,
            ours,
            {**ours_env, "ROUTER_INBOUND_DEDUP": "0", "ROUTER_SUBGRAPH_DEDUP": "0"},
            ROOT,
            "/graphql",
        ),
        Gateway(
            APOLLO,
            ["node", "apollo-gateway.mjs", str(supergraph), "{port}", SECRET],
            node_production,
            HERE,
            "/",
        ),
        Gateway(HIVE, hive, hive_env, HERE, "/graphql"),
        Gateway(HIVE_DEDUP, hive, {**hive_env, "HIVE_INBOUND_DEDUP": "1"}, HERE, "/graphql"),
    ]


def median(results: list[Result]) -> Result:
    return Result(
        rps=statistics.median(r.rps for r in results),
        p50=statistics.median(r.p50 for r in results),
        p99=statistics.median(r.p99 for r in results),
        errors=sum(r.errors for r in results),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per cell")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    parser.add_argument(
        "--composer", choices=("apollo", "ours"), default="apollo", help="who composes"
    )
    args = parser.parse_args()
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],  # noqa: S607
        cwd=HERE,
        check=True,
        capture_output=True,
    )
    work = Path(tempfile.mkdtemp(prefix="router-bench-"))
    load = Load(work)
    with ExitStack() as stack:
        ports: dict[str, dict[str, int]] = {}
        for graph, names in GRAPHS.items():
            ports[graph] = {name: free_port() for name in names}
            for name, port in ports[graph].items():
                argv = [sys.executable, "-m", "bench.router.subgraphs", name, str(port)]
                stack.enter_context(process(pinned(LOAD_CORE, argv), ROOT))
        for by_name in ports.values():
            for port in by_name.values():
                wait_until_up(f"http://127.0.0.1:{port}/graphql?query=%7B__typename%7D")
        running: dict[str, list[Gateway]] = {}
        for graph in GRAPHS:
            supergraph = work / f"{graph}.supergraph.graphql"
            supergraph.write_text(compose(ports[graph], args.composer))
            running[graph] = gateways(supergraph)
        direct_url = f"http://127.0.0.1:{ports['own']['payments']}/graphql"
        answer(direct_url, DIRECT_QUERY)

        for graph, group in running.items():
            for gateway in group:
                gateway.port = free_port()
                argv = [a.replace("{port}", str(gateway.port)) for a in gateway.argv]
                log = work / f"{graph}-{gateway.name.replace(' ', '_').replace('/', '_')}.log"
                stack.enter_context(
                    process(pinned(GATEWAY_CORE, argv), gateway.cwd, gateway.env, log)
                )
        for group in running.values():
            for gateway in group:
                url = f"http://127.0.0.1:{gateway.port}{gateway.path}?query=%7B__typename%7D"
                wait_until_up(url)
        print(
            f"gateways up (supergraphs by {args.composer}, logs in {work}); load tool: {load.tool}",
            flush=True,
        )

        for key, (graph, query, _) in QUERIES.items():
            apollo = next(g for g in running[graph] if g.name == APOLLO)
            reference = answer(apollo.url, query)
            for gateway in running[graph]:
                if answer(gateway.url, query) != reference:
                    raise RuntimeError(f"{gateway.name} answers ({key}) unlike {APOLLO}")
                load.run(gateway.url, query, 2, args.connections)  # warm-up
        print("answers equal to @apollo/gateway's on both queries", flush=True)

        names = [g.name for g in running["own"]]
        samples: dict[str, dict[str, list[Result]]] = {name: {} for name in names}
        samples["direct subgraph"] = {}
        for round_number in range(args.rounds):
            for key, (graph, query, serial) in QUERIES.items():
                group = running[graph]
                shift = round_number % len(group)
                order = group[shift:] + group[:shift]
                connections = 1 if serial else args.connections
                for gateway in order:
                    result = load.run(gateway.url, query, args.duration, connections)
                    samples[gateway.name].setdefault(key, []).append(result)
                    print(
                        f"round {round_number + 1} {key} {gateway.name}: {result.rps:.0f} req/s",
                        flush=True,
                    )
            for key, connections in (("a", args.connections), ("serial", 1)):
                direct = load.run(direct_url, DIRECT_QUERY, args.duration, connections)
                samples["direct subgraph"].setdefault(key, []).append(direct)
    medians = {
        name: {key: median(results) for key, results in by_key.items()}
        for name, by_key in samples.items()
    }
    report(medians, load.tool, args)
    if args.json:
        args.json.write_text(
            json.dumps(
                {n: {k: vars(r) for k, r in by.items()} for n, by in medians.items()}, indent=2
            )
        )


RATIOS = [
    (OURS, HIVE_DEDUP, "ours / Hive (both with inbound dedup), target ≥ 1.0"),
    (OURS_NO_INBOUND, HIVE, "ours / Hive (both without inbound dedup), target ≥ 1.0"),
    (OURS_NO_DEDUP, APOLLO, "ours without dedup / @apollo/gateway, target ≥ 3.8"),
    (OURS, APOLLO, "ours / @apollo/gateway"),
]


def report(medians: dict[str, dict[str, Result]], tool: str, args: argparse.Namespace) -> None:
    print(
        f"\nmedian of {args.rounds} interleaved rounds, {args.duration} s per cell, {tool}, "
        f"gateway on CPU {GATEWAY_CORE}, load + subgraphs on CPU {LOAD_CORE}\n"
    )
    print("| gateway | " + " | ".join(f"{LABELS[k]}: req/s, p50, p99 ms" for k in LABELS) + " |")
    print("| --- |" + " --- |" * len(LABELS))
    for name, by_key in medians.items():
        cells = []
        for key in LABELS:
            r = by_key.get(key)
            cells.append(f"{r.rps:.0f}, {r.p50:.1f}, {r.p99:.1f}" if r else "")
            if r and r.errors:
                cells[-1] += f" ({r.errors} errors)"
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\n| ratio (req/s) | (a) | (b) |\n| --- | --- | --- |")
    for mine, theirs, label in RATIOS:
        cells = []
        for key in ("a", "b"):
            theirs_rps = medians[theirs][key].rps
            cells.append(f"{medians[mine][key].rps / theirs_rps:.2f}x" if theirs_rps else "n/a")
        print(f"| {label} | " + " | ".join(cells) + " |")
    direct = medians["direct subgraph"]["serial"].p50
    print(f"\ndirect subgraph call, one connection: p50 {direct:.2f} ms")
    for name in (OURS, OURS_NO_DEDUP):
        overhead = medians[name]["serial"].p50 - direct
        print(f"p50 overhead of {name} on (a), one connection: {overhead:.2f} ms")


if __name__ == "__main__":
    main()
