"""Inbound in-flight deduplication: identical queries arriving while one runs share its answer.

Identical means the same document text, operation name, variables and caller identity (the
``Authorization`` header: the only forwarded header that can change an answer). Only queries
take part, never mutations or subscriptions. The shared execution runs in its own task, so a
client that disconnects does not cancel it for the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

Key = tuple[str, str | None, bytes, str | None]


def request_key(
    query: str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    authorization: str | None,
) -> Key:
    """What makes two requests the same request."""
    encoded = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
    return query, operation_name, encoded, authorization


class InflightRequests:
    """Executions in flight by :func:`request_key`; ``shared`` counts requests that joined one."""

    def __init__(self) -> None:
        self._pending: dict[Key, asyncio.Future[dict[str, Any]]] = {}
        self.shared = 0

    async def run(
        self, key: Key, execute: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        """The answer of the execution in flight for ``key``, or of a new one."""
        pending = self._pending.get(key)
        if pending is not None:
            self.shared += 1
            return await asyncio.shield(pending)
        task: asyncio.Future[dict[str, Any]] = asyncio.ensure_future(execute())
        self._pending[key] = task

        def done(_: asyncio.Future[dict[str, Any]]) -> None:
            if self._pending.get(key) is task:
                del self._pending[key]

        task.add_done_callback(done)
        return await asyncio.shield(task)
