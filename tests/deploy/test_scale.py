"""Scale-out, proven: replicas as separate processes against one PostgreSQL and one Redis, nginx
from Debian in front (the project's config, rendered for local ports).

- requests spread over both replicas (nginx's access log and each replica's /metrics);
- the login throttle, a rate limit and the logout deny-list hold across replicas;
- X-Forwarded-For is believed only from the trusted proxy;
- one replica SIGKILLed and one SIGTERMed mid-load: every failure is a clean 502/503, the load
  goes on, no acknowledged write is lost or doubled;
- a rolling restart under load (out of nginx's rotation, SIGTERM, restart, back in): zero 5xx.

Topology today: nginx → two auth subgraph replicas (nginx presents the router credential, as the
router will). When the router and the payments subgraph land, the same tests run with nginx →
two routers → nginx's subgraph balancer → two payments replicas (+ the others).

Short profile in `make test`; SCALE_FULL=1 for the full one; SCALE_REPORT=FILE keeps the figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from shared.config import Settings
from tests.deploy.scale import (
    PASSWORD,
    PROXY_ADDRESS,
    LoadResult,
    Nginx,
    Profile,
    auth_mix,
    bearer,
    client_on,
    register,
    run_load,
    unique_email,
)
from tests.harness import Platform, RunningProcess

PROFILE = Profile.current()
LOGIN_MAX_FAILURES = 5
RESET_ATTEMPT_LIMIT = 10  # subgraphs/auth/service.py
READMIT_SECONDS = 10.0  # bound on waiting for nginx to send to a restarted replica again
# A Redis database of the scale test's own: the suite's (1 + xdist worker) are flushed after
# every test, by this run and by any other run on the machine.
SCALE_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379") + "/15"
REPORT: dict[str, Any] = {"profile": "full" if PROFILE.concurrency > 6 else "short"}


@dataclass
class Cluster:
    settings: Settings
    platform: Platform
    nginx: Nginx
    replicas: list[RunningProcess] = field(default_factory=list)

    @property
    def router_headers(self) -> dict[str, str]:
        """What the router presents to a subgraph (for calls that bypass nginx)."""
        return {"x-router-secret": self.settings.subgraph_secret}

    def upstream(self, replica: RunningProcess) -> str:
        return f"127.0.0.1:{replica.port}"

    def nginx_config(self, excluded: RunningProcess | None = None) -> Any:
        return self.nginx.config(
            routers=[self.upstream(r) for r in self.replicas if r is not excluded],
            edge_headers={"X-Router-Secret": self.settings.subgraph_secret},
        )

    def restart(self, index: int) -> RunningProcess:
        """Start replica `index` again on its port (after it stopped)."""
        old = self.replicas[index]
        assert not old.is_running()
        new = self.platform.subgraph("auth", port=old.port)
        self.replicas[index] = new
        return new


@pytest.fixture(scope="module")
def cluster(
    settings: Settings, nginx_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("scale")
    settings = settings.model_copy(update={"redis_url": SCALE_REDIS_URL})
    platform = Platform(
        settings,
        workdir,
        env_extra={
            "TRUSTED_PROXIES": PROXY_ADDRESS,
            "LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
            "DRAIN_SECONDS": "1",
            "GRACEFUL_TIMEOUT": "10",
        },
    )
    nginx = Nginx(nginx_binary, workdir)
    cluster = Cluster(settings, platform, nginx)
    try:
        cluster.replicas = [platform.subgraph("auth"), platform.subgraph("auth")]
        nginx.start(cluster.nginx_config())
        yield cluster
        REPORT["rss_mib"] = _memory(cluster)
    finally:
        nginx.stop()
        platform.stop_all()
        _write_report()


@pytest.fixture
async def scale_redis(cluster: Cluster) -> AsyncIterator[Redis]:
    """The cluster's Redis, empty at the start of each test."""
    client = Redis.from_url(SCALE_REDIS_URL, decode_responses=True)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.flushdb()
        await client.aclose()


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _memory(cluster: Cluster) -> dict[str, float]:
    """Resident memory of each process after the load (sizing figures for docs/scaling.md)."""
    memory = {f"replica:{r.port}": _rss_mib(r.process.pid) for r in cluster.replicas}
    if cluster.nginx.process is not None:
        children = Path(f"/proc/{cluster.nginx.process.pid}/task")
        workers = [
            int(pid)
            for task in children.iterdir()
            for pid in (task / "children").read_text().split()
        ]
        memory["nginx"] = _rss_mib(cluster.nginx.process.pid) + sum(map(_rss_mib, workers))
    return memory


def _write_report() -> None:
    text = json.dumps(REPORT, indent=2, sort_keys=True)
    print(f"\nscale test figures:\n{text}")  # shown with -s; kept in SCALE_REPORT
    if path := os.environ.get("SCALE_REPORT"):
        Path(path).write_text(text + "\n")


async def _get_requests_total(client: httpx.AsyncClient, replica: RunningProcess) -> float:
    """GET requests the replica counted in its Prometheus metrics."""
    text = (await client.get(f"{replica.url}/metrics")).text
    pattern = re.compile(r'^http_requests_total\{[^}]*method="GET"[^}]*\}\s+([0-9.e+]+)$', re.M)
    return sum(float(value) for value in pattern.findall(text))


async def _users_stored(settings: Settings, emails: list[str]) -> Counter[str]:
    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(
            "SELECT email, count(*) AS n FROM auth.users WHERE email = ANY($1::text[]) "
            "GROUP BY email",
            emails,
        )
    finally:
        await connection.close()
    return Counter({row["email"]: row["n"] for row in rows})


async def _wait_until_served(cluster: Cluster, replica: RunningProcess, since: int) -> None:
    """Under load, until nginx's log shows `replica` answering again (bounded). A failed attempt
    is logged too (`upstream` lists every try), so only a try with a real answer counts."""
    address = cluster.upstream(replica)
    deadline = time.monotonic() + READMIT_SECONDS
    while time.monotonic() < deadline:
        for entry in cluster.nginx.log_entries(since):
            tries = zip(
                entry["upstream"].split(", "), entry["upstream_status"].split(", "), strict=False
            )
            if any(u == address and s.isdigit() and int(s) < 500 for u, s in tries):
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"nginx did not send to {replica.url} again in {READMIT_SECONDS} s")


# ---- state lives in PostgreSQL/Redis, not in a process -----------------------------------------


async def test_requests_spread_over_both_replicas(cluster: Cluster, scale_redis: Redis) -> None:
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        token = (await register(client, unique_email("spread")))["accessToken"]
        before = [await _get_requests_total(client, r) for r in cluster.replicas]
        offset = cluster.nginx.log_offset()
        for _ in range(PROFILE.spread_requests):
            response = await client.get("/api/auth/me", headers=bearer(token))
            assert response.status_code == 200, response.text
        after = [await _get_requests_total(client, r) for r in cluster.replicas]

    entries = [e for e in cluster.nginx.log_entries(offset) if e["uri"] == "/api/auth/me"]
    by_upstream = Counter(entry["upstream"] for entry in entries)
    expected = {cluster.upstream(r) for r in cluster.replicas}
    assert set(by_upstream) == expected, by_upstream
    counted = [b - a for a, b in zip(before, after, strict=True)]
    for replica, served in zip(cluster.replicas, counted, strict=True):
        # Each replica's own count agrees with nginx's (its /metrics scrape adds one).
        assert served >= by_upstream[cluster.upstream(replica)]
        assert served >= 0.3 * PROFILE.spread_requests, (counted, by_upstream)
    REPORT["spread"] = {"requests": len(entries), "per_replica": dict(by_upstream)}


async def test_login_throttle_holds_across_replicas(cluster: Cluster, scale_redis: Redis) -> None:
    email = unique_email("throttle")
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        await register(client, email)
        offset = cluster.nginx.log_offset()
        for _ in range(LOGIN_MAX_FAILURES):
            wrong = await client.post(
                "/api/auth/login", json={"email": email, "password": "not the password 1"}
            )
            assert wrong.status_code == 401, wrong.text
        failures_on = {
            e["upstream"]
            for e in cluster.nginx.log_entries(offset)
            if e["uri"] == "/api/auth/login"
        }
        right = await client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert failures_on == {cluster.upstream(r) for r in cluster.replicas}
    assert right.status_code == 429, right.text
    assert int(right.headers["retry-after"]) > 0
    # Each replica on its own refuses the account too, from a client address never seen.
    for replica in cluster.replicas:
        async with client_on("127.0.0.5", replica.url, headers=cluster.router_headers) as direct:
            answer = await direct.post(
                "/api/auth/login", json={"email": email, "password": PASSWORD}
            )
        assert answer.status_code == 429, (replica.url, answer.text)


async def test_rate_limit_holds_across_replicas(cluster: Cluster, scale_redis: Redis) -> None:
    """Password-reset attempts are limited per client address, wherever they land."""
    body = {"token": "not-a-reset-token", "newPassword": "a brand new passphrase 7"}
    async with client_on("127.0.0.6", cluster.nginx.url) as client:
        offset = cluster.nginx.log_offset()
        for _ in range(RESET_ATTEMPT_LIMIT):
            attempt = await client.post("/api/auth/reset-password", json=body)
            assert attempt.status_code == 400, attempt.text
        limited = await client.post("/api/auth/reset-password", json=body)
    landed = Counter(e["upstream"] for e in cluster.nginx.log_entries(offset))
    assert set(landed) == {cluster.upstream(r) for r in cluster.replicas}
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "RATE_LIMITED"


async def test_logout_deny_list_holds_across_replicas(cluster: Cluster, scale_redis: Redis) -> None:
    first, second = cluster.replicas
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        token = (await register(client, unique_email("logout")))["accessToken"]
    headers = {**cluster.router_headers, **bearer(token)}
    async with httpx.AsyncClient(timeout=15.0, headers=headers) as direct:
        assert (await direct.get(f"{second.url}/api/auth/me")).status_code == 200
        assert (await direct.post(f"{first.url}/api/auth/logout", json={})).status_code == 200
        refused = await direct.get(f"{second.url}/api/auth/me")
    assert refused.status_code == 401, refused.text
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        for _ in range(4):  # through nginx, on either replica
            assert (await client.get("/api/auth/me", headers=bearer(token))).status_code == 401


async def test_forwarded_for_is_believed_only_from_the_trusted_proxy(
    cluster: Cluster, scale_redis: Redis
) -> None:
    """A client on 127.0.0.3 claims to be 198.51.100.7: nginx appends the real address, the
    service believes only what the trusted proxy (127.0.0.2) vouches for."""
    spoofed = {"x-forwarded-for": "198.51.100.7"}
    async with client_on("127.0.0.3", cluster.nginx.url, headers=spoofed) as client:
        response = await client.post(
            "/api/auth/login", json={"email": unique_email("xff"), "password": "whatever 123"}
        )
    assert response.status_code == 401
    redis = scale_redis
    assert await redis.exists("throttle:login:ip:127.0.0.3")  # the real client, as nginx saw it
    assert not await redis.exists("throttle:login:ip:198.51.100.7")  # not the claimed one
    # Straight to a replica without the router's credential: refused.
    async with httpx.AsyncClient(timeout=15.0) as direct:
        refused = await direct.post(
            f"{cluster.replicas[0].url}/api/auth/login",
            json={"email": "a@scale.test", "password": "whatever 123"},
        )
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "ROUTER_REQUIRED"


# ---- faults and restarts under load --------------------------------------------------------


async def _start_load(cluster: Cluster, token: str, result: LoadResult) -> tuple[Any, Any]:
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_load(
            cluster.nginx.url,
            auth_mix(token),
            concurrency=PROFILE.concurrency,
            max_requests=PROFILE.max_requests,
            max_seconds=PROFILE.phase_seconds * 10 + 4 * READMIT_SECONDS + 60,
            stop=stop,
            result=result,
        )
    )
    return stop, task


async def _assert_writes_kept(cluster: Cluster, result: LoadResult) -> int:
    stored = await _users_stored(cluster.settings, result.acknowledged)
    lost = [email for email in result.acknowledged if stored[email] == 0]
    doubled = [email for email, n in stored.items() if n > 1]
    assert not lost, f"acknowledged but not stored: {lost[:5]}"
    assert not doubled, f"stored twice: {doubled[:5]}"
    return len(result.acknowledged)


async def test_sigkill_and_sigterm_mid_load(cluster: Cluster, scale_redis: Redis) -> None:
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        token = (await register(client, unique_email("faults")))["accessToken"]
    result = LoadResult()
    stop, load = await _start_load(cluster, token, result)
    try:
        await asyncio.sleep(PROFILE.phase_seconds)
        killed = cluster.replicas[0]
        result.mark("sigkill")
        killed.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(killed.process.wait, 10)
        await asyncio.sleep(PROFILE.phase_seconds)

        offset = cluster.nginx.log_offset()
        restarted = await asyncio.to_thread(cluster.restart, 0)
        await _wait_until_served(cluster, restarted, offset)

        result.mark("sigterm")
        exit_code = await asyncio.to_thread(cluster.replicas[1].stop, signal.SIGTERM, 30.0)
        assert exit_code == 0, "a SIGTERMed replica drains and exits 0"
        await asyncio.sleep(PROFILE.phase_seconds)
        offset = cluster.nginx.log_offset()
        restarted = await asyncio.to_thread(cluster.restart, 1)
        await _wait_until_served(cluster, restarted, offset)
        await asyncio.sleep(PROFILE.phase_seconds)
    finally:
        stop.set()
        await load
    REPORT["sigkill_sigterm"] = summary = result.summary()
    assert not result.unclean, result.unclean[:5]
    assert set(result.statuses) <= {200, 201, 409, 502, 503}, result.statuses
    assert result.successes_after["sigkill"] > 0 and result.successes_after["sigterm"] > 0
    summary["writes_checked"] = await _assert_writes_kept(cluster, result)


async def _wait_until_idle(cluster: Cluster, replica: RunningProcess) -> None:
    """After a reload without `replica`: until nginx's old worker sent it its last request."""
    deadline = time.monotonic() + READMIT_SECONDS
    while time.monotonic() < deadline:
        offset = cluster.nginx.log_offset()
        await asyncio.sleep(0.5)
        if not any(
            cluster.upstream(replica) in entry["upstream"]
            for entry in cluster.nginx.log_entries(offset)
        ):
            return
    raise AssertionError(f"nginx still sends to {replica.url} after the reload")


async def test_rolling_restart_under_load_has_no_5xx(cluster: Cluster, scale_redis: Redis) -> None:
    """The deploy procedure with nginx: out of rotation (reload), SIGTERM (drain, finish,
    exit 0), start the new process, back into rotation (reload) — one replica at a time."""
    async with httpx.AsyncClient(base_url=cluster.nginx.url, timeout=15.0) as client:
        token = (await register(client, unique_email("rolling")))["accessToken"]
    result = LoadResult()
    stop, load = await _start_load(cluster, token, result)
    exit_codes = []
    try:
        await asyncio.sleep(PROFILE.phase_seconds)
        for index in range(len(cluster.replicas)):
            result.mark(f"restart-{index}")
            leaving = cluster.replicas[index]
            cluster.nginx.reload(cluster.nginx_config(excluded=leaving))
            await _wait_until_idle(cluster, leaving)
            exit_codes.append(await asyncio.to_thread(leaving.stop, signal.SIGTERM, 30.0))
            restarted = await asyncio.to_thread(cluster.restart, index)
            offset = cluster.nginx.log_offset()
            cluster.nginx.reload(cluster.nginx_config())
            await _wait_until_served(cluster, restarted, offset)
            await asyncio.sleep(PROFILE.phase_seconds)
    finally:
        stop.set()
        await load
    REPORT["rolling_restart"] = summary = result.summary()
    assert exit_codes == [0, 0]
    assert not result.unclean, result.unclean[:5]
    assert result.server_errors == 0, result.statuses
    assert all(n > 0 for n in result.successes_after.values())
    summary["writes_checked"] = await _assert_writes_kept(cluster, result)
