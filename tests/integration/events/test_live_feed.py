"""The per-process live feed: subscribers get what is published after they subscribed, of
their topics only; one that falls behind is cut off; the reader stops with the last one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from shared.events import catalog
from shared.events.live import QUEUE_SIZE, FellBehind, LiveFeed
from shared.events.streams import entry_fields, topic_stream
from shared.models import utcnow


def entry(topic: str) -> tuple[str, dict[str, str]]:
    """A stream entry as the relay writes it: (event id, fields)."""
    event_id = str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "type": topic,
        "version": 1,
        "occurred_at": utcnow().isoformat(),
        "actor": None,
        "data": {},
    }
    return event_id, entry_fields(event_id, topic, envelope)


async def publish(redis: Redis, topic: str) -> str:
    event_id, fields = entry(topic)
    await redis.xadd(topic_stream(topic), fields)  # type: ignore[arg-type]
    return event_id


async def test_subscribers_get_new_events_of_their_topics(redis: Redis) -> None:
    await publish(redis, catalog.PAYMENT_CREATED)  # before the subscription: not delivered
    feed = LiveFeed(redis)
    updates = feed.subscribe(catalog.PAYMENT_STATUS_CHANGED)
    first = asyncio.ensure_future(anext(updates))
    await asyncio.sleep(0.1)

    await publish(redis, catalog.PAYMENT_CREATED)
    wanted = await publish(redis, catalog.PAYMENT_STATUS_CHANGED)

    envelope = await asyncio.wait_for(first, 3)
    assert str(envelope.id) == wanted
    await updates.aclose()
    await asyncio.sleep(1.2)  # the reader's last blocking read ends
    assert feed.reader is None


async def test_a_subscriber_that_falls_behind_is_cut_off(redis: Redis) -> None:
    feed = LiveFeed(redis)
    updates = feed.subscribe(catalog.PAYMENT_STATUS_CHANGED)
    first = asyncio.ensure_future(anext(updates))
    await asyncio.sleep(0.1)
    async with redis.pipeline(transaction=False) as pipe:
        for _ in range(QUEUE_SIZE + 5):
            pipe.xadd(
                topic_stream(catalog.PAYMENT_STATUS_CHANGED),
                entry(catalog.PAYMENT_STATUS_CHANGED)[1],  # type: ignore[arg-type]
            )
        await pipe.execute()
    await asyncio.wait_for(first, 3)
    await asyncio.sleep(0.3)  # the rest arrive while nobody takes them

    with pytest.raises(FellBehind):
        for _ in range(QUEUE_SIZE + 5):
            await asyncio.wait_for(anext(updates), 1)
