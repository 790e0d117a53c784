"""Nothing lost: 1,000 events committed while the relay is stopped and restarted midway and
Redis is killed (-9) and restarted once; every event takes effect exactly once at each of two
consumers (two members each), nothing stays pending, nothing is dead-lettered."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from prometheus_client import REGISTRY
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import col

from shared.config import Settings
from shared.db import transaction
from shared.events import OutboxEvent, ProcessedEvent, catalog, record_event
from shared.events.consumer import run_consumers
from shared.events.inspect import collect_report
from shared.events.relay import run_relay
from shared.events.settings import EventSettings
from shared.events.streams import topic_stream
from shared.graphql.context import Resources
from tests.integration.events.conftest import (
    OwnRedis,
    effect_counts,
    payment_created,
    recording,
)

EVENTS = 1000
PRODUCERS = 8
CONSUMERS = ("ledger", "notifier")


async def wait_for(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_nothing_is_lost_through_relay_restarts_and_a_redis_crash(
    resources: Resources,
    own_redis: OwnRedis,
    own_redis_settings: Settings,
    own_redis_client: Redis,
    hub_options: EventSettings,
    effects: str,
) -> None:
    started = time.monotonic()
    duplicates_before = duplicates_skipped()
    committed = 0

    async def produce(count: int) -> None:
        nonlocal committed
        for _ in range(count):
            async with transaction(resources.session_factory) as session:
                await record_event(session, catalog.PAYMENT_CREATED, payment_created(), actor=None)
            committed += 1
            await asyncio.sleep(0.01)

    stops = {name: asyncio.Event() for name in ("relay-a", "relay-b", "members")}
    consumers = [recording(name) for name in CONSUMERS]
    members = [
        asyncio.create_task(
            run_consumers(own_redis_settings, stops["members"], consumers, hub_options)
        )
        for _ in range(2)
    ]
    relay_a = asyncio.create_task(run_relay(own_redis_settings, stops["relay-a"], hub_options))
    producers = [asyncio.create_task(produce(EVENTS // PRODUCERS)) for _ in range(PRODUCERS)]

    def reached(target: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return committed >= target

        return check

    await wait_for(reached(250), 30, "250 commits")
    stops["relay-a"].set()  # the relay stops while events keep coming
    await relay_a
    await wait_for(reached(500), 30, "500 commits")
    own_redis.kill()  # Redis crashes under the consumers and the next relay
    relay_b = asyncio.create_task(run_relay(own_redis_settings, stops["relay-b"], hub_options))
    await asyncio.sleep(0.5)
    await own_redis.start()
    await asyncio.gather(*producers)

    async def all_done() -> bool:
        counts = [await effect_counts(resources, name) for name in CONSUMERS]
        return all(distinct == EVENTS for _, distinct in counts)

    await wait_for(all_done, 40, "every event at every consumer")
    await asyncio.sleep(hub_options.visibility_timeout + 0.2)  # let late redeliveries show
    stops["relay-b"].set()
    stops["members"].set()
    await asyncio.gather(relay_b, *members)

    for name in CONSUMERS:
        assert await effect_counts(resources, name) == (EVENTS, EVENTS)
    async with resources.session_factory() as session:
        processed = dict(
            (
                await session.execute(
                    select(ProcessedEvent.consumer, func.count()).group_by(
                        col(ProcessedEvent.consumer)
                    )
                )
            ).all()
        )
        unpublished = (
            await session.execute(
                select(func.count()).where(col(OutboxEvent.published_at).is_(None))
            )
        ).scalar_one()
    assert processed == dict.fromkeys(CONSUMERS, EVENTS)
    assert unpublished == 0
    report = await collect_report(resources.session_factory, own_redis_client)
    (stream,) = report.streams
    assert stream.stream == topic_stream(catalog.PAYMENT_CREATED)
    assert {group.name: group.pending for group in stream.groups} == dict.fromkeys(CONSUMERS, 0)
    assert all(group.lag in (0, None) for group in stream.groups)  # None: unknown after a restart
    assert report.dead_letters == {}
    print(  # the numbers of the closing note (pytest -s shows them)
        f"\nnothing-lost: {EVENTS} events committed, stream length {stream.length} "
        f"({stream.length - EVENTS} re-sent), effects per consumer "
        f"{[await effect_counts(resources, name) for name in CONSUMERS]}, "
        f"redeliveries skipped as duplicates {duplicates_skipped() - duplicates_before:.0f}, "
        f"pending 0, dead letters 0, {time.monotonic() - started:.1f} s"
    )


def duplicates_skipped() -> float:
    return sum(
        REGISTRY.get_sample_value(
            "events_handled_total", {"consumer": name, "outcome": "duplicate"}
        )
        or 0.0
        for name in CONSUMERS
    )
