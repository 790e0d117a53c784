"""The relay: moves committed outbox rows to Redis Streams and marks them published.

A batch is taken with `SELECT … FOR UPDATE SKIP LOCKED`, so relays running side by side never
hold the same row; a row is marked published only in the transaction that saw its XADD succeed.
A crash between XADD and commit re-sends the row later with the same event id, which consumers
recognise (at-least-once delivery, exactly-once effect)."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from shared.config import Settings
from shared.db import transaction
from shared.events.outbox import OutboxEvent
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
            rows = (
                await session.execute(
                    select(col(OutboxEvent.id), col(OutboxEvent.topic), col(OutboxEvent.payload))
                    .where(col(OutboxEvent.published_at).is_(None))
                    .order_by(col(OutboxEvent.created_at))
                    .limit(self.options.relay_batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            async with self.redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    pipe.xadd(
                        topic_stream(row.topic),
                        entry_fields(str(row.id), row.topic, row.payload),  # type: ignore[arg-type]
                        maxlen=self.options.stream_max_length,
                        approximate=True,
                    )
                results = await pipe.execute(raise_on_error=False)
            sent = [row for row, result in zip(rows, results, strict=True) if _ok(result)]
            if sent:
                await session.execute(
                    update(OutboxEvent)
                    .where(col(OutboxEvent.id).in_([row.id for row in sent]))
                    .values(published_at=func.now())
                )
        for row in sent:
            metrics.EVENTS_PUBLISHED.labels(row.topic).inc()
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
