"""Consumer groups: each consuming service reads the topics it cares about as one Redis
consumer group, so every event reaches each service once however many replicas it runs.

A handler runs in a database transaction together with a `processed_events` row for
(consumer, event id): a redelivered event finds the row and is acknowledged without running
again. A handler that raises is retried with back-off; after `max_attempts` its message moves
to the consumer's dead-letter stream. A message left unacknowledged by a consumer that died is
taken over (`XAUTOCLAIM`) by a live one after `visibility_timeout`. Outages of the database or
Redis are not the message's fault: the message stays pending and nothing is counted against it."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.db import is_backend_unavailable, transaction
from shared.events.envelope import Envelope
from shared.events.pacing import Backoff, pause, retry_delay
from shared.events.settings import EventSettings
from shared.events.streams import dead_letter_stream, parse_entry, topic_stream
from shared.graphql.context import Resources
from shared.models import utcnow
from shared.observability import metrics, setup_observability
from shared.observability.tracing import server_span, tracer, tracing_enabled
from shared.purge import PurgeSettings, registered_rules, run_purges
from shared.resources import open_resources
from shared.spec import resolve

logger = logging.getLogger("events.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, Sequence[Envelope]], Awaitable[None]]
Messages = list[tuple[str, dict[str, str] | None]]  # (message id, fields) as Redis answers


@dataclass(frozen=True, slots=True)
class Consumer:
    """A consuming service: `name` is its consumer group (and dead-letter stream), `handler`
    receives every event of `topics`. `handle_many`, when given, has the same effect as
    `handler` for each of several events in turn, at once (one statement for all, say): the
    new events of one read go to it; a single event, and every retry, to `handler`."""

    name: str
    topics: tuple[str, ...]
    handler: Handler
    handle_many: BatchHandler | None = None


class Outcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"
    ABANDONED = "abandoned"  # stopped while retrying: stays pending for a live consumer


def is_outage(exc: BaseException) -> bool:
    """Errors of the infrastructure rather than of the message: among them a PostgreSQL that
    is starting up again after a crash (SQLSTATE 57P03 on connect, a plain DBAPIError)."""
    if isinstance(exc, RedisError | OSError | TimeoutError | InterfaceError | OperationalError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return is_backend_unavailable(exc)


def member_name() -> str:
    """This process's name inside a consumer group."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class ConsumerWorker:
    """One member of `consumer`'s group: reads, handles, acknowledges, reclaims."""

    def __init__(
        self,
        consumer: Consumer,
        session_factory: async_sessionmaker[AsyncSession],
        redis: Redis,
        options: EventSettings,
        member: str | None = None,
    ) -> None:
        self.consumer = consumer
        self.session_factory = session_factory
        self.redis = redis
        self.options = options
        self.member = member or member_name()
        self.streams = [topic_stream(topic) for topic in consumer.topics]
        self._next_reclaim = 0.0
        # Set when a step was interrupted: messages this member read may be left pending.
        self._interrupted = False

    async def ensure_groups(self) -> None:
        """Create the group on each stream (from its start, so nothing published before the
        group existed is missed)."""
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(stream, self.consumer.name, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set. Outages (and anything unexpected) are logged and
        waited out with growing pauses; the message in hand stays pending meanwhile."""
        backoff = Backoff(self.options.retry_base_seconds, self.options.retry_max_seconds)
        ready = False
        while not stop.is_set():
            try:
                if not ready:
                    await self.ensure_groups()
                    ready = True
                await self.step(stop)
            except Exception as exc:
                # A Redis that lost its data (restart without persistence) lost the groups too.
                ready = False
                self._interrupted = True
                delay = backoff.next_delay()
                logger.log(
                    logging.WARNING if is_outage(exc) else logging.ERROR,
                    "consumer interrupted",
                    exc_info=None if is_outage(exc) else exc,
                    extra={"consumer": self.consumer.name, "error": repr(exc), "retry_in": delay},
                )
                await pause(stop, delay)
                continue
            backoff.reset()

    async def step(self, stop: asyncio.Event) -> int:
        """After an interruption, the messages this member was left holding; reclaim abandoned
        messages when due; then read and handle new ones. How many."""
        loop = asyncio.get_running_loop()
        handled = 0
        if self._interrupted:
            handled += await self.resume(stop)
            self._interrupted = False
        if loop.time() >= self._next_reclaim:
            handled += await self.reclaim(stop)
            self._next_reclaim = loop.time() + self.options.visibility_timeout / 2
        response = cast(
            list[tuple[str, Messages]] | None,
            await self.redis.xreadgroup(
                self.consumer.name,
                self.member,
                dict.fromkeys(self.streams, ">"),
                count=self.options.read_count,
                block=self.options.read_block_ms,
            ),
        )
        for stream, messages in response or []:
            if stop.is_set():
                return handled
            await self.handle_read(stream, messages, stop)
            handled += len(messages)
        return handled

    async def handle_read(self, stream: str, messages: Messages, stop: asyncio.Event) -> None:
        """The messages of one read: together in one transaction (one INSERT of their
        processed rows, the handler for each new event, one XACK), or, when there is only one
        or a handler raised (the batch is then rolled back), one at a time with retries and
        dead letters, so a failing message never holds the others back. A handler that fails
        in a batch runs once more than its attempts."""
        batch = []
        for message_id, fields in messages:
            if fields is None:
                continue
            try:
                batch.append((message_id, parse_entry(fields)))
            except (KeyError, ValueError, ValidationError) as exc:
                await self.dead_letter(stream, message_id, fields, f"malformed: {exc!r}", 0)
        if len(batch) > 1:
            try:
                outcomes = await self.apply_many([envelope for _, envelope in batch])
            except Exception as exc:
                if is_outage(exc):
                    raise
            else:
                await self.redis.xack(stream, self.consumer.name, *[m for m, _ in batch])
                for outcome, count in Counter(outcomes).items():
                    metrics.EVENTS_HANDLED.labels(self.consumer.name, outcome.value).inc(count)
                return
        entries = dict(messages)
        for message_id, _ in batch:
            if stop.is_set():
                return
            fields = entries[message_id]
            assert fields is not None
            await self.handle(stream, message_id, fields, stop)

    async def resume(self, stop: asyncio.Event) -> int:
        """Handle the messages this member read and left unacknowledged (an outage interrupted
        their handling: they stay pending in its name), rather than leave them for a member to
        reclaim after the visibility timeout. They are looked up (XPENDING, XRANGE), not read
        again, so an outage does not count as a delivery against them. The processed-event
        rows tell those already in effect; entries trimmed from the stream meanwhile are
        acknowledged. How many."""
        handled = 0
        for stream in self.streams:
            start = "-"
            while not stop.is_set():
                held = await self.redis.xpending_range(
                    stream,
                    self.consumer.name,
                    min=start,
                    max="+",
                    count=self.options.read_count,
                    consumername=self.member,
                )
                if not held:
                    break
                ids = [str(entry["message_id"]) for entry in held]
                async with self.redis.pipeline(transaction=False) as pipe:
                    for message_id in ids:
                        pipe.xrange(stream, message_id, message_id, count=1)
                    found: list[Messages] = await pipe.execute()
                messages = [entries[0] for entries in found if entries]
                if len(messages) < len(ids):
                    kept = {message_id for message_id, _ in messages}
                    gone = [message_id for message_id in ids if message_id not in kept]
                    await self.redis.xack(stream, self.consumer.name, *gone)
                await self.handle_read(stream, messages, stop)
                handled += len(messages)
                start = "(" + ids[-1]
        return handled

    async def reclaim(self, stop: asyncio.Event) -> int:
        """Take over messages idle longer than the visibility timeout (their consumer died or
        hung) and handle them; a message delivered more than `max_attempts` times (it keeps
        killing its consumer) is dead-lettered without another try."""
        idle_ms = int(self.options.visibility_timeout * 1000)
        handled = 0
        for stream in self.streams:
            start = "0-0"
            while not stop.is_set():
                reply: list[Any] = await self.redis.xautoclaim(
                    stream,
                    self.consumer.name,
                    self.member,
                    min_idle_time=idle_ms,
                    start_id=start,
                    count=self.options.read_count,
                )
                start = str(reply[0])
                messages = cast(Messages, reply[1])
                for message_id, fields in messages:
                    if fields is None:
                        continue
                    deliveries = await self._deliveries(stream, message_id)
                    if deliveries > self.options.max_attempts:
                        await self.dead_letter(
                            stream, message_id, fields, "redelivered", deliveries
                        )
                    else:
                        await self.handle(stream, message_id, fields, stop)
                    handled += 1
                if start == "0-0":
                    break
        return handled

    async def _deliveries(self, stream: str, message_id: str) -> int:
        pending = await self.redis.xpending_range(
            stream, self.consumer.name, min=message_id, max=message_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 1

    async def handle(
        self, stream: str, message_id: str, fields: dict[str, str], stop: asyncio.Event
    ) -> Outcome:
        """Run the handler for one message with retries, then acknowledge or dead-letter it."""
        try:
            envelope = parse_entry(fields)
        except (KeyError, ValueError, ValidationError) as exc:
            return await self.dead_letter(stream, message_id, fields, f"malformed: {exc!r}", 0)
        attempt = 0
        while True:
            attempt += 1
            try:
                outcome = await self.apply(envelope)
                break
            except Exception as exc:
                if is_outage(exc):
                    raise
                metrics.EVENT_HANDLER_FAILURES.labels(self.consumer.name).inc()
                logger.warning(
                    "event handler failed",
                    extra={
                        "consumer": self.consumer.name,
                        "event_id": str(envelope.id),
                        "event_type": envelope.type,
                        "attempt": attempt,
                        "error": repr(exc),
                    },
                )
                if attempt >= self.options.max_attempts:
                    return await self.dead_letter(stream, message_id, fields, repr(exc), attempt)
                delay = retry_delay(
                    attempt, self.options.retry_base_seconds, self.options.retry_max_seconds
                )
                await pause(stop, delay)
                if stop.is_set():
                    return Outcome.ABANDONED
        await self.redis.xack(stream, self.consumer.name, message_id)
        metrics.EVENTS_HANDLED.labels(self.consumer.name, outcome.value).inc()
        return outcome

    async def apply(self, envelope: Envelope) -> Outcome:
        """The handler's effect and the processed-event record, in one transaction, in the
        trace of the request that caused the event."""
        with self._span(envelope):
            return await self._apply(envelope)

    def _span(self, envelope: Envelope) -> AbstractContextManager[Any]:
        """The handler's span, in the trace of the request that caused the event."""
        carrier = {"traceparent": envelope.traceparent} if envelope.traceparent else {}
        name = f"{self.consumer.name} {envelope.type}"
        return server_span(carrier, name, {"event.id": str(envelope.id)}, SpanKind.CONSUMER)

    async def _apply(self, envelope: Envelope) -> Outcome:
        async with transaction(self.session_factory) as session:
            if not await self._claim(session, [envelope]):
                return Outcome.DUPLICATE
            await self.consumer.handler(session, envelope)
        return Outcome.PROCESSED

    async def apply_many(self, envelopes: Sequence[Envelope]) -> list[Outcome]:
        """`apply` for several events in one transaction: raises (all rolled back) when one
        handler does. The new events go to `handle_many` together when the consumer has it."""
        async with transaction(self.session_factory) as session:
            claimed = await self._claim(session, envelopes)
            new, outcomes = [], []
            for envelope in envelopes:
                if envelope.id not in claimed:
                    outcomes.append(Outcome.DUPLICATE)
                    continue
                claimed.discard(envelope.id)  # a second delivery in the same read is a duplicate
                new.append(envelope)
                outcomes.append(Outcome.PROCESSED)
            if new and self.consumer.handle_many is not None:
                with self._batch_span(new):
                    await self.consumer.handle_many(session, new)
            else:
                for envelope in new:
                    with self._span(envelope):
                        await self.consumer.handler(session, envelope)
        return outcomes

    async def _claim(self, session: AsyncSession, envelopes: Sequence[Envelope]) -> set[uuid.UUID]:
        """Record (consumer, event) for each envelope in one statement; the ids that were not
        recorded before (the others were processed already)."""
        connection = await session.connection()
        result = await connection.exec_driver_sql(
            _CLAIM, (self.consumer.name, [envelope.id for envelope in envelopes])
        )
        return {row[0] for row in result}

    def _batch_span(self, envelopes: Sequence[Envelope]) -> AbstractContextManager[Any]:
        """The span of a batch handler's run, linked to the trace of each event's request."""
        if not tracing_enabled():
            return nullcontext()
        links = []
        for envelope in envelopes:
            if envelope.traceparent:
                parent = propagate.extract({"traceparent": envelope.traceparent})
                links.append(Link(trace.get_current_span(parent).get_span_context()))
        return tracer().start_as_current_span(
            f"{self.consumer.name} batch",
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={"events.count": len(envelopes)},
        )

    async def dead_letter(
        self, stream: str, message_id: str, fields: dict[str, str], error: str, attempts: int
    ) -> Outcome:
        """Move the message to the consumer's dead-letter stream and acknowledge it, atomically."""
        async with self.redis.pipeline(transaction=True) as pipe:
            entry: dict[Any, Any] = {
                **fields,
                "stream": stream,
                "message_id": message_id,
                "error": error[:1000],
                "attempts": str(attempts),
                "failed_at": utcnow().isoformat(),
            }
            pipe.xadd(
                dead_letter_stream(self.consumer.name),
                entry,
                maxlen=self.options.stream_max_length,
                approximate=True,
            )
            pipe.xack(stream, self.consumer.name, message_id)
            await pipe.execute()
        logger.error(
            "event dead-lettered",
            extra={"consumer": self.consumer.name, "message_id": message_id, "error": error},
        )
        metrics.EVENTS_HANDLED.labels(self.consumer.name, Outcome.DEAD_LETTERED.value).inc()
        return Outcome.DEAD_LETTERED


async def run_workers(
    consumers: Sequence[Consumer],
    session_factory: async_sessionmaker[AsyncSession],
    redis: Redis,
    stop: asyncio.Event,
    options: EventSettings,
) -> None:
    """One worker per consumer, side by side, until `stop` is set."""
    workers = [ConsumerWorker(consumer, session_factory, redis, options) for consumer in consumers]
    async with asyncio.TaskGroup() as group:
        for worker in workers:
            group.create_task(worker.run(stop), name=f"consumer:{worker.consumer.name}")


_CLAIM = """INSERT INTO events.processed_events (consumer, event_id, processed_at)
SELECT $1::text, unnest($2::uuid[]), now()
ON CONFLICT DO NOTHING
RETURNING event_id"""
"""The processed-event rows of consumer $1 for events $2; the ids not already there."""


CONSUMERS_SPEC = "subgraphs.consumers:platform_consumers"
"""Where the platform's consumers are listed (`shared` never imports `subgraphs` directly)."""


def registered_consumers(resources: Resources) -> list[Consumer]:
    build: Callable[[Resources], list[Consumer]] = resolve(CONSUMERS_SPEC)
    return build(resources)


async def run_consumers(
    settings: Settings,
    stop: asyncio.Event,
    consumers: Sequence[Consumer] | None = None,
    options: EventSettings | None = None,
    purge_options: PurgeSettings | None = None,
) -> None:
    """Entry point of `mfe consumers` (and of the consumers inside `mfe up`): runs the
    platform's registered consumers (or `consumers`) and the periodic purge of rows past their
    retention (`shared.purge`) until `stop` is set."""
    options = options or EventSettings()
    purge_options = purge_options or PurgeSettings()
    setup_observability(settings, "consumers")
    metrics.serve_metrics(settings.host, options.consumers_metrics_port)
    async with open_resources(settings) as resources:
        chosen = list(consumers) if consumers is not None else registered_consumers(resources)
        logger.info("consumers started", extra={"consumers": [c.name for c in chosen]})
        async with asyncio.TaskGroup() as group:
            group.create_task(
                run_purges(
                    resources.session_factory,
                    registered_rules(purge_options),
                    purge_options,
                    stop,
                ),
                name="purge",
            )
            await run_workers(chosen, resources.session_factory, resources.redis, stop, options)
        logger.info("consumers stopped")
