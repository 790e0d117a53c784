"""Back-off delays grow, are capped and jittered; a pause ends as soon as stop is set."""

from __future__ import annotations

import asyncio
import time

from shared.events.pacing import Backoff, pause, retry_delay


def test_retry_delays_grow_to_the_cap() -> None:
    delays = [retry_delay(attempt, 0.1, 1.0) for attempt in range(1, 8)]

    assert 0.075 <= delays[0] <= 0.125
    assert 0.15 <= delays[1] <= 0.25
    assert all(delay <= 1.25 for delay in delays)
    assert delays[-1] >= 0.75


def test_backoff_resets() -> None:
    backoff = Backoff(0.1, 10)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() <= 0.125


async def test_a_pause_ends_when_stop_is_set() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    started = time.monotonic()

    await pause(stop, 10)

    assert time.monotonic() - started < 1
