"""The scale test's machinery: nginx from Debian in front of replicas started with the project's
harness, and a bounded load generator that records every answer.

Every target is on 127.0.0.0/8. nginx talks to the replicas from 127.0.0.2 (`proxy_bind`), the
only address in TRUSTED_PROXIES, so a client on 127.0.0.1 or 127.0.0.3 is *not* a proxy and
its `X-Forwarded-For` must be ignored."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.render_nginx import NginxConfig, render
from tests.harness import free_port

PROXY_ADDRESS = "127.0.0.2"
PASSWORD = "correct horse battery staple 42"
FULL = os.environ.get("SCALE_FULL", "") not in ("", "0")


@dataclass(frozen=True)
class Profile:
    """How hard and how long: short in `make test`, full with SCALE_FULL=1."""

    concurrency: int
    phase_seconds: float  # load before/between/after each fault
    spread_requests: int
    max_requests: int  # a hard bound on any one load run

    @classmethod
    def current(cls) -> Profile:
        if FULL:
            return cls(concurrency=16, phase_seconds=8.0, spread_requests=2000, max_requests=60000)
        return cls(concurrency=6, phase_seconds=1.5, spread_requests=120, max_requests=6000)


@dataclass
class Nginx:
    binary: Path
    workdir: Path
    edge_port: int = field(default_factory=free_port)
    subgraph_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.edge_port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def config(self, **overrides: Any) -> NginxConfig:
        return NginxConfig(
            edge_listen=f"127.0.0.1:{self.edge_port}",
            runtime_dir=str(self.workdir),
            foreground=True,
            worker_processes="1",  # one worker: the passive-health counters are exact
            proxy_bind=PROXY_ADDRESS,
            fail_timeout="2s",
            **overrides,
        )

    def write(self, config: NginxConfig) -> Path:
        path = self.workdir / "nginx.conf"
        path.write_text(render(config))
        return path

    def start(self, config: NginxConfig) -> None:
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
        """Access-log lines written after byte offset `since` (nginx writes them unbuffered)."""
        with self.access_log.open("rb") as log:
            log.seek(since)
            return [json.loads(line) for line in log.read().splitlines() if line.strip()]


def unique_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@scale.test"


def client_on(address: str, base_url: str, **kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client whose connections leave from `address` (another loopback address)."""
    transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=15.0, **kwargs)


async def register(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Scale Test"}
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# ---- load --------------------------------------------------------------------------------------

CLEAN_FAILURES = {502, 503}


@dataclass
class LoadResult:
    statuses: Counter[int] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    unclean: list[str] = field(default_factory=list)  # failures a client could not act on
    acknowledged: list[str] = field(default_factory=list)  # writes answered 2xx
    retried: int = 0  # writes re-sent after a clean 502/503 (the client's retry)
    successes_after: dict[str, int] = field(default_factory=dict)  # per event, 2xx after it
    events: list[tuple[str, float]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500 or status == 0)

    def mark(self, event: str) -> None:
        self.events.append((event, time.monotonic()))
        self.successes_after[event] = 0

    def summary(self) -> dict[str, Any]:
        seconds = max(self.finished - self.started, 1e-9)
        return {
            "requests": self.total,
            "seconds": round(seconds, 2),
            "rps": round(self.total / seconds, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "kinds": dict(self.by_kind),
            "acknowledged_writes": len(self.acknowledged),
            "retried_writes": self.retried,
            "unclean": self.unclean[:5],
            "successes_after": self.successes_after,
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
        for event in result.successes_after:
            result.successes_after[event] += 1
        return True
    if not _is_clean_failure(response):
        result.unclean.append(f"{kind} {response.status_code} {response.text[:200]}")
    return False


def auth_mix(token: str) -> Request:
    """Three reads (`GET /me`) to one write (a registration, retried with the same email after
    a clean 502/503 — a 409 then proves the first attempt landed, never twice)."""
    counter = itertools.count()

    async def one(client: httpx.AsyncClient, result: LoadResult) -> None:
        if next(counter) % 4:
            response = await client.get("/api/auth/me", headers=bearer(token))
            record(result, "read", response, {200})
            return
        email = unique_email("load")
        body = {"email": email, "password": PASSWORD, "name": "Load"}
        for attempt in range(3):
            response = await client.post("/api/auth/register", json=body)
            if attempt and response.status_code == 409:  # the earlier attempt was stored
                result.statuses[409] += 1
                result.acknowledged.append(email)
                return
            if record(result, "write", response, {201}):
                result.acknowledged.append(email)
                return
            if response.status_code not in CLEAN_FAILURES:
                return
            result.retried += 1
            await asyncio.sleep(0.05)

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
