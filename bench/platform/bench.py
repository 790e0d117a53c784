"""`make bench-platform`: the platform's hot routes against the database under them, in one run.

    uv run python -m bench.platform.bench                    # HEAD only
    uv run python -m bench.platform.bench --base cf63a70     # HEAD and a base commit, interleaved
    make bench-platform BASE=cf63a70 SECONDS=10

First pgbench on the list route's SQL page (the floor), then each route straight to its
subgraph (with the router's credential) and through the router: wrk, 16 connections, a
different user per request in turn (many more users than connections) — req/s, p50, p99, the
CPU every process spent per request (psutil), and the SQL statements and round trips per
request (a sequential pass with PostgreSQL logging every statement of each subgraph's role).

With `--base REV`, REV is checked out in a `git worktree` with its own virtual environment
(`uv sync --frozen`) and runs as a second platform on the same PostgreSQL (its own database,
migrated by its own code) and Redis (its own database number); each measurement is taken on
both platforms one after the other (alternating which goes first), so both tables come from one
sitting. The end prints README-ready markdown tables. Not a test: figures depend on the host;
read the ratios."""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt

from bench.platform.measure import (
    PgbenchResult,
    Result,
    check_and_count,
    measure,
    pgbench,
)
from bench.platform.report import Row, markdown
from bench.platform.routes import ROUTES, Route
from bench.platform.seed import Seeded, password_hash, seed
from bench.platform.stack import JWT_SECRET, Postgres, Redis, Revision, Stack
from shared.config import Settings

BCRYPT_ROUNDS = 12


@dataclass
class Platform:
    stack: Stack
    seeded: Seeded


def _prepare(
    revision: Revision, n: int, postgres: Postgres, redis: Redis, workdir: Path, hashed: str
) -> Platform:
    database = f"bench_{n}"
    postgres.psql(f"CREATE DATABASE {database};")
    stack = Stack(revision, database, redis.url(n), workdir / f"platform-{n}", postgres)
    stack.workdir.mkdir()
    stack.migrate()
    settings = Settings(
        database_url=postgres.uri(database, "bench"),
        jwt_secret=JWT_SECRET,
        jwt_expires_in="12h",  # type: ignore[arg-type]
        _env_file=None,  # type: ignore[call-arg]
    )
    seeded = asyncio.run(seed(settings, CUSTOMERS, hashed))
    stack.start()
    return Platform(stack, seeded)


CUSTOMERS = 64


def _bcrypt_seconds(rounds: int) -> float:
    salt = bcrypt.gensalt(rounds)
    started = time.process_time()
    for _ in range(3):
        bcrypt.hashpw(b"bench platform passphrase", salt)
    return (time.process_time() - started) / 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a commit to measure beside HEAD, interleaved")
    parser.add_argument("--seconds", type=float, default=10.0, help="each timed run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="runs per cell (median req/s)")
    parser.add_argument("--count", type=int, default=20, help="requests of the SQL-count pass")
    parser.add_argument("--only", default="", help="only routes whose name contains this")
    parser.add_argument("--keep", action="store_true", help="leave the platforms up at the end")
    parser.add_argument("--profile", type=Path, help="py-spy each timed run into this folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="mfe-bench-platform-"))
    postgres = Postgres(workdir / "pg")
    redis = Redis(workdir / "redis")
    revisions = [Revision.head()]
    platforms: list[Platform] = []
    try:
        if args.base:
            print(f"checking out {args.base} with its own environment …", flush=True)
            revisions.append(Revision.checkout(args.base, workdir))
        postgres.start()
        redis.start()
        hashed = password_hash(BCRYPT_ROUNDS)
        for n, revision in enumerate(revisions):
            print(f"starting {revision.label} …", flush=True)
            platforms.append(_prepare(revision, n, postgres, redis, workdir, hashed))
        assert redis.process is not None
        print(f"platforms up in {workdir}; load average {os.getloadavg()}", flush=True)
        routes = [r for r in ROUTES if args.only.lower() in r.name.lower()]
        floor = _floor(postgres, platforms[0], args)
        rows = _run(routes, platforms, postgres, redis.process.pid, args)
        floor_after = _floor(postgres, platforms[0], args)
        print(
            markdown(
                rows,
                [p.stack.revision.label for p in platforms],
                floor,
                floor_after,
                cores=os.cpu_count() or 1,
                bcrypt_seconds=_bcrypt_seconds(BCRYPT_ROUNDS),
                connections=args.connections,
                seconds=args.seconds,
                load=os.getloadavg(),
            )
        )
        if args.keep:
            print(f"platforms left up (Ctrl-C to stop): {[p.stack.pids() for p in platforms]}")
            while True:
                time.sleep(3600)
    finally:
        for platform in platforms:
            platform.stack.stop()
        redis.stop()
        postgres.stop()
        for revision in revisions:
            revision.remove()


def _floor(postgres: Postgres, platform: Platform, args: argparse.Namespace) -> PgbenchResult:
    users = [user.id for user in platform.seeded.customers[:16]]
    result = pgbench(postgres, platform.stack.database, users, args.seconds, args.connections)
    print(f"pgbench (the floor): {result.tps:.0f} tps, p50 {result.p50:.2f} ms", flush=True)
    return result


def _run(
    routes: list[Route],
    platforms: list[Platform],
    postgres: Postgres,
    redis_pid: int,
    args: argparse.Namespace,
) -> list[Row]:
    rows = []
    turn = 0
    for route in routes:
        for direct in (True, False) if route.subgraph else (False,):
            sql = {
                id(p): check_and_count(p.stack, postgres, route, p.seeded, direct, args.count)
                for p in platforms
            }
            runs: dict[int, list[Result]] = {id(p): [] for p in platforms}
            for _ in range(args.rounds):
                order = platforms if turn % 2 == 0 else platforms[::-1]
                turn += 1
                for platform in order:
                    stack = platform.stack
                    result = measure(
                        stack,
                        postgres,
                        redis_pid,
                        route,
                        platform.seeded,
                        direct,
                        args.seconds,
                        args.connections,
                        args.profile,
                    )
                    runs[id(platform)].append(result)
                    counted = sql[id(platform)]
                    print(
                        f"  {stack.revision.label:<20} {route.name:<48} "
                        f"{'direct' if direct else 'router':<6} {result.rps:>8.0f} req/s "
                        f"p50 {result.p50:>7.1f} p99 {result.p99:>7.1f} ms "
                        f"errors {result.errors + result.non2xx} "
                        f"SQL {counted.statements:.1f}/{counted.round_trips:.1f}",
                        flush=True,
                    )
            results = [(_median(runs[id(p)]), sql[id(p)]) for p in platforms]
            rows.append(Row(route, direct, results))
    return rows


def _median(results: list[Result]) -> Result:
    """The run with the median rate (its latencies and CPU with it)."""
    return sorted(results, key=lambda result: result.rps)[len(results) // 2]


if __name__ == "__main__":
    main()
