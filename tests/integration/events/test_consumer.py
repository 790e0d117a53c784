"""Consumers: once in effect however often a message arrives, retried then dead-lettered when
the handler keeps failing, and a message whose consumer died taken over by another."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry import context, propagate
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import transaction
from shared.events import Envelope, ProcessedEvent, catalog, record_event
from shared.events.consumer import Consumer, ConsumerWorker
from shared.events.deadletters import replay
from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.events.streams import dead_letter_stream, topic_stream
from shared.graphql.context import Resources
from shared.observability.tracing import current_trace_id
from tests.integration.events.conftest import (
    RecordEvents,
    effect_counts,
    payment_created,
    recording,
)

STREAM = topic_stream(catalog.PAYMENT_CREATED)


@dataclass
class Hub:
    """The event hub under test: its database (with the effects table), Redis and options."""

    resources: Resources
    redis: Redis
    options: EventSettings
    record_payments: RecordEvents

    async def published(self, count: int) -> list[uuid.UUID]:
        """`count` payment.created events committed to the outbox and relayed to the stream."""
        ids = await self.record_payments(count)
        await self.publish()
        return ids

    async def publish(self) -> None:
        while await Relay(self.resources.session_factory, self.redis, self.options).publish_batch():
            pass

    async def member(self, consumer: Consumer, name: str = "a", **options: Any) -> ConsumerWorker:
        """Member `name` of `consumer`'s group (created), with `options` over the hub's."""
        settings = self.options.model_copy(update=options) if options else self.options
        session_factory = self.resources.session_factory
        member = ConsumerWorker(consumer, session_factory, self.redis, settings, member=name)
        await member.ensure_groups()
        return member

    async def effects(self, consumer: str) -> tuple[int, int]:
        return await effect_counts(self.resources, consumer)

    async def pending(self, group: str) -> int:
        info = await self.redis.xpending(STREAM, group)
        return int(info["pending"])

    async def processed_rows(self, consumer: str) -> int:
        async with self.resources.session_factory() as session:
            query = select(func.count()).where(ProcessedEvent.consumer == consumer)  # type: ignore[arg-type]
            return int((await session.execute(query)).scalar_one())

    async def dead_letters(self, consumer: str) -> list[dict[str, str]]:
        return [fields for _, fields in await self.redis.xrange(dead_letter_stream(consumer))]


@pytest.fixture
def hub(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> Hub:
    return Hub(resources, redis, hub_options, record_payments)


async def test_each_event_has_its_effect_once_even_when_sent_again(hub: Hub) -> None:
    await hub.published(3)
    # A relay that crashed after XADD but before its commit sends a row again.
    first = (await hub.redis.xrange(STREAM, count=1))[0][1]
    await hub.redis.xadd(STREAM, first)
    ledger = await hub.member(recording("ledger"))

    handled = await ledger.step(asyncio.Event())

    assert handled == 4
    assert await hub.effects("ledger") == (3, 3)
    assert await hub.processed_rows("ledger") == 3
    assert await hub.pending("ledger") == 0


async def test_each_group_gets_every_event(hub: Hub) -> None:
    await hub.published(2)
    for name in ("ledger", "mailer"):
        consumer = await hub.member(recording(name))
        await consumer.step(asyncio.Event())

    assert await hub.effects("ledger") == (2, 2)
    assert await hub.effects("mailer") == (2, 2)


async def test_a_failing_handler_is_retried_then_dead_lettered(hub: Hub) -> None:
    (event_id,) = await hub.published(1)
    attempts = 0

    async def broken(session: AsyncSession, envelope: Envelope) -> None:
        nonlocal attempts
        attempts += 1
        raise ValueError("cannot handle this")

    consumer = await hub.member(Consumer("broken", (catalog.PAYMENT_CREATED,), broken))
    await consumer.step(asyncio.Event())

    assert attempts == hub.options.max_attempts == 3
    assert await hub.pending("broken") == 0
    assert await hub.processed_rows("broken") == 0  # rolled back with the handler
    (fields,) = await hub.dead_letters("broken")
    assert fields["id"] == str(event_id)
    assert fields["stream"] == STREAM
    assert fields["attempts"] == "3"
    assert "cannot handle this" in fields["error"]
    assert Envelope.model_validate_json(fields["envelope"]).id == event_id


async def test_one_failing_event_of_a_read_does_not_hold_the_others_back(hub: Hub) -> None:
    """The events of one read are handled in one transaction; when one handler fails, the
    read is handled again one event at a time: the others take effect once, the failing one
    is retried and dead-lettered alone."""
    _, bad, _ = await hub.published(3)
    inner = recording("picky")

    async def picky(session: AsyncSession, envelope: Envelope) -> None:
        await inner.handler(session, envelope)  # written, then rolled back on failure
        if envelope.id == bad:
            raise ValueError("not this one")

    member = await hub.member(Consumer("picky", (catalog.PAYMENT_CREATED,), picky))

    assert await member.step(asyncio.Event()) == 3

    assert await hub.effects("picky") == (2, 2)
    assert await hub.processed_rows("picky") == 2
    assert await hub.pending("picky") == 0
    (fields,) = await hub.dead_letters("picky")
    assert fields["id"] == str(bad)
    assert fields["attempts"] == str(hub.options.max_attempts)


async def test_a_batch_handler_gets_the_new_events_of_a_read_together(hub: Hub) -> None:
    """`handle_many` takes the new events of one read in one call (a re-sent one is left out);
    when it raises, the read is handled again one event at a time by `handler`."""
    ids = await hub.published(3)
    first = (await hub.redis.xrange(STREAM, count=1))[0][1]
    await hub.redis.xadd(STREAM, first)  # sent again, as by a relay that crashed before its commit
    inner = recording("batched")
    batches: list[list[str]] = []

    async def handle_many(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        batches.append([str(envelope.id) for envelope in envelopes])
        for envelope in envelopes:
            await inner.handler(session, envelope)

    member = await hub.member(
        Consumer("batched", (catalog.PAYMENT_CREATED,), inner.handler, handle_many)
    )

    assert await member.step(asyncio.Event()) == 4

    assert batches == [[str(event_id) for event_id in ids]]
    assert await hub.effects("batched") == (3, 3)
    assert await hub.processed_rows("batched") == 3
    assert await hub.pending("batched") == 0

    more = await hub.published(2)

    async def broken(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await handle_many(session, envelopes)  # written, then rolled back with the batch
        raise ValueError("the batch fails")

    fallback = await hub.member(
        Consumer("batched", (catalog.PAYMENT_CREATED,), inner.handler, broken)
    )
    assert await fallback.step(asyncio.Event()) == 2

    assert batches[-1] == [str(event_id) for event_id in more]
    assert await hub.effects("batched") == (5, 5)
    assert await hub.processed_rows("batched") == 5
    assert await hub.pending("batched") == 0


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug that a deploy fixes"),  # retried in place with back-off
        # An outage: left pending, handled again by the same member once it is over (not
        # only reclaimed by another after the visibility timeout).
        ConnectionAbortedError("the database hung up"),
    ],
    ids=["handler-error", "outage"],
)
async def test_a_handler_that_recovers_takes_effect_once(error: Exception, hub: Hub) -> None:
    await hub.published(1)
    inner = recording("flaky")
    failures = 0

    async def flaky(session: AsyncSession, envelope: Envelope) -> None:
        nonlocal failures
        await inner.handler(session, envelope)  # written, then rolled back on failure
        if failures < 2:
            failures += 1
            raise error

    consumer = Consumer("flaky", (catalog.PAYMENT_CREATED,), flaky)
    member = await hub.member(consumer, visibility_timeout=60.0)  # no reclaim meanwhile
    stop = asyncio.Event()
    task = asyncio.create_task(member.run(stop))
    for _ in range(200):
        if (await hub.effects("flaky"))[0]:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)

    assert failures == 2
    assert await hub.effects("flaky") == (1, 1)
    assert await hub.dead_letters("flaky") == []
    assert await hub.pending("flaky") == 0


async def test_a_member_resumes_what_it_was_left_holding(hub: Hub) -> None:
    """What a member read before an outage interrupted it is pending in its name: it handles
    it itself once the outage is over; an entry trimmed from the stream meanwhile is only
    acknowledged."""
    await hub.published(2)
    member = await hub.member(recording("ledger"))
    await hub.redis.xreadgroup("ledger", "a", {STREAM: ">"}, count=2)  # then the outage
    trimmed: str = (await hub.redis.xrange(STREAM, count=1))[0][0]
    await hub.redis.xdel(STREAM, trimmed)

    assert await member.resume(asyncio.Event()) == 1

    assert await hub.effects("ledger") == (1, 1)
    assert await hub.pending("ledger") == 0


async def test_a_consumer_killed_mid_message_has_it_reclaimed_by_another(hub: Hub) -> None:
    await hub.published(1)
    inner = recording("ledger")
    entered = asyncio.Event()

    async def hangs(session: AsyncSession, envelope: Envelope) -> None:
        await inner.handler(session, envelope)
        entered.set()
        await asyncio.Event().wait()  # never returns: the process "dies" here

    doomed = await hub.member(Consumer("ledger", (catalog.PAYMENT_CREATED,), hangs))
    dying = asyncio.create_task(doomed.step(asyncio.Event()))
    await asyncio.wait_for(entered.wait(), 2)
    dying.cancel()  # killed mid-message: its transaction rolls back, no XACK
    await asyncio.gather(dying, return_exceptions=True)
    assert await hub.pending("ledger") == 1

    rescuer = await hub.member(inner, "b")
    assert await rescuer.reclaim(asyncio.Event()) == 0  # not before the visibility timeout
    await asyncio.sleep(hub.options.visibility_timeout + 0.1)
    assert await rescuer.reclaim(asyncio.Event()) == 1

    assert await hub.effects("ledger") == (1, 1)
    assert await hub.pending("ledger") == 0


async def test_a_message_that_keeps_killing_its_consumer_is_dead_lettered(hub: Hub) -> None:
    await hub.published(1)
    first = await hub.member(recording("ledger"), visibility_timeout=0.05)
    # Delivered max_attempts times without an acknowledgement (each consumer died).
    await hub.redis.xreadgroup("ledger", "a", {STREAM: ">"}, count=1)
    for member in ("b", "c"):
        await asyncio.sleep(0.06)
        await hub.redis.xautoclaim(STREAM, "ledger", member, min_idle_time=50, count=1)
    await asyncio.sleep(0.06)

    assert await first.reclaim(asyncio.Event()) == 1

    assert await hub.pending("ledger") == 0
    (fields,) = await hub.dead_letters("ledger")
    assert fields["error"] == "redelivered"
    assert fields["attempts"] == "4"


async def test_a_malformed_message_is_dead_lettered_at_once(hub: Hub) -> None:
    consumer = await hub.member(recording("ledger"))
    await hub.redis.xadd(
        STREAM, {"id": "x", "type": catalog.PAYMENT_CREATED, "envelope": "{not json"}
    )

    await consumer.step(asyncio.Event())

    (fields,) = await hub.dead_letters("ledger")
    assert fields["error"].startswith("malformed")
    assert await hub.pending("ledger") == 0


async def test_dead_letters_replayed_after_a_fix_take_effect_once(hub: Hub) -> None:
    await hub.published(2)
    fixed = False
    working = recording("ledger")

    async def until_fixed(session: AsyncSession, envelope: Envelope) -> None:
        if not fixed:
            raise ValueError("bug")
        await working.handler(session, envelope)

    consumer = await hub.member(Consumer("ledger", (catalog.PAYMENT_CREATED,), until_fixed))
    bystander = await hub.member(recording("mailer"), "b")
    for member in (consumer, bystander):
        await member.step(asyncio.Event())
    assert await hub.redis.xlen(dead_letter_stream("ledger")) == 2

    fixed = True
    assert await replay(hub.redis, "ledger") == 2
    for member in (consumer, bystander):
        await member.step(asyncio.Event())

    assert await hub.redis.xlen(dead_letter_stream("ledger")) == 0
    assert await hub.effects("ledger") == (2, 2)
    assert await hub.effects("mailer") == (2, 2)  # not twice


async def test_the_handler_runs_in_the_trace_of_the_request_that_caused_the_event(
    hub: Hub,
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    token = context.attach(propagate.extract({"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}))
    try:
        async with transaction(hub.resources.session_factory) as session:
            event = await record_event(
                session, catalog.PAYMENT_CREATED, payment_created(), actor=None
            )
    finally:
        context.detach(token)
    assert event.payload["traceparent"].startswith(f"00-{trace_id}-")
    await hub.publish()
    seen: list[str | None] = []

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        seen.append(current_trace_id())

    consumer = await hub.member(Consumer("tracer", (catalog.PAYMENT_CREATED,), handler))
    await consumer.step(asyncio.Event())

    assert seen == [trace_id]
    assert current_trace_id() is None
