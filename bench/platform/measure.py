"""One measurement: wrk against a route (req/s, p50, p99), the CPU each process spent on it,
and — in a separate, sequential pass with PostgreSQL logging every statement — how many SQL
statements and round trips one request costs; and pgbench on the list route's page."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.platform.routes import Route, count_rows, headers_of, wrk_script
from bench.platform.seed import Seeded
from bench.platform.stack import SECRET, SUBGRAPHS, WORKERS, CpuSampler, Postgres, Stack
from subgraphs.payments.repository import Keyset, PaymentFilter, Scope, page_statement

WRK = shutil.which("wrk")
PY_SPY = shutil.which("py-spy")
# A statement as logged with log_line_prefix '%u %d %p ': "<role> <database> <pid> LOG:
# statement: …" (simple protocol: BEGIN, COMMIT, …) or "… LOG:  execute <name>: …" (prepared).
_LOGGED = re.compile(r"^(\S+) (\S+) (\d+) LOG:  (?:statement|execute [^:]*): ?(.*)$")
_CONTROL = re.compile(r"^(BEGIN|COMMIT|ROLLBACK|;|$)", re.IGNORECASE)


@dataclass
class Result:
    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int
    non2xx: int
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per request, by process group

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class SqlCount:
    """Per request, for the subgraphs serving it: statements and round trips (each statement,
    transaction control included, is one round trip on asyncpg's cached prepared statements)."""

    statements: float
    round_trips: float
    by_role: dict[str, float]


def _groups(stack: Stack, postgres: Postgres, redis_pid: int) -> dict[str, list[int]]:
    pids = stack.pids()
    return {
        "router": [pids["router"]],
        "subgraphs": [pids[name] for name in SUBGRAPHS],
        "postgres": [postgres.pid()],
        "redis": [redis_pid],
        "relay+consumers": [pids[name] for name in WORKERS if name in pids],
    }


def run_wrk(
    base_url: str,
    route: Route,
    seeded: Seeded,
    direct: bool,
    seconds: float,
    connections: int,
    workdir: Path,
    cpu_groups: dict[str, list[int]] | None = None,
) -> Result:
    if WRK is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    script = workdir / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    users = route.users(seeded)
    script.write_text(wrk_script(route, users, SECRET if direct else None, uuid.uuid4().hex))
    argv = [WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s"]
    argv += ["-s", str(script), base_url]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)  # noqa: S603
    with CpuSampler({**(cpu_groups or {}), "wrk": [process.pid]}) as sampler:
        stdout, _ = process.communicate()
    try:
        data = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"wrk did not finish as expected:\n{stdout}") from None
    requests = max(int(data["requests"]), 1)
    cpu_ms = {name: spent * 1000 / requests for name, spent in sampler.seconds().items()}
    return Result(
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        p50=data["p50_us"] / 1000,
        p99=data["p99_us"] / 1000,
        errors=int(data["errors"]),
        non2xx=int(data["non2xx"]),
        cpu_ms=cpu_ms,
    )


def measure(
    stack: Stack,
    postgres: Postgres,
    redis_pid: int,
    route: Route,
    seeded: Seeded,
    direct: bool,
    seconds: float,
    connections: int,
    profile: Path | None = None,
) -> Result:
    """Warm up for a second, then the timed run with every process's CPU; with `profile`,
    py-spy records the router and the subgraphs meanwhile (collapsed stacks, one file each)."""
    url = stack.url(route.subgraph if direct and route.subgraph else "router")
    groups = _groups(stack, postgres, redis_pid)
    run_wrk(url, route, seeded, direct, 1, connections, stack.workdir)
    settle(groups)
    recorders = _record(stack, route, direct, seconds, profile) if profile else []
    try:
        return run_wrk(url, route, seeded, direct, seconds, connections, stack.workdir, groups)
    finally:
        for recorder in recorders:
            recorder.wait()
        settle(groups)


def settle(groups: dict[str, list[int]], idle_share: float = 0.05, limit: float = 60.0) -> None:
    """Wait until the platform has finished what the last run left in flight (wrk stops with
    requests still being served): its router and subgraphs use under `idle_share` of a core."""
    serving = {name: groups[name] for name in ("router", "subgraphs")}
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with CpuSampler(serving) as sampler:
            time.sleep(0.5)
        if sum(sampler.seconds().values()) < idle_share * 0.5:
            return


def _record(
    stack: Stack, route: Route, direct: bool, seconds: float, folder: Path
) -> list[subprocess.Popen[bytes]]:
    spy = [PY_SPY] if PY_SPY else ["uvx", "py-spy"]
    names = [route.subgraph] if route.subgraph else list(SUBGRAPHS)
    if not direct:
        names.append("router")
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", f"{route.name} {'direct' if direct else 'router'}".lower())
    recorders = []
    for name in names:
        output = folder / f"{stack.database}-{slug.strip('-')}-{name}.txt"
        argv = [*spy, "record", "--format", "raw", "--nonblocking", "--rate", "250"]
        argv += ["-d", str(round(seconds)), "-o", str(output), "-p", str(stack.pids()[name])]
        recorders.append(
            subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        )
    return recorders


def check_and_count(
    stack: Stack, postgres: Postgres, route: Route, seeded: Seeded, direct: bool, count: int
) -> SqlCount:
    """Send `count` requests one after another with every statement logged; each answer must
    be the expected one (status, no error, the expected number of rows)."""
    url = stack.url(route.subgraph if direct and route.subgraph else "router")
    users = route.users(seeded)
    log = postgres.log_path
    postgres.log_statements(True)
    start = log.stat().st_size
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for n in range(count):
                user = users[n % len(users)]
                headers = headers_of(route, user, SECRET if direct else None)
                if route.fresh_key:
                    headers["Idempotency-Key"] = uuid.uuid4().hex
                response = client.request(
                    route.method,
                    route.path(user),
                    headers=headers,
                    json=route.body(user) if route.body else None,
                )
                _check(route, response)
    finally:
        postgres.log_statements(False)
    with log.open("rb") as handle:
        handle.seek(start)
        lines = handle.read().decode(errors="replace").splitlines()
    statements: Counter[str] = Counter()
    round_trips: Counter[str] = Counter()
    previous: dict[str, str] = {}  # the last statement of each backend
    for line in lines:
        match = _LOGGED.match(line)
        if not match or match.group(2) != stack.database or match.group(1) not in SUBGRAPHS:
            continue
        role, backend, sql = match.group(1), match.group(3), match.group(4).strip()
        round_trips[role] += 1
        if sql.upper().startswith("ROLLBACK") and previous.get(backend, "").startswith("BEGIN"):
            # PostgreSQL does not log an empty statement: SQLAlchemy's pre-ping (BEGIN, ";",
            # ROLLBACK) shows as BEGIN then ROLLBACK. Its ";" is a round trip too.
            round_trips[role] += 1
        previous[backend] = sql.upper()
        if not _CONTROL.match(sql):
            statements[role] += 1
    return SqlCount(
        statements=sum(statements.values()) / count,
        round_trips=sum(round_trips.values()) / count,
        by_role={role: n / count for role, n in round_trips.items()},
    )


def _check(route: Route, response: httpx.Response) -> None:
    problem = None
    if response.status_code != route.status:
        problem = f"status {response.status_code}, expected {route.status}"
    else:
        answer = response.json()
        if route.graphql and answer.get("errors"):
            problem = f"GraphQL errors {answer['errors']}"
        elif not route.graphql and answer.get("success") is not True:
            problem = "no success envelope"
        elif route.rows and count_rows(answer, route.row_keys) < route.rows:
            problem = f"fewer than {route.rows} rows"
    if problem:
        raise RuntimeError(f"{route.name}: {problem}: {response.text[:500]}")


@dataclass
class PgbenchResult:
    tps: float
    p50: float
    p99: float
    cpu_ms: float  # PostgreSQL's CPU per transaction


def page_sql(user: uuid.UUID) -> str:
    """The statement `PaymentRepository.page` sends for a customer's first page of 20 (21 rows,
    the 21st telling whether a next page exists), its arguments written in as literals."""
    statement, arguments = page_statement(
        Scope(user), PaymentFilter(), Keyset("created_at", descending=True), 21
    )
    for n in range(len(arguments), 0, -1):  # $10 before $1
        statement = statement.replace(f"${n}", f"'{arguments[n - 1]}'")
    return statement + ";\n"


def pgbench(
    postgres: Postgres, database: str, user_ids: list[uuid.UUID], seconds: float, clients: int
) -> PgbenchResult:
    """pgbench (prepared statements) on the list route's page query — 21 rows, the 21st telling
    whether a next page exists — for each of `user_ids` in turn."""
    workdir = postgres.directory.parent / f"pgbench-{uuid.uuid4().hex[:8]}"
    workdir.mkdir()
    argv = [postgres.pgbench, "-n", "-M", "prepared", f"-c{clients}", "-j2", f"-T{int(seconds)}"]
    for n, user in enumerate(user_ids):
        script = workdir / f"page-{n}.sql"
        script.write_text(page_sql(user))
        argv += ["-f", f"{script}@1"]
    argv += ["-l", "--log-prefix", str(workdir / "tx"), "-h", postgres.socket_dir, "-U", "bench"]
    argv.append(database)
    with CpuSampler({"postgres": [postgres.pid()]}) as sampler:
        out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=workdir)  # noqa: S603
    spent = sampler.seconds()["postgres"]
    latencies = [
        int(line.split()[2]) / 1000
        for log in workdir.glob("tx*")
        for line in log.read_text().splitlines()
        if line
    ]
    tps = float(re.findall(r"tps = ([\d.]+)", out.stdout)[0])
    cuts = statistics.quantiles(latencies, n=100)
    shutil.rmtree(workdir)
    return PgbenchResult(tps, cuts[49], cuts[98], spent * 1000 / max(len(latencies), 1))
