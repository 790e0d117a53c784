"""Waiting that a stop request cuts short, and exponential back-off with jitter."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `stop` is set meanwhile."""
    if seconds <= 0 or stop.is_set():
        return
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, ±25 %."""
    delay = min(cap, base * 2.0 ** (attempt - 1))
    return delay * random.uniform(0.75, 1.25)  # noqa: S311 - jitter, not security


@dataclass
class Backoff:
    """Growing delays while an outage lasts; `reset()` once things work again."""

    base: float
    cap: float
    failures: int = 0

    def next_delay(self) -> float:
        self.failures += 1
        return retry_delay(self.failures, self.base, self.cap)

    def reset(self) -> None:
        self.failures = 0
