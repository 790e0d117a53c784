"""Scale-out, proven: the platform as separate processes against one PostgreSQL and one Redis,
with nginx from Debian in front (the project's config, rendered for local ports):

    client ─► edge nginx ─► router x2 ─► internal nginx ─► payments x2
                                    └─► auth, admin, profile (one each)

- requests spread over both routers and both payments replicas (nginx's access logs and each
  replica's /metrics);
- the login throttle, a rate limit and the logout deny-list hold across router replicas;
- X-Forwarded-For is believed only from the trusted proxy;
- under a load of payment creations (each with its own Idempotency-Key, retried with it after a
  clean 502/503), a router SIGKILLed and a payments replica SIGTERMed: every failure is a clean
  502/503, the load goes on on the survivors, and each acknowledged payment is stored exactly
  once (the payments table, by key);
- a rolling restart of every router and payments replica under load (out of nginx's rotation,
  SIGTERM, restart, back in): zero 5xx, nothing lost or doubled. (The short profile replaces one
  replica of each tier: a start costs seconds of CPU.)

Short profile in `make test`; SCALE_FULL=1 (`make scale-test`) for the full one, which prints
its figures (SCALE_REPORT=FILE keeps them).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from router.edge.ratelimit import RateLimits
from router.supergraph.source import compose_from_config, read_supergraph_config
from shared.config import Settings
from shared.graphql.context import Resources
from shared.rbac import Role
from tests.deploy.scale import (
    PROXY_ADDRESS,
    LoadResult,
    Nginx,
    Profile,
    Tier,
    bearer,
    client_on,
    metric_sum,
    payment_body,
    payments_mix,
    rss_mib,
    run_load,
)
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.harness import Platform, RunningProcess, write_supergraph_config

PROFILE = Profile.current()
LOGIN_MAX_FAILURES = 5
SENSITIVE_LIMIT = RateLimits().sensitive  # the router's per-address limit on credential routes
READMIT_SECONDS = 15.0  # bound on waiting for nginx to send to a restarted replica again
START_TIMEOUT_SECONDS = 120.0  # a start is seconds of CPU: long on a busy two-core machine
REPORT: dict[str, Any] = {"profile": PROFILE.name}


@dataclass
class Cluster:
    settings: Settings
    platform: Platform
    routers: Tier
    payments: Tier

    @property
    def edge(self) -> Nginx:
        return self.routers.nginx

    @property
    def tiers(self) -> tuple[Tier, Tier]:
        return self.routers, self.payments


def _in_parallel(*starts: Any) -> list[RunningProcess]:
    """Start processes two at a time (each start waits for its /health): a start is seconds of
    CPU (imports), and the machine may have two cores only."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda start: start(), starts))


@pytest.fixture(scope="module")
def cluster(
    settings: Settings, nginx_binary: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("scale")
    platform = Platform(
        settings,
        workdir,
        env_extra={
            "TRUSTED_PROXIES": PROXY_ADDRESS,
            "LOGIN_MAX_FAILURES": str(LOGIN_MAX_FAILURES),
            "DRAIN_SECONDS": "1",
            "GRACEFUL_TIMEOUT": "10",
        },
        start_timeout=START_TIMEOUT_SECONDS,
    )
    inner = Nginx(nginx_binary, workdir / "nginx-payments", subgraph="payments")
    edge = Nginx(nginx_binary, workdir / "nginx-edge")
    supergraph = workdir / "supergraph.graphql"

    def payments(port: int | None = None) -> RunningProcess:
        return platform.subgraph("payments", port=port)

    def router(port: int | None = None) -> RunningProcess:
        return platform.router(supergraph, port=port)

    started = time.monotonic()
    try:
        auth, admin, profile, *payment_replicas = _in_parallel(
            lambda: platform.subgraph("auth"),
            lambda: platform.subgraph("admin"),
            lambda: platform.subgraph("profile"),
            payments,
            payments,
        )
        payments_tier = Tier("payments", inner, payment_replicas, payments)
        inner.start(payments_tier.config())
        # The routers reach payments through its balancer, the others directly (one each).
        ports = {"auth": auth.port, "payments": inner.port, "admin": admin.port}
        ports["profile"] = profile.port
        config = write_supergraph_config(workdir / "supergraph.yaml", ports)
        _compose(config, supergraph, settings)
        routers_tier = Tier("router", edge, _in_parallel(router, router), router)
        edge.start(routers_tier.config())
        cluster = Cluster(settings, platform, routers_tier, payments_tier)
        REPORT["start_seconds"] = round(time.monotonic() - started, 1)  # 7 processes, 2 nginx
        yield cluster
        REPORT["rss_mib"] = {
            **{f"{p.name}:{p.port}": rss_mib(p.process.pid) for p in _live(platform)},
            "nginx-edge": edge.rss_mib(),
            "nginx-payments": inner.rss_mib(),
        }
    finally:
        edge.stop()
        inner.stop()
        for running in _live(platform):  # all drain at once; stop_all then waits for each
            running.process.send_signal(signal.SIGTERM)
        platform.stop_all()
        _write_report()


def _compose(config: Path, output: Path, settings: Settings) -> None:
    """The supergraph SDL composed once (as CI would): the routers start from the file, without
    composing at start-up — seconds of CPU saved on every router (re)start."""
    sdl, missing = asyncio.run(
        compose_from_config(read_supergraph_config(config), settings.subgraph_secret)
    )
    assert not missing, missing
    output.write_text(sdl)


def _live(platform: Platform) -> list[RunningProcess]:
    return [p for p in platform.processes if p.is_running()]


def _write_report() -> None:
    text = json.dumps(REPORT, indent=2, sort_keys=True)
    print(f"\nscale test figures:\n{text}")  # shown with -s; kept in SCALE_REPORT
    if path := os.environ.get("SCALE_REPORT"):
        Path(path).write_text(text + "\n")


async def _customers(resources: Resources, count: int) -> list[str]:
    users = [await create_user(resources, Role.CUSTOMER) for _ in range(count)]
    return [user.token for user in users]


async def _metrics(client: httpx.AsyncClient, replica: RunningProcess) -> str:
    return (await client.get(f"{replica.url}/metrics")).text


async def _payment_rows(settings: Settings, keys: list[str]) -> dict[str, list[str]]:
    """Payment ids stored per Idempotency-Key (each payment's description names its key)."""
    connection = await asyncpg.connect(settings.database_url)
    try:
        rows = await connection.fetch(
            "SELECT description, id FROM payments.payments WHERE description = ANY($1::text[])",
            [payment_body(key)["description"] for key in keys],
        )
    finally:
        await connection.close()
    stored: dict[str, list[str]] = {}
    for row in rows:
        stored.setdefault(row["description"].removeprefix("scale "), []).append(str(row["id"]))
    return stored


async def _wait_until_served(tier: Tier, replica: RunningProcess, since: int) -> None:
    """Under load, until nginx's log shows `replica` answering again (bounded). A failed attempt
    is logged too (`upstream` lists every try), so only a try with a real answer counts."""
    address = tier.upstream(replica)
    deadline = time.monotonic() + READMIT_SECONDS
    while time.monotonic() < deadline:
        for entry in tier.nginx.log_entries(since):
            tries = zip(
                entry["upstream"].split(", "), entry["upstream_status"].split(", "), strict=False
            )
            if any(u == address and s.isdigit() and int(s) < 500 for u, s in tries):
                return
        await asyncio.sleep(0.1)
    raise AssertionError(f"nginx did not send to {tier.name} {replica.url} in {READMIT_SECONDS} s")


async def _wait_until_idle(tier: Tier, replica: RunningProcess) -> None:
    """After a reload without `replica`: until nginx's old worker sent it its last request."""
    deadline = time.monotonic() + READMIT_SECONDS
    while time.monotonic() < deadline:
        offset = tier.nginx.log_offset()
        await asyncio.sleep(0.3)
        if not any(
            tier.upstream(replica) in entry["upstream"] for entry in tier.nginx.log_entries(offset)
        ):
            return
    raise AssertionError(f"nginx still sends to {tier.name} {replica.url} after the reload")


# ---- state lives in PostgreSQL/Redis, not in a process -----------------------------------------


async def test_requests_spread_over_routers_and_payments_replicas(
    cluster: Cluster, resources: Resources
) -> None:
    tokens = await _customers(resources, 8)
    routers, payments = cluster.routers.replicas, cluster.payments.replicas
    async with httpx.AsyncClient(base_url=cluster.edge.url, timeout=15.0) as client:
        before = [await _metrics(client, r) for r in (*routers, *payments)]
        edge_offset, inner_offset = cluster.edge.log_offset(), cluster.payments.nginx.log_offset()
        for n in range(PROFILE.spread_requests):
            response = await client.get("/api/payments", headers=bearer(tokens[n % len(tokens)]))
            assert response.status_code == 200, response.text
        after = [await _metrics(client, r) for r in (*routers, *payments)]

    by_router = cluster.edge.served_by(edge_offset, "/api/payments")
    by_payments = cluster.payments.nginx.served_by(inner_offset, "/api/payments")
    assert set(by_router) == {cluster.routers.upstream(r) for r in routers}, by_router
    assert set(by_payments) == {cluster.payments.upstream(r) for r in payments}, by_payments
    # Each replica's own count agrees with nginx's, and each took a fair share.
    router_ok = {"kind": "rest", "status": "200"}
    payments_ok = {"service": "payments", "route": "/api/payments", "status": "200"}
    counted = [
        metric_sum(b, "router_http_requests_total", **router_ok)
        - metric_sum(a, "router_http_requests_total", **router_ok)
        for a, b in zip(before[:2], after[:2], strict=True)
    ] + [
        metric_sum(b, "http_requests_total", **payments_ok)
        - metric_sum(a, "http_requests_total", **payments_ok)
        for a, b in zip(before[2:], after[2:], strict=True)
    ]
    logged = [by_router[cluster.routers.upstream(r)] for r in routers] + [
        by_payments[cluster.payments.upstream(r)] for r in payments
    ]
    assert counted == logged, (counted, logged)
    assert min(counted) >= 0.3 * PROFILE.spread_requests, counted
    REPORT["spread"] = {
        "requests": PROFILE.spread_requests,
        "per_router": dict(by_router),
        "per_payments_replica": dict(by_payments),
    }


async def test_login_throttle_holds_across_routers(cluster: Cluster, resources: Resources) -> None:
    user = await create_user(resources, Role.CUSTOMER)
    async with httpx.AsyncClient(base_url=cluster.edge.url, timeout=15.0) as client:
        offset = cluster.edge.log_offset()
        for _ in range(LOGIN_MAX_FAILURES):
            wrong = await client.post(
                "/api/auth/login", json={"email": user.email, "password": "not the password 1"}
            )
            assert wrong.status_code == 401, wrong.text
        failures_on = set(cluster.edge.served_by(offset, "/api/auth/login"))
        right = await client.post(
            "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
        )
    assert failures_on == {cluster.routers.upstream(r) for r in cluster.routers.replicas}
    assert right.status_code == 429, right.text
    assert int(right.headers["retry-after"]) > 0
    # Each router on its own refuses the account too, from a client address never seen.
    for router in cluster.routers.replicas:
        async with client_on("127.0.0.5", router.url) as direct:
            answer = await direct.post(
                "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
            )
        assert answer.status_code == 429, (router.url, answer.text)


async def test_rate_limit_holds_across_routers(cluster: Cluster, resources: Resources) -> None:
    """The router's limit on the credential routes counts one client address, wherever its
    requests land."""
    async with client_on("127.0.0.6", cluster.edge.url) as client:
        offset = cluster.edge.log_offset()
        for n in range(SENSITIVE_LIMIT):
            body = {"email": f"nobody-{n}@scale.test"}
            attempt = await client.post("/api/auth/forgot-password", json=body)
            assert attempt.status_code == 200, attempt.text
        limited = await client.post(
            "/api/auth/forgot-password", json={"email": "nobody-else@scale.test"}
        )
    landed = cluster.edge.served_by(offset, "/api/auth/forgot-password")
    assert set(landed) == {cluster.routers.upstream(r) for r in cluster.routers.replicas}
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert limited.headers["ratelimit-limit"] == str(SENSITIVE_LIMIT)


async def test_logout_deny_list_holds_across_routers(
    cluster: Cluster, resources: Resources
) -> None:
    first, second = cluster.routers.replicas
    user = await create_user(resources, Role.CUSTOMER)
    async with httpx.AsyncClient(timeout=15.0) as direct:
        login = await direct.post(
            f"{first.url}/api/auth/login",
            json={"email": user.email, "password": DEFAULT_PASSWORD},
        )
        assert login.status_code == 200, login.text
        headers = bearer(login.json()["data"]["accessToken"])
        assert (await direct.get(f"{second.url}/api/payments", headers=headers)).status_code == 200
        logout = await direct.post(f"{first.url}/api/auth/logout", json={}, headers=headers)
        assert logout.status_code == 200, logout.text
        refused = await direct.get(f"{second.url}/api/payments", headers=headers)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "TOKEN_REVOKED"
    async with httpx.AsyncClient(base_url=cluster.edge.url, timeout=15.0) as client:
        for _ in range(4):  # through nginx, on either router
            assert (await client.get("/api/auth/me", headers=headers)).status_code == 401


async def test_forwarded_for_is_believed_only_from_the_trusted_proxy(
    cluster: Cluster, redis: Redis
) -> None:
    """A client on 127.0.0.3 claims to be 198.51.100.7: nginx appends the real address, the
    router and the subgraph believe only what the trusted proxy (127.0.0.2) vouches for."""
    spoofed = {"x-forwarded-for": "198.51.100.7"}
    async with client_on("127.0.0.3", cluster.edge.url, headers=spoofed) as client:
        response = await client.post(
            "/api/auth/login", json={"email": "xff@scale.test", "password": "whatever 123"}
        )
    assert response.status_code == 401
    assert await redis.exists("throttle:login:ip:127.0.0.3")  # the real client, as nginx saw it
    assert not await redis.exists("throttle:login:ip:198.51.100.7")  # not the claimed one
    assert await redis.exists("ratelimit:sensitive:/api/auth/login:127.0.0.3")  # the router too
    # Straight to a router, the same claim is the client's own: not believed either.
    router = cluster.routers.replicas[0]
    async with client_on("127.0.0.4", router.url, headers=spoofed) as direct:
        await direct.post(
            "/api/auth/login", json={"email": "xff@scale.test", "password": "whatever 123"}
        )
    assert await redis.exists("throttle:login:ip:127.0.0.4")
    assert not await redis.exists("throttle:login:ip:198.51.100.7")


# ---- faults and restarts under load ------------------------------------------------------------


async def _start_load(
    cluster: Cluster, resources: Resources, result: LoadResult
) -> tuple[asyncio.Event, asyncio.Task[LoadResult]]:
    tokens = await _customers(resources, PROFILE.concurrency * 2)
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_load(
            cluster.edge.url,
            payments_mix(tokens),
            concurrency=PROFILE.concurrency,
            max_requests=PROFILE.max_requests,
            max_seconds=PROFILE.phase_seconds * 10 + 8 * READMIT_SECONDS + 60,
            stop=stop,
            result=result,
        )
    )
    return stop, task


async def _assert_payments_kept(cluster: Cluster, result: LoadResult) -> dict[str, int]:
    """Each acknowledged key: exactly its one payment. Any key: at most one payment."""
    stored = await _payment_rows(cluster.settings, result.attempted)
    lost = [k for k in result.acknowledged if k not in stored]
    doubled = {k: ids for k, ids in stored.items() if len(ids) > 1}
    other = [k for k, pid in result.acknowledged.items() if stored.get(k, [pid]) != [pid]]
    assert not lost, f"acknowledged but not stored: {lost[:5]}"
    assert not doubled, f"stored twice: {list(doubled.items())[:5]}"
    assert not other, f"stored under another id than acknowledged: {other[:5]}"
    # A key the client gave up on may have landed (once) or not: never twice, as checked above.
    return {"keys_checked": len(result.attempted), "acknowledged_stored_once": len(stored)}


async def test_rolling_restart_under_load_has_no_5xx(
    cluster: Cluster, resources: Resources
) -> None:
    """The deploy procedure with nginx, one replica at a time, routers then payments: out of
    rotation (reload), SIGTERM (drain, finish, exit 0), start the new process, back into
    rotation (reload)."""
    result = LoadResult()
    stop, load = await _start_load(cluster, resources, result)
    exit_codes = []
    timings: list[dict[str, Any]] = []
    try:
        await asyncio.sleep(PROFILE.phase_seconds)
        for tier in cluster.tiers:
            for index in range(PROFILE.restarts_per_tier):
                result.mark(f"{tier.name}-{index}")
                leaving = tier.replicas[index]
                tier.nginx.reload(tier.config(excluded=leaving))
                await _wait_until_idle(tier, leaving)
                began = time.monotonic()
                exit_codes.append(await asyncio.to_thread(leaving.stop, signal.SIGTERM, 30.0))
                stopped = time.monotonic()
                restarted = await asyncio.to_thread(tier.restart, index)
                timings.append(
                    {
                        "replica": f"{tier.name}-{index}",
                        "drain_and_exit_s": round(stopped - began, 1),
                        "start_s": round(time.monotonic() - stopped, 1),
                    }
                )
                offset = tier.nginx.log_offset()
                tier.nginx.reload(tier.config())
                await _wait_until_served(tier, restarted, offset)
                await asyncio.sleep(PROFILE.phase_seconds)
    finally:
        stop.set()
        await load
    REPORT["rolling_restart"] = summary = result.summary()
    summary["restarts"] = timings
    assert exit_codes == [0] * len(cluster.tiers) * PROFILE.restarts_per_tier
    assert not result.unclean, result.unclean[:5]
    assert result.server_errors == 0, result.statuses
    assert all(result.successes_between(event) > 0 for event in result.marks)
    summary["payments_checked"] = await _assert_payments_kept(cluster, result)
    by_status = Counter(result.statuses)
    assert set(by_status) <= {200, 201}, by_status


async def test_sigkill_a_router_and_sigterm_a_payments_replica_mid_load(
    cluster: Cluster, resources: Resources
) -> None:
    """Last in this module: it leaves one router and one payments replica."""
    result = LoadResult()
    stop, load = await _start_load(cluster, resources, result)
    try:
        await asyncio.sleep(PROFILE.phase_seconds)
        killed = cluster.routers.replicas[0]
        result.mark("router SIGKILL")
        killed.process.send_signal(signal.SIGKILL)
        await asyncio.to_thread(killed.process.wait, 10)
        await asyncio.sleep(PROFILE.phase_seconds)

        result.mark("payments SIGTERM")
        stopped = cluster.payments.replicas[1]
        exit_code = await asyncio.to_thread(stopped.stop, signal.SIGTERM, 30.0)
        assert exit_code == 0, "a SIGTERMed replica drains and exits 0"
        result.mark("survivors only")
        offsets = cluster.edge.log_offset(), cluster.payments.nginx.log_offset()
        await asyncio.sleep(PROFILE.phase_seconds)
    finally:
        stop.set()
        await load
    REPORT["sigkill_router_sigterm_payments"] = summary = result.summary()
    assert not result.unclean, result.unclean[:5]
    assert set(result.statuses) <= {200, 201, 502, 503}, result.statuses
    assert result.given_up == 0, summary
    for event in result.marks:
        assert result.successes_between(event) > 0, (event, result.marks, result.successes)
    # The load went on, on the survivors alone.
    survivors = cluster.routers.replicas[1], cluster.payments.replicas[0]
    on_routers = cluster.edge.served_by(offsets[0], "/api/payments")
    on_payments = cluster.payments.nginx.served_by(offsets[1], "/api/payments")
    assert set(on_routers) == {cluster.routers.upstream(survivors[0])}, on_routers
    assert set(on_payments) == {cluster.payments.upstream(survivors[1])}, on_payments
    summary["after_both_faults"] = {"per_router": on_routers, "per_payments": on_payments}
    summary["payments_checked"] = await _assert_payments_kept(cluster, result)
