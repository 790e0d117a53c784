"""A circuit breaker around the edge's Redis calls.

After a failure the edge stops asking Redis for ``cooldown`` seconds, so a Redis outage costs
one timeout per cooldown instead of one per request (redis-py retries with back-off).
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("router.edge.redis")


class RedisGuard:
    """Tracks whether Redis may be asked right now."""

    def __init__(self, cooldown: float = 5.0) -> None:
        self.cooldown = cooldown
        self._down_until = 0.0

    def is_available(self) -> bool:
        return time.monotonic() >= self._down_until

    def failed(self, exc: BaseException) -> None:
        if self.is_available():
            log.warning("Redis unavailable at the edge for %.0f s: %s", self.cooldown, exc)
        self._down_until = time.monotonic() + self.cooldown
