"""The hot read path's building blocks: plain reads through asyncpg on the request's session
(`shared.db.fetch`), jsonb decoded as `json.loads` would, and one Redis round trip per
authenticated request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from shared.config_store import CACHE_KEY, MAINTENANCE_MODE, read_stored
from shared.db import fetch, json_loads
from shared.graphql.context import RequestContext, Resources
from shared.rbac import Role
from shared.security.denylist import revoke_token
from shared.security.tokens import decode_access_token
from tests.integration.conftest import statements_of


async def test_fetch_runs_in_the_sessions_transaction(resources: Resources) -> None:
    """In a write session a read sees the session's own uncommitted writes, and its statements
    share one transaction (one `now()`); after a rollback nothing of it is left."""
    async with resources.session_factory() as session:
        await session.connection()
        (first,) = await fetch(session, "SELECT now() AS at, txid_current() AS tx")
        await asyncio.sleep(0.01)
        (second,) = await fetch(session, "SELECT now() AS at, txid_current() AS tx")
        assert (first["at"], first["tx"]) == (second["at"], second["tx"])
        await fetch(session, "CREATE TEMP TABLE fetch_probe (n int) ON COMMIT DROP")
        await session.rollback()
        rows = await fetch(session, "SELECT to_regclass('pg_temp.fetch_probe') AS probe")
        assert rows[0]["probe"] is None


async def test_fetch_in_a_read_session_runs_each_statement_on_its_own(
    resources: Resources,
) -> None:
    assert resources.read_session_factory is not None
    async with resources.read_session_factory() as session:
        (first,) = await fetch(session, "SELECT now() AS at")
        await asyncio.sleep(0.01)
        (second,) = await fetch(session, "SELECT now() AS at")
        assert first["at"] < second["at"]  # no transaction holds `now()` still


async def test_a_read_session_gives_its_pooled_connection_back(resources: Resources) -> None:
    """`fetch` in a read session holds one pooled connection, used by its statements one at a
    time, and returned when the session closes (also beside SQLAlchemy's own statements)."""
    assert resources.read_session_factory is not None
    pool = resources.session_factory.kw["bind"].sync_engine.pool
    before = pool.checkedout()
    async with resources.read_session_factory() as session:
        answers = await asyncio.gather(
            *(fetch(session, "SELECT pg_backend_pid() AS pid, $1::int AS n", n) for n in range(5))
        )
        assert [row["n"] for (row,) in answers] == list(range(5))
        assert len({row["pid"] for (row,) in answers}) == 1
        assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        assert pool.checkedout() == before + 2
    assert pool.checkedout() == before


async def test_fetch_decodes_jsonb_uuid_and_numeric(resources: Resources) -> None:
    async with resources.session_factory() as session:
        (row,) = await fetch(
            session,
            "SELECT $1::jsonb AS doc, $2::uuid AS id, 12.50::numeric(10,2) AS amount",
            '{"a": [1, 2.5, null], "big": 123456789012345678901234567890}',
            "6f9619ff-8b86-d011-b42d-00cf4fc964ff",
        )
    assert row["doc"] == {"a": [1, 2.5, None], "big": 123456789012345678901234567890}
    assert str(row["id"]) == "6f9619ff-8b86-d011-b42d-00cf4fc964ff"
    assert str(row["amount"]) == "12.50"


@pytest.mark.parametrize(
    "text",
    [
        '{"order": "1-2", "channel": "web"}',
        '{"n": 18446744073709551615, "m": -9223372036854775809, "s": "1234567890123456789012"}',
        '[1e400, -0.0, 0.1, 1.5e-7, "\\u00e9\\ud83d\\ude00", {"": {}}]',
        "123456789012345678901234567890.5",
    ],
)
def test_json_loads_reads_as_json_loads(text: str) -> None:
    assert json_loads(text) == json.loads(text)
    assert repr(json_loads(text)) == repr(json.loads(text))


class CountingRedis:
    """A Redis client that counts the commands sent through it."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.commands: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.redis, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.commands.append(name)
            return attribute(*args, **kwargs)

        return counted


def counting_hub(resources: Resources, redis: Redis) -> tuple[Resources, CountingRedis]:
    """`resources` whose Redis client counts the commands sent through it."""
    counting = CountingRedis(redis)
    hub = Resources(
        resources.settings,
        resources.session_factory,
        counting,  # type: ignore[arg-type]
        resources.read_session_factory,
    )
    return hub, counting


async def test_one_redis_round_trip_authenticates_and_reads_the_settings(
    resources: Resources, redis: Redis, make_user: Any
) -> None:
    user = await make_user(Role.CUSTOMER)
    async with resources.session_factory() as session:
        await read_stored(session, redis)  # fills the settings cache
    assert await redis.get(CACHE_KEY) is not None
    hub, counting = counting_hub(resources, redis)
    context = RequestContext(hub, authorization=f"Bearer {user.token}")
    claims = await context.require_viewer()
    assert claims.user_id == user.id
    assert await context.setting(MAINTENANCE_MODE) is False
    assert counting.commands == ["mget"]
    await context.finish(commit=False)


async def test_settings_still_read_when_the_cache_is_empty_and_revocation_holds(
    resources: Resources, redis: Redis, make_user: Any
) -> None:
    user = await make_user(Role.CUSTOMER)
    await redis.delete(CACHE_KEY)
    context = RequestContext(resources, authorization=f"Bearer {user.token}")
    await context.require_viewer()
    assert await context.setting(MAINTENANCE_MODE) is False  # from the database
    await context.finish(commit=False)
    await revoke_token(redis, decode_access_token(user.token, resources.settings))
    revoked = RequestContext(resources, authorization=f"Bearer {user.token}")
    with pytest.raises(Exception, match="revoked"):
        await revoked.require_viewer()


async def test_fetch_flushes_pending_changes_first(resources: Resources) -> None:
    from subgraphs.auth.models import User

    async with resources.session_factory() as session:
        session.add(
            User(email="pending@example.com", name="Pending", role="CUSTOMER", password_hash="x")
        )
        rows = await fetch(
            session, "SELECT name FROM auth.users WHERE email = $1", "pending@example.com"
        )
        assert [row["name"] for row in rows] == ["Pending"]
        await session.rollback()


async def test_hot_reads_take_one_statement_each(
    resources: Resources, client_for: Any, make_user: Any
) -> None:
    """`GET /api/auth/me`, `/api/admin/users` (page and total together) and `/api/profile`
    (the account, then the profile; creating it only when missing) — 1, 1 and 2 statements."""
    from subgraphs.admin.app import create_app as admin_app
    from subgraphs.auth.app import create_app as auth_app
    from subgraphs.profile.app import create_app as profile_app

    admin = await make_user(Role.ADMIN)
    customer = await make_user(Role.CUSTOMER, name="Cleo")
    async with resources.session_factory() as session:
        await read_stored(session, resources.redis)  # the settings cache, as it nearly always is
    async with client_for(auth_app) as api:
        with statements_of(resources) as statements:
            me = await api.http.get("/api/auth/me", headers=customer.headers)
        assert me.json()["data"]["name"] == "Cleo"
        assert len(statements) == 1, statements
    async with client_for(admin_app) as api:
        with statements_of(resources) as statements:
            users = await api.http.get("/api/admin/users?role=CUSTOMER", headers=admin.headers)
        assert [u["name"] for u in users.json()["data"]] == ["Cleo"]
        assert users.json()["pagination"]["total"] == 1
        assert len(statements) == 1, statements
    async with client_for(profile_app) as api:
        first = await api.http.get("/api/profile", headers=customer.headers)
        assert first.status_code == 200, first.text
        assert first.json()["data"]["name"] == "Cleo"  # created on this first read
        with statements_of(resources) as statements:
            again = await api.http.get("/api/profile", headers=customer.headers)
        assert again.json() == first.json()
        assert len(statements) == 2, statements


async def test_concurrent_askers_share_one_check_and_its_failure(
    resources: Resources, redis: Redis, make_user: Any
) -> None:
    user = await make_user(Role.CUSTOMER)
    hub, counting = counting_hub(resources, redis)
    context = RequestContext(hub, authorization=f"Bearer {user.token}")
    answers = await asyncio.gather(*(context.viewer() for _ in range(5)))
    assert {claims.user_id for claims in answers if claims} == {user.id}
    assert counting.commands == ["mget"]
    broken = RequestContext(hub, authorization="Bearer not-a-token")
    failures = await asyncio.gather(*(broken.viewer() for _ in range(3)), return_exceptions=True)
    assert all(getattr(f, "code", None) == "INVALID_TOKEN" for f in failures), failures
