"""Load for a realistic mix through the router: logins, listing and creating payments, profile
reads, federated `me` queries. Reports throughput, p50/p95/p99 and error rate at rising
concurrency, and the peak RSS of every process.

    uv run python -m bench.load.load                      # own platform (pgserver + redis-server)
    uv run python -m bench.load.load --levels 1,8,32 --seconds 10 --users 128

It starts a platform of its own, like the fault tests: an embedded PostgreSQL (pgserver, Unix
socket), a redis-server on a free 127.0.0.1 port, every subgraph, a router, the relay and the
consumers — never the machine's PostgreSQL or Redis. Not a test: figures depend on the host."""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from shared.config import Environment, Settings
from shared.rbac import Role
from shared.resources import open_resources
from subgraphs.registry import SUBGRAPHS
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.faults.conftest import FAST_HUB, OwnPostgres, OwnRedis, _worker
from tests.harness import ROOT, Platform, free_port, process_env, write_supergraph_config

ME = "{ me { id email role payments(first: 5) { edges { node { id amount status } } } } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
# (operation, weight): what a customer-facing front end sends, roughly
MIX = [
    ("login", 5),
    ("list_payments", 30),
    ("create_payment", 15),
    ("profile", 20),
    ("federated_me", 30),
]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    requests: int = 0


@dataclass
class User:
    email: str
    token: str


async def _one(http: httpx.AsyncClient, op: str, user: User) -> tuple[bool, str]:
    auth = {"Authorization": f"Bearer {user.token}"}
    if op == "login":
        variables = {"i": {"email": user.email, "password": DEFAULT_PASSWORD}}
        response = await http.post("/graphql", json={"query": LOGIN, "variables": variables})
        ok = response.status_code == 200 and "errors" not in response.json()
    elif op == "list_payments":
        response = await http.get("/api/payments?limit=20", headers=auth)
        ok = response.status_code == 200
    elif op == "create_payment":
        body = {"type": "payment", "amount": f"{random.randint(1, 500)}.00", "currency": "USD"}  # noqa: S311
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        response = await http.post("/api/payments", json=body, headers=headers)
        ok = response.status_code == 201
    elif op == "profile":
        response = await http.get("/api/profile", headers=auth)
        ok = response.status_code == 200
    else:
        response = await http.post("/graphql", json={"query": ME}, headers=auth)
        ok = response.status_code == 200 and "errors" not in response.json()
    return ok, f"{op}:{response.status_code}"


async def _level(url: str, users: list[User], concurrency: int, seconds: float) -> Stats:
    stats = Stats()
    ops = [op for op, weight in MIX for _ in range(weight)]
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:

        async def worker(n: int) -> None:
            rng = random.Random(n)  # noqa: S311
            while time.monotonic() < deadline:
                op = rng.choice(ops)
                user = users[rng.randrange(len(users))]
                started = time.perf_counter()
                try:
                    ok, label = await _one(http, op, user)
                except httpx.HTTPError as exc:
                    ok, label = False, f"{op}:{type(exc).__name__}"
                stats.latencies[op].append(time.perf_counter() - started)
                stats.requests += 1
                stats.statuses[label] += 1
                stats.errors += not ok

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return stats


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


class RssSampler:
    """Peak RSS of each process (with its children: PostgreSQL's backends)."""

    def __init__(self, processes: dict[str, int]) -> None:
        self.processes = processes
        self.peak: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, pid: int) -> int:
        try:
            root = psutil.Process(pid)
            return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.processes.items():
                self.peak[name] = max(self.peak[name], self._rss(pid))
            self._stop.wait(0.25)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def _users(settings: Settings, count: int) -> list[User]:
    async with open_resources(settings) as resources:
        made = await asyncio.gather(*(create_user(resources, Role.CUSTOMER) for _ in range(count)))
    return [User(u.email, u.token) for u in made]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,4,16,64", help="concurrency levels")
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each level")
    parser.add_argument("--users", type=int, default=128, help="customers (per-user limits)")
    parser.add_argument("--bcrypt-rounds", type=int, default=10)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="mfe-load-"))
    postgres = OwnPostgres(workdir / "pg")
    redis_server = OwnRedis(free_port(), workdir / "redis")
    redis_server.directory.mkdir()
    platform: Platform | None = None
    workers = []
    try:
        settings = Settings(
            app_env=Environment.TEST,
            database_url=postgres.start(),
            redis_url=redis_server.url,
            bcrypt_rounds=args.bcrypt_rounds,
            subgraph_secret="load-test-subgraph-secret-0123456789",
            _env_file=None,  # type: ignore[call-arg]
        )
        redis_server.start()
        subprocess.run(
            [sys.executable, "-m", "mfe.cli", "migrate"],
            cwd=ROOT,
            env=process_env(settings),
            check=True,
            capture_output=True,
        )
        platform = Platform(settings, workdir, env_extra=FAST_HUB)
        subgraphs = {spec.name: platform.subgraph(spec.name) for spec in SUBGRAPHS}
        config = write_supergraph_config(
            workdir / "supergraph.yaml", {n: p.port for n, p in subgraphs.items()}
        )
        router = platform.router(config)
        workers = [_worker(settings, workdir, "relay"), _worker(settings, workdir, "consumers")]
        users = asyncio.run(_users(settings, args.users))
        pids = {"router": router.process.pid}
        pids.update({f"subgraph {n}": p.process.pid for n, p in subgraphs.items()})
        pids.update({w.name: w.process.pid for w in workers})
        pids["postgres (all backends)"] = postgres.pid()
        assert redis_server.process is not None
        pids["redis-server"] = redis_server.process.pid
        print(f"platform up in {workdir}; {len(users)} customers; mix {dict(MIX)}")
        print(f"{'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>8}")
        per_op: dict[int, dict[str, list[float]]] = {}
        failures: dict[int, Counter[str]] = {}
        with RssSampler(pids) as sampler:
            for level in levels:
                stats = asyncio.run(_level(router.url, users, level, args.seconds))
                every = [v for values in stats.latencies.values() for v in values]
                rate = stats.requests / args.seconds
                error_rate = 100 * stats.errors / max(stats.requests, 1)
                print(
                    f"{level:>5} {rate:>8.1f} {_pct(every, 50):>8.1f} {_pct(every, 95):>8.1f} "
                    f"{_pct(every, 99):>8.1f} {error_rate:>7.2f}%"
                )
                per_op[level] = dict(stats.latencies)
                failures[level] = Counter(
                    {k: v for k, v in stats.statuses.items() if not k.endswith(("200", "201"))}
                )
        print("\np50 / p99 ms per operation at the highest level:")
        for op, values in sorted(per_op[levels[-1]].items()):
            print(
                f"  {op:<16} {_pct(values, 50):>7.1f} / {_pct(values, 99):>7.1f}  (n={len(values)})"
            )
        for level, counted in failures.items():
            if counted:
                print(f"  failures at {level}: {dict(counted)}")
        print("\npeak RSS:")
        for name, peak in sampler.peak.items():
            print(f"  {name:<26} {peak / 2**20:>7.1f} MiB")
        print(f"  {'total':<26} {sum(sampler.peak.values()) / 2**20:>7.1f} MiB")
    finally:
        for worker in workers:
            worker.stop()
        if platform is not None:
            platform.stop_all()
        redis_server.kill()
        postgres.stop()


if __name__ == "__main__":
    main()
