"""The scale test's machinery: the platform as replicas behind two nginx balancers from Debian
(the project's config, rendered for local ports), and a bounded load generator that records
every answer.

    client ─► edge nginx ─► router x2 ─► internal nginx ─► payments x2
                                    └─► auth, admin, profile (one each)

Every target is on 127.0.0.0/8. Both nginx instances talk to their upstreams from 127.0.0.2
(`proxy_bind`), the only address in TRUSTED_PROXIES, so a client on 127.0.0.1 or 127.0.0.3 is
*not* a proxy and its `X-Forwarded-For` must be ignored."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.render_nginx import NginxConfig, render
from tests.harness import RunningProcess, free_port

PROXY_ADDRESS = "127.0.0.2"
FULL = os.environ.get("SCALE_FULL", "") not in ("", "0")


@dataclass(frozen=True)
class Profile:
    """How hard and how long: short in `make test`, full with SCALE_FULL=1."""

    name: str
    concurrency: int
    phase_seconds: float  # load before/between/after each fault
    spread_requests: int
    max_requests: int  # a hard bound on any one load run

    restarts_per_tier: int  # how many replicas of each tier the rolling restart replaces

    @classmethod
    def current(cls) -> Profile:
        # Clients beyond what the CPUs can serve only queue: on two shared cores, a request
        # queued past the router's 10 s subgraph timeout would be a 503 of overload, not of a
        # restart. Eight clients keep the replicas busy without that.
        if FULL:
            return cls("full", concurrency=8, phase_seconds=6.0, spread_requests=2000,
                       max_requests=60000, restarts_per_tier=2)  # fmt: skip
        # A start costs seconds of CPU (imports, composition): one replica of each tier here.
        return cls("short", concurrency=4, phase_seconds=1.0, spread_requests=80,
                   max_requests=5000, restarts_per_tier=1)  # fmt: skip


@dataclass
class Nginx:
    """One nginx master (+ one worker) in `workdir`: the public edge in front of the routers,
    or the internal balancer in front of one subgraph's replicas."""

    binary: Path
    workdir: Path
    subgraph: str | None = None  # None: the edge
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def config(self, servers: Sequence[str]) -> NginxConfig:
        common: dict[str, Any] = {
            "runtime_dir": str(self.workdir),
            "foreground": True,
            "worker_processes": "1",  # one worker: the passive-health counters are exact
            "proxy_bind": PROXY_ADDRESS,
            "fail_timeout": "2s",
        }
        listen = f"127.0.0.1:{self.port}"
        if self.subgraph is None:
            return NginxConfig(edge_listen=listen, routers=list(servers), **common)
        return NginxConfig(subgraphs={self.subgraph: (listen, list(servers))}, **common)

    def write(self, config: NginxConfig) -> Path:
        path = self.workdir / "nginx.conf"
        path.write_text(render(config))
        return path

    def start(self, config: NginxConfig) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.write(config)
        error_log = str(self.workdir / "error.log")
        self.process = subprocess.Popen(  # noqa: S603
            [str(self.binary), "-p", str(self.workdir), "-c", str(path), "-e", error_log],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"nginx exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
                try:
                    if client.get(f"{self.url}/nginx-health").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        raise RuntimeError("nginx did not answer in 15 s")

    def reload(self, config: NginxConfig) -> None:
        """New config, gracefully: old workers finish their requests, new ones use the new
        upstreams (what a deploy does to take a replica out of, or back into, rotation)."""
        assert self.process is not None and self.process.poll() is None
        self.write(config)
        self.process.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def log_entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Access-log lines written after byte offset `since` (nginx writes them unbuffered).
        Only whole lines: a worker may be half-way through writing the last one."""
        with self.access_log.open("rb") as log:
            log.seek(since)
            written = log.read()
        whole = written[: written.rfind(b"\n") + 1]
        return [json.loads(line) for line in whole.splitlines() if line.strip()]

    def served_by(self, since: int = 0, uri_prefix: str = "/") -> Counter[str]:
        """Requests per upstream that answered them (the last try of each), from the log."""
        return Counter(
            entry["upstream"].split(", ")[-1]
            for entry in self.log_entries(since)
            if entry["uri"].startswith(uri_prefix) and entry["upstream"]
        )

    def rss_mib(self) -> float:
        """Master + workers."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        tasks = Path(f"/proc/{self.process.pid}/task")
        workers = [int(p) for t in tasks.iterdir() for p in (t / "children").read_text().split()]
        return rss_mib(self.process.pid) + sum(map(rss_mib, workers))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@dataclass
class Tier:
    """The replicas of one service behind one nginx upstream, restartable on their ports."""

    name: str
    nginx: Nginx
    replicas: list[RunningProcess]
    launch: Callable[[int | None], RunningProcess]  # start one (on this port, or a free one)

    def upstream(self, replica: RunningProcess) -> str:
        return f"127.0.0.1:{replica.port}"

    def config(self, excluded: RunningProcess | None = None) -> NginxConfig:
        return self.nginx.config([self.upstream(r) for r in self.replicas if r is not excluded])

    def restart(self, index: int) -> RunningProcess:
        """Start replica `index` again on its port (after it stopped)."""
        old = self.replicas[index]
        assert not old.is_running()
        self.replicas[index] = new = self.launch(old.port)
        return new


def metric_sum(text: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus counter's samples whose labels include `labels`."""
    total = 0.0
    for match in re.finditer(rf"^{name}\{{([^}}]*)\}}\s+(\S+)$", text, re.M):
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1)))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(2))
    return total


def client_on(address: str, base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client whose connections leave from `address` (another loopback address)."""
    transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=15.0, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# ---- load --------------------------------------------------------------------------------------

CLEAN_FAILURES = {502, 503}
WRITE_ATTEMPTS = 6  # a client retries a clean 502/503 with the same Idempotency-Key


@dataclass
class LoadResult:
    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    unclean: list[str] = field(default_factory=list)  # failures a client could not act on
    acknowledged: dict[str, str] = field(default_factory=dict)  # Idempotency-Key → payment id
    attempted: list[str] = field(default_factory=list)  # every key sent
    retried: int = 0  # writes re-sent after a clean 502/503 (the client's retry)
    reconnected: int = 0  # requests re-sent on a new connection: nginx closed an idle one
    given_up: int = 0  # writes still failing after WRITE_ATTEMPTS
    successes: int = 0
    marks: dict[str, int] = field(default_factory=dict)  # event → successes before it
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)

    def mark(self, event: str) -> None:
        self.marks[event] = self.successes

    def successes_between(self, first: str, then: str | None = None) -> int:
        return (self.marks[then] if then else self.successes) - self.marks[first]

    def summary(self) -> dict[str, Any]:
        seconds = max(self.finished - self.started, 1e-9)
        return {
            "requests": self.total,
            "seconds": round(seconds, 2),
            "rps": round(self.total / seconds, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "kinds": dict(self.by_kind),
            "payments_acknowledged": len(self.acknowledged),
            "retried_writes": self.retried,
            "reconnected": self.reconnected,
            "given_up_writes": self.given_up,
            "unclean": self.unclean[:5],
        }


Request = Callable[[httpx.AsyncClient, LoadResult], Awaitable[None]]


def _is_clean_failure(response: httpx.Response) -> bool:
    """A 502/503 with a JSON envelope (ours or nginx's) that a client can retry."""
    if response.status_code not in CLEAN_FAILURES:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("success") is False


def record(result: LoadResult, kind: str, response: httpx.Response, ok: set[int]) -> bool:
    result.statuses[response.status_code] += 1
    result.by_kind[kind] += 1
    if response.status_code in ok:
        result.successes += 1
        return True
    if not _is_clean_failure(response):
        result.unclean.append(f"{kind} {response.status_code} {response.text[:200]}")
    return False


async def send(
    client: httpx.AsyncClient, result: LoadResult, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request as an HTTP client library sends it: when the balancer closed the kept-alive
    connection just as the request went out (nginx does on a reload: its old worker closes its
    idle connections — a clean EOF, or a reset when the request was already in its socket),
    nothing was answered and the request goes again on a new connection, as browsers do. Any
    other transport failure (one after the answer began, say) is raised (and counted as
    unclean)."""
    try:
        return await client.request(method, url, **kwargs)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        if not _unanswered(exc):
            raise
    result.reconnected += 1
    return await client.request(method, url, **kwargs)


def _unanswered(exc: httpx.TransportError) -> bool:
    """The connection failed before any byte of an answer: writing the request, or waiting
    for the status line (httpcore's `_receive_response_headers`)."""
    if isinstance(exc, httpx.WriteError):
        return True
    cause: BaseException | None = exc
    while cause is not None:  # httpx re-raises httpcore's error: the frames are on its cause
        traceback = cause.__traceback__
        while traceback is not None:
            if traceback.tb_frame.f_code.co_name == "_receive_response_headers":
                return True
            traceback = traceback.tb_next
        cause = cause.__cause__ or cause.__context__
    return False


def payment_body(key: str) -> dict[str, Any]:
    """A payment whose description names its key, so the table shows which request made it."""
    return {"type": "payment", "amount": "12.50", "currency": "USD", "description": f"scale {key}"}


def payments_mix(tokens: Sequence[str]) -> Request:
    """Customers (taken in turn, so no one reaches the router's per-user limit) create payments,
    each with its own Idempotency-Key, retried with the same key after a clean 502/503 as a real
    client would; every fourth request reads a payment back (`GET /api/payments/{id}`)."""
    counter = itertools.count()
    latest: dict[int, str] = {}  # customer → their latest acknowledged payment

    async def one(client: httpx.AsyncClient, result: LoadResult) -> None:
        n = next(counter)
        customer = n % len(tokens)
        headers = bearer(tokens[customer])
        if n % 4 == 3 and customer in latest:
            url = f"/api/payments/{latest[customer]}"
            read = await send(client, result, "GET", url, headers=headers)
            record(result, "read", read, {200})
            return
        key = uuid.uuid4().hex
        result.attempted.append(key)
        headers["idempotency-key"] = key
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                result.retried += 1
                await asyncio.sleep(0.1 * attempt)
            response = await send(
                client, result, "POST", "/api/payments", json=payment_body(key), headers=headers
            )
            if record(result, "create", response, {201}):
                result.acknowledged[key] = latest[customer] = response.json()["data"]["id"]
                return
            if response.status_code not in CLEAN_FAILURES:
                return
        result.given_up += 1

    return one


async def run_load(
    base_url: str,
    request: Request,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    stop: asyncio.Event,
    result: LoadResult | None = None,
) -> LoadResult:
    """`concurrency` clients send `request` until `stop` is set, `max_requests` were sent or
    `max_seconds` passed, whichever comes first."""
    result = result or LoadResult()
    deadline = time.monotonic() + max_seconds
    sent = itertools.count()

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=15.0) as client:
            while not stop.is_set() and time.monotonic() < deadline:
                if next(sent) >= max_requests:
                    return
                try:
                    await request(client, result)
                except httpx.HTTPError as exc:  # nginx always answers: this is unclean
                    result.statuses[0] += 1
                    result.unclean.append(f"transport {type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.finished = time.monotonic()
    return result
