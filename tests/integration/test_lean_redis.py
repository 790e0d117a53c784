"""The per-request Redis read of the services (deny-list + run-time settings) on the lean
connection (`shared.redis_lean`): the same answers as through redis-py, refused tokens stay
refused, Redis unavailable refuses the token (fails closed), and a lost connection is
replaced on the next request."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.config_store import CACHE_KEY, MAINTENANCE_MODE
from shared.errors import ServiceUnavailable, Unauthorized
from shared.graphql.context import RequestContext, Resources
from shared.rbac import Role
from shared.redis_lean import LeanRedis
from shared.security.denylist import revoke_all_for_user, revoke_token
from shared.security.tokens import decode_access_token


async def _viewer(resources: Resources, token: str) -> Any:
    context = RequestContext(resources, authorization=f"Bearer {token}")
    try:
        return await context.require_viewer()
    finally:
        await context.finish(commit=False)


async def test_the_lean_read_answers_as_redis_py_does(
    resources: Resources, redis: Redis, make_user: Any
) -> None:
    assert resources.lean_redis is not None  # what the services run with
    user, other = await make_user(Role.CUSTOMER), await make_user(Role.CUSTOMER)
    await redis.set(CACHE_KEY, json.dumps({MAINTENANCE_MODE: True}))
    context = RequestContext(resources, authorization=f"Bearer {user.token}")
    assert (await context.require_viewer()).user_id == user.id
    assert await context.setting(MAINTENANCE_MODE) is True  # from the same read, as bytes
    await context.finish(commit=False)
    await revoke_token(redis, decode_access_token(user.token, resources.settings))
    with pytest.raises(Unauthorized) as revoked:
        await _viewer(resources, user.token)
    assert revoked.value.code == "TOKEN_REVOKED"
    assert (await _viewer(resources, other.token)).user_id == other.id
    await revoke_all_for_user(redis, other.id, ttl_seconds=60)  # the not-before, compared as bytes
    with pytest.raises(Unauthorized) as before:
        await _viewer(resources, other.token)
    assert before.value.code == "TOKEN_REVOKED"


async def test_redis_unavailable_refuses_the_token_and_a_lost_connection_is_replaced(
    resources: Resources, redis: Redis, make_user: Any
) -> None:
    user = await make_user(Role.CUSTOMER)
    nowhere = Resources(
        resources.settings,
        resources.session_factory,
        redis,
        resources.read_session_factory,
        lean_redis=LeanRedis(path="/nonexistent/redis.sock"),
    )
    with pytest.raises(ServiceUnavailable):
        await _viewer(nowhere, user.token)
    lean = resources.lean_redis
    assert lean is not None
    assert (await _viewer(resources, user.token)).user_id == user.id
    assert lean._pipe is not None and lean._pipe.transport is not None
    host, port = lean._pipe.transport.get_extra_info("sockname")[:2]
    await redis.client_kill_filter(_type="normal", addr=f"{host}:{port}")  # as a Redis restart
    await asyncio.sleep(0.05)
    assert lean._pipe.closed
    assert (await _viewer(resources, user.token)).user_id == user.id  # on a new connection
    in_flight = asyncio.ensure_future(_viewer(resources, user.token))
    await asyncio.sleep(0)
    pipe = lean._pipe
    assert pipe is not None and pipe.transport is not None
    pipe.transport.abort()  # lost while the read waits: that request is refused, not let in
    with pytest.raises(ServiceUnavailable):
        await in_flight
    assert (await _viewer(resources, user.token)).user_id == user.id


async def test_the_commands_of_one_loop_turn_leave_in_one_write(redis: Redis) -> None:
    lean = LeanRedis.for_redis(redis)
    assert lean is not None
    try:
        await redis.set("lean:a", "1")
        assert await lean.mget(["lean:a"]) == [b"1"]  # connected
        pipe = lean._pipe
        assert pipe is not None and pipe.transport is not None
        transport, writes = pipe.transport, []

        class Counting:
            def write(self, data: bytes) -> None:
                writes.append(data)
                transport.write(data)

            def __getattr__(self, name: str) -> Any:
                return getattr(transport, name)

        pipe.transport = Counting()  # type: ignore[assignment]
        answers = await asyncio.gather(*(lean.mget(["lean:a", f"lean:{n}"]) for n in range(5)))
        assert answers == [[b"1", None]] * 5  # each its own reply, in order
        assert len(writes) == 1
    finally:
        lean.close()
