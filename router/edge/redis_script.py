"""The edge's one Redis call per request (deny-list + rate limit script) on a lean connection.

redis-py spends ~140 µs of CPU per command here; the edge sends one ``EVALSHA`` per request,
so that was a fifth of the router's CPU per forwarded call. :class:`LeanScript` sends it on a
:class:`shared.redis_lean.LeanRedis` connection: ~30 µs. TLS or a credential provider keep
redis-py (:meth:`LeanScript.for_redis` answers None).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redis import exceptions
from redis.asyncio import Redis

from shared.redis_lean import LeanRedis


class LeanScript:
    """``await script(keys=[...], args=[...])`` like redis-py's registered script: EVALSHA,
    and EVAL once the server answers NOSCRIPT (restarted, or flushed)."""

    def __init__(self, connection: LeanRedis, script: str) -> None:
        self.connection = connection
        self.script = script.encode()
        self.sha = hashlib.sha1(self.script).hexdigest().encode()  # noqa: S324 - Redis's name

    @classmethod
    def for_redis(cls, redis: Redis, script: str) -> LeanScript | None:
        """A lean script on the server ``redis`` talks to (None: TLS or a credential provider,
        which only redis-py handles)."""
        connection = LeanRedis.for_redis(redis)
        return None if connection is None else cls(connection, script)

    async def __call__(self, keys: Sequence[str | bytes], args: Sequence[str | bytes | int]) -> Any:
        result = await self.connection.reply(b"EVALSHA", self.sha, len(keys), *keys, *args)
        if isinstance(result, exceptions.ResponseError) and str(result).startswith("NOSCRIPT"):
            result = await self.connection.reply(b"EVAL", self.script, len(keys), *keys, *args)
        if isinstance(result, exceptions.ResponseError):
            raise result
        return result

    def close(self) -> None:
        self.connection.close()
