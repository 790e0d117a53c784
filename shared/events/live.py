"""Live updates: every event of some topics, as it reaches its stream, handed to the
subscribers inside this process (GraphQL subscriptions).

Unlike consumer groups, each process reads the streams on its own (`XREAD` from the moment
the first subscriber arrives), so a subscriber sees the events whichever replica it is
connected to. Delivery is best effort by design: a subscriber that falls `QUEUE_SIZE` events
behind is cut off (its client resubscribes and re-reads state), and the reader waits out a
Redis outage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from typing import cast

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.typing import KeyT, StreamIdT

from shared.errors import ServiceUnavailable
from shared.events.envelope import Envelope
from shared.events.pacing import Backoff, pause
from shared.events.streams import parse_entry, topic_stream

logger = logging.getLogger("events.live")

QUEUE_SIZE = 256
READ_BLOCK_MS = 1000

Reply = list[tuple[str, list[tuple[str, dict[str, str]]]]]


class FellBehind(ServiceUnavailable):
    """The subscriber did not keep up and was cut off; the client subscribes again."""

    code = "SUBSCRIPTION_FELL_BEHIND"
    default_message = "Too many updates were not taken; subscribe again"


class _Subscriber:
    def __init__(self, topics: frozenset[str]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[Envelope | None] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, envelope: Envelope) -> bool:
        """Queue the envelope; False when full (the subscriber is then cut off)."""
        try:
            self.queue.put_nowait(envelope)
        except asyncio.QueueFull:
            return False
        return True


class LiveFeed:
    """One reader per process and Redis, running while there are subscribers."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.subscribers: set[_Subscriber] = set()
        self.positions: dict[KeyT, StreamIdT] = {}  # stream → last id read
        self.reader: asyncio.Task[None] | None = None

    async def subscribe(self, *topics: str) -> AsyncIterator[Envelope]:
        """The envelopes of `topics` published from now on, until the caller stops iterating."""
        starts = {topic_stream(topic): await self._last_id(topic_stream(topic)) for topic in topics}
        subscriber = _Subscriber(frozenset(topics))
        # No await from here to the reader's start: the reader cannot end in between.
        for stream, start in starts.items():
            self.positions.setdefault(stream, start)
        self.subscribers.add(subscriber)
        if self.reader is None:
            self.reader = asyncio.create_task(self._read(), name="live-feed")
        try:
            while True:
                envelope = await subscriber.queue.get()
                if envelope is None:
                    raise FellBehind()
                yield envelope
        finally:
            self.subscribers.discard(subscriber)

    async def _last_id(self, stream: str) -> str:
        newest = await self.redis.xrevrange(stream, count=1)
        return str(newest[0][0]) if newest else "0-0"

    async def _read(self) -> None:
        backoff = Backoff(0.1, 5.0)
        never = asyncio.Event()
        try:
            while self.subscribers:
                try:
                    reply = cast(
                        Reply | None, await self.redis.xread(self.positions, block=READ_BLOCK_MS)
                    )
                except Exception as exc:
                    logger.warning("live feed interrupted", extra={"error": repr(exc)})
                    await pause(never, backoff.next_delay())
                    continue
                backoff.reset()
                for stream, entries in reply or []:
                    for entry_id, fields in entries:
                        self.positions[stream] = entry_id
                        self._dispatch(fields)
        finally:
            # Synchronous with the loop's last check: a new subscriber starts a new reader.
            self.positions.clear()
            self.reader = None

    def _dispatch(self, fields: dict[str, str]) -> None:
        try:
            envelope = parse_entry(fields)
        except (KeyError, ValueError, ValidationError):
            return
        for subscriber in list(self.subscribers):
            if envelope.type in subscriber.topics and not subscriber.offer(envelope):
                self.subscribers.discard(subscriber)
                with contextlib.suppress(asyncio.QueueEmpty):
                    subscriber.queue.get_nowait()
                subscriber.queue.put_nowait(None)


_feeds: weakref.WeakKeyDictionary[Redis, LiveFeed] = weakref.WeakKeyDictionary()


def live_feed(redis: Redis) -> LiveFeed:
    """The process's feed over `redis` (one reader however many subscriptions)."""
    feed = _feeds.get(redis)
    if feed is None:
        feed = _feeds[redis] = LiveFeed(redis)
    return feed
