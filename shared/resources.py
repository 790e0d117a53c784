"""Opening and closing the process-wide handles (engine, Redis) a service runs with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.config import Settings
from shared.db import make_engine, make_read_session_factory, make_session_factory
from shared.graphql.context import Resources
from shared.redis_client import make_redis
from shared.redis_lean import LeanRedis


@asynccontextmanager
async def open_resources(settings: Settings, *, pre_ping: bool = True) -> AsyncIterator[Resources]:
    engine = make_engine(settings, pre_ping=pre_ping)
    redis = make_redis(settings)
    lean = LeanRedis.for_redis(redis)
    try:
        yield Resources(
            settings,
            make_session_factory(engine),
            redis,
            make_read_session_factory(engine),
            lean_redis=lean,
        )
    finally:
        if lean is not None:
            lean.close()
        await redis.aclose()
        await engine.dispose()
