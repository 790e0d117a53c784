"""The relay: moves committed outbox rows to Redis Streams and marks them published.

A batch is taken with `SELECT … FOR UPDATE SKIP LOCKED`, so relays running side by side never
hold the same row; a row is marked published only in the transaction that saw its XADD succeed.
A crash between XADD and commit re-sends the row later with the same event id, which consumers
recognise (at-least-once delivery, exactly-once effect)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.db import transaction
from shared.events.pacing import Backoff, pause
from shared.events.settings import EventSettings
from shared.events.streams import entry_fields, topic_stream
from shared.observability import metrics, setup_observability
from shared.resources import open_resources

logger = logging.getLogger("events.relay")

OUTAGES = (RedisError, SQLAlchemyError, OSError, TimeoutError)


class Relay:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        redis: Redis,
        options: EventSettings,
    ) -> None:
        self.session_factory = session_factory
        self.redis = redis
        self.options = options

    async def publish_batch(self) -> int:
        """Publish up to `relay_batch_size` unpublished rows, oldest first; the number published.
        Raises on an outage (nothing is marked unless its XADD succeeded)."""
        async with transaction(self.session_factory) as session:
            connection = await session.connection()
            await connection.exec_driver_sql(_PLAN_EACH_POLL)
            # Taken and marked in one statement; the marks of rows whose XADD fails are undone
            # before the commit, and a failure of the commit leaves all of them unpublished.
            rows = sorted(
                (await connection.exec_driver_sql(_TAKE, (self.options.relay_batch_size,))).all(),
                key=lambda row: row.created_at,
            )
            if not rows:
                return 0
            # One MULTI/EXEC: a consumer blocked on a stream is woken once the whole batch is
            # there (not by its first entry alone), so it reads the batch in one go. Redis
            # runs every XADD of it even when one fails; each result says which did.
            async with self.redis.pipeline(transaction=True) as pipe:
                for row in rows:
                    pipe.xadd(
                        topic_stream(row.topic),
                        entry_fields(str(row.id), row.topic, row.payload),  # type: ignore[arg-type]
                        maxlen=self.options.stream_max_length,
                        approximate=True,
                    )
                results = await pipe.execute(raise_on_error=False)
            sent = [row for row, result in zip(rows, results, strict=True) if _ok(result)]
            if len(sent) < len(rows):
                published = {row.id for row in sent}
                failed = [row.id for row in rows if row.id not in published]
                await connection.exec_driver_sql(_UNTAKE, (failed,))
        for topic, count in Counter(row.topic for row in sent).items():
            metrics.EVENTS_PUBLISHED.labels(topic).inc(count)
        if len(sent) < len(rows):
            raise RedisError(f"{len(rows) - len(sent)} of {len(rows)} XADDs failed")
        return len(sent)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set: at once while batches come full, every
        `relay_poll_seconds` when idle, with growing pauses while the database or Redis is down."""
        backoff = Backoff(self.options.relay_poll_seconds, self.options.retry_max_seconds)
        while not stop.is_set():
            try:
                published = await self.publish_batch()
            except OUTAGES as exc:
                delay = backoff.next_delay()
                logger.warning(
                    "relay outage", extra={"error": repr(exc), "retry_in": round(delay, 2)}
                )
                await pause(stop, delay)
                continue
            backoff.reset()
            if published < self.options.relay_batch_size:
                await pause(stop, self.options.relay_poll_seconds)


_TAKE = """UPDATE events.outbox AS o SET published_at = now()
FROM (
    SELECT id FROM events.outbox WHERE published_at IS NULL
    ORDER BY created_at LIMIT $1
    FOR UPDATE SKIP LOCKED) AS batch
WHERE o.id = batch.id
RETURNING o.id, o.topic, o.payload::text AS payload, o.created_at"""
"""Up to $1 unpublished rows, oldest first, marked published (the envelope as JSON text, as
it is sent). Rows another relay holds are skipped, so relays side by side never share one."""

_PLAN_EACH_POLL = "SET LOCAL plan_cache_mode = force_custom_plan"
"""The batch is planned for the outbox as it is at each poll. The statement is prepared once
per connection, and the generic plan PostgreSQL caches after five polls, if made while the
outbox was empty (a relay started on a fresh or quiet database), is a nested loop over a
sequential scan of the outbox that re-runs the batch subquery once per row: seconds per poll
once the outbox holds tens of thousands of rows, until autovacuum's next analyze replaces it.
Under load the relay fell behind and spent more PostgreSQL CPU than the creations it published.
A custom plan costs a planning (well under a millisecond) per poll."""

_UNTAKE = "UPDATE events.outbox SET published_at = NULL WHERE id = ANY($1::uuid[])"
"""The marks of rows $1 undone (their XADD failed): published by a later batch."""


def _ok(result: object) -> bool:
    return not isinstance(result, BaseException)


async def run_relay(
    settings: Settings, stop: asyncio.Event, options: EventSettings | None = None
) -> None:
    """Entry point of `mfe relay` (and of the relay inside `mfe up`): runs until `stop` is set."""
    options = options or EventSettings()
    setup_observability(settings, "relay")
    metrics.serve_metrics(settings.host, options.relay_metrics_port)
    async with open_resources(settings) as resources:
        relay = Relay(resources.session_factory, resources.redis, options)
        logger.info("relay started")
        await relay.run(stop)
        logger.info("relay stopped")
