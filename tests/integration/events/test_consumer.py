"""Consumers: once in effect however often a message arrives, retried then dead-lettered when
the handler keeps failing, and a message whose consumer died taken over by another."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

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


def worker(
    resources: Resources, redis: Redis, consumer: Consumer, options: EventSettings, member: str
) -> ConsumerWorker:
    return ConsumerWorker(consumer, resources.session_factory, redis, options, member=member)


async def publish(resources: Resources, redis: Redis, options: EventSettings) -> None:
    while await Relay(resources.session_factory, redis, options).publish_batch():
        pass


async def pending(redis: Redis, group: str) -> int:
    info = await redis.xpending(STREAM, group)
    return int(info["pending"])


async def processed_rows(resources: Resources, consumer: str) -> int:
    async with resources.session_factory() as session:
        query = select(func.count()).where(ProcessedEvent.consumer == consumer)  # type: ignore[arg-type]
        return int((await session.execute(query)).scalar_one())


async def test_each_event_has_its_effect_once_even_when_sent_again(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    await record_payments(3)
    await publish(resources, redis, hub_options)
    # A relay that crashed after XADD but before its commit sends a row again.
    first = (await redis.xrange(STREAM, count=1))[0][1]
    await redis.xadd(STREAM, first)
    ledger = worker(resources, redis, recording("ledger"), hub_options, "a")
    await ledger.ensure_groups()

    handled = await ledger.step(asyncio.Event())

    assert handled == 4
    assert await effect_counts(resources, "ledger") == (3, 3)
    assert await processed_rows(resources, "ledger") == 3
    assert await pending(redis, "ledger") == 0


async def test_each_group_gets_every_event(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    await record_payments(2)
    await publish(resources, redis, hub_options)
    for name in ("ledger", "mailer"):
        consumer = worker(resources, redis, recording(name), hub_options, "a")
        await consumer.ensure_groups()
        await consumer.step(asyncio.Event())

    assert await effect_counts(resources, "ledger") == (2, 2)
    assert await effect_counts(resources, "mailer") == (2, 2)


async def test_a_failing_handler_is_retried_then_dead_lettered(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    (event_id,) = await record_payments(1)
    await publish(resources, redis, hub_options)
    attempts = 0

    async def broken(session: AsyncSession, envelope: Envelope) -> None:
        nonlocal attempts
        attempts += 1
        raise ValueError("cannot handle this")

    consumer = worker(
        resources, redis, Consumer("broken", (catalog.PAYMENT_CREATED,), broken), hub_options, "a"
    )
    await consumer.ensure_groups()
    await consumer.step(asyncio.Event())

    assert attempts == hub_options.max_attempts == 3
    assert await pending(redis, "broken") == 0
    assert await processed_rows(resources, "broken") == 0  # rolled back with the handler
    (entry,) = await redis.xrange(dead_letter_stream("broken"))
    fields = entry[1]
    assert fields["id"] == str(event_id)
    assert fields["stream"] == STREAM
    assert fields["attempts"] == "3"
    assert "cannot handle this" in fields["error"]
    assert Envelope.model_validate_json(fields["envelope"]).id == event_id


async def test_one_failing_event_of_a_read_does_not_hold_the_others_back(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    """The events of one read are handled in one transaction; when one handler fails, the
    read is handled again one event at a time: the others take effect once, the failing one
    is retried and dead-lettered alone."""
    _, bad, _ = await record_payments(3)
    await publish(resources, redis, hub_options)
    inner = recording("picky")

    async def picky(session: AsyncSession, envelope: Envelope) -> None:
        await inner.handler(session, envelope)  # written, then rolled back on failure
        if envelope.id == bad:
            raise ValueError("not this one")

    member = worker(
        resources, redis, Consumer("picky", (catalog.PAYMENT_CREATED,), picky), hub_options, "a"
    )
    await member.ensure_groups()

    assert await member.step(asyncio.Event()) == 3

    assert await effect_counts(resources, "picky") == (2, 2)
    assert await processed_rows(resources, "picky") == 2
    assert await pending(redis, "picky") == 0
    (entry,) = await redis.xrange(dead_letter_stream("picky"))
    assert entry[1]["id"] == str(bad)
    assert entry[1]["attempts"] == str(hub_options.max_attempts)


async def test_a_batch_handler_gets_the_new_events_of_a_read_together(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    """`handle_many` takes the new events of one read in one call (a re-sent one is left out);
    when it raises, the read is handled again one event at a time by `handler`."""
    ids = await record_payments(3)
    await publish(resources, redis, hub_options)
    first = (await redis.xrange(STREAM, count=1))[0][1]
    await redis.xadd(STREAM, first)  # sent again, as by a relay that crashed before its commit
    inner = recording("batched")
    batches: list[list[str]] = []

    async def handle_many(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        batches.append([str(envelope.id) for envelope in envelopes])
        for envelope in envelopes:
            await inner.handler(session, envelope)

    consumer = Consumer("batched", (catalog.PAYMENT_CREATED,), inner.handler, handle_many)
    member = worker(resources, redis, consumer, hub_options, "a")
    await member.ensure_groups()

    assert await member.step(asyncio.Event()) == 4

    assert batches == [[str(event_id) for event_id in ids]]
    assert await effect_counts(resources, "batched") == (3, 3)
    assert await processed_rows(resources, "batched") == 3
    assert await pending(redis, "batched") == 0

    more = await record_payments(2)
    await publish(resources, redis, hub_options)

    async def broken(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
        await handle_many(session, envelopes)  # written, then rolled back with the batch
        raise ValueError("the batch fails")

    fallback = worker(
        resources,
        redis,
        Consumer("batched", (catalog.PAYMENT_CREATED,), inner.handler, broken),
        hub_options,
        "a",
    )
    assert await fallback.step(asyncio.Event()) == 2

    assert batches[-1] == [str(event_id) for event_id in more]
    assert await effect_counts(resources, "batched") == (5, 5)
    assert await processed_rows(resources, "batched") == 5
    assert await pending(redis, "batched") == 0


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
async def test_a_handler_that_recovers_takes_effect_once(
    error: Exception,
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    await record_payments(1)
    await publish(resources, redis, hub_options)
    inner = recording("flaky")
    failures = 0

    async def flaky(session: AsyncSession, envelope: Envelope) -> None:
        nonlocal failures
        await inner.handler(session, envelope)  # written, then rolled back on failure
        if failures < 2:
            failures += 1
            raise error

    consumer = Consumer("flaky", (catalog.PAYMENT_CREATED,), flaky)
    options = hub_options.model_copy(update={"visibility_timeout": 60.0})  # no reclaim meanwhile
    member = worker(resources, redis, consumer, options, "a")
    await member.ensure_groups()
    stop = asyncio.Event()
    task = asyncio.create_task(member.run(stop))
    for _ in range(200):
        if (await effect_counts(resources, "flaky"))[0]:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)

    assert failures == 2
    assert await effect_counts(resources, "flaky") == (1, 1)
    assert await redis.exists(dead_letter_stream("flaky")) == 0
    assert await pending(redis, "flaky") == 0


async def test_a_member_resumes_what_it_was_left_holding(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    """What a member read before an outage interrupted it is pending in its name: it handles
    it itself once the outage is over; an entry trimmed from the stream meanwhile is only
    acknowledged."""
    await record_payments(2)
    await publish(resources, redis, hub_options)
    member = worker(resources, redis, recording("ledger"), hub_options, "a")
    await member.ensure_groups()
    await redis.xreadgroup("ledger", "a", {STREAM: ">"}, count=2)  # then the outage
    trimmed = (await redis.xrange(STREAM, count=1))[0][0]
    await redis.xdel(STREAM, trimmed)

    assert await member.resume(asyncio.Event()) == 1

    assert await effect_counts(resources, "ledger") == (1, 1)
    assert await pending(redis, "ledger") == 0


async def test_a_consumer_killed_mid_message_has_it_reclaimed_by_another(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    await record_payments(1)
    await publish(resources, redis, hub_options)
    inner = recording("ledger")
    entered = asyncio.Event()

    async def hangs(session: AsyncSession, envelope: Envelope) -> None:
        await inner.handler(session, envelope)
        entered.set()
        await asyncio.Event().wait()  # never returns: the process "dies" here

    doomed = worker(
        resources, redis, Consumer("ledger", (catalog.PAYMENT_CREATED,), hangs), hub_options, "a"
    )
    await doomed.ensure_groups()
    dying = asyncio.create_task(doomed.step(asyncio.Event()))
    await asyncio.wait_for(entered.wait(), 2)
    dying.cancel()  # killed mid-message: its transaction rolls back, no XACK
    await asyncio.gather(dying, return_exceptions=True)
    assert await pending(redis, "ledger") == 1

    rescuer = worker(resources, redis, inner, hub_options, "b")
    assert await rescuer.reclaim(asyncio.Event()) == 0  # not before the visibility timeout
    await asyncio.sleep(hub_options.visibility_timeout + 0.1)
    assert await rescuer.reclaim(asyncio.Event()) == 1

    assert await effect_counts(resources, "ledger") == (1, 1)
    assert await pending(redis, "ledger") == 0


async def test_a_message_that_keeps_killing_its_consumer_is_dead_lettered(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    await record_payments(1)
    await publish(resources, redis, hub_options)
    consumer = recording("ledger")
    options = hub_options.model_copy(update={"visibility_timeout": 0.05})
    first = worker(resources, redis, consumer, options, "a")
    await first.ensure_groups()
    # Delivered max_attempts times without an acknowledgement (each consumer died).
    await redis.xreadgroup("ledger", "a", {STREAM: ">"}, count=1)
    for member in ("b", "c"):
        await asyncio.sleep(0.06)
        await redis.xautoclaim(STREAM, "ledger", member, min_idle_time=50, count=1)
    await asyncio.sleep(0.06)

    assert await first.reclaim(asyncio.Event()) == 1

    assert await pending(redis, "ledger") == 0
    (entry,) = await redis.xrange(dead_letter_stream("ledger"))
    assert entry[1]["error"] == "redelivered"
    assert entry[1]["attempts"] == "4"


async def test_a_malformed_message_is_dead_lettered_at_once(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    consumer = worker(resources, redis, recording("ledger"), hub_options, "a")
    await consumer.ensure_groups()
    await redis.xadd(STREAM, {"id": "x", "type": catalog.PAYMENT_CREATED, "envelope": "{not json"})

    await consumer.step(asyncio.Event())

    (entry,) = await redis.xrange(dead_letter_stream("ledger"))
    assert entry[1]["error"].startswith("malformed")
    assert await pending(redis, "ledger") == 0


async def test_dead_letters_replayed_after_a_fix_take_effect_once(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    record_payments: RecordEvents,
    effects: str,
) -> None:
    await record_payments(2)
    await publish(resources, redis, hub_options)
    fixed = False
    working = recording("ledger")

    async def until_fixed(session: AsyncSession, envelope: Envelope) -> None:
        if not fixed:
            raise ValueError("bug")
        await working.handler(session, envelope)

    consumer = worker(
        resources,
        redis,
        Consumer("ledger", (catalog.PAYMENT_CREATED,), until_fixed),
        hub_options,
        "a",
    )
    bystander = worker(resources, redis, recording("mailer"), hub_options, "b")
    for member in (consumer, bystander):
        await member.ensure_groups()
        await member.step(asyncio.Event())
    assert await redis.xlen(dead_letter_stream("ledger")) == 2

    fixed = True
    assert await replay(redis, "ledger") == 2
    for member in (consumer, bystander):
        await member.step(asyncio.Event())

    assert await redis.xlen(dead_letter_stream("ledger")) == 0
    assert await effect_counts(resources, "ledger") == (2, 2)
    assert await effect_counts(resources, "mailer") == (2, 2)  # not twice


async def test_the_handler_runs_in_the_trace_of_the_request_that_caused_the_event(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    token = context.attach(propagate.extract({"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}))
    try:
        async with transaction(resources.session_factory) as session:
            event = await record_event(
                session, catalog.PAYMENT_CREATED, payment_created(), actor=None
            )
    finally:
        context.detach(token)
    assert event.payload["traceparent"].startswith(f"00-{trace_id}-")
    await publish(resources, redis, hub_options)
    seen: list[str | None] = []

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        seen.append(current_trace_id())

    consumer = worker(
        resources, redis, Consumer("tracer", (catalog.PAYMENT_CREATED,), handler), hub_options, "a"
    )
    await consumer.ensure_groups()
    await consumer.step(asyncio.Event())

    assert seen == [trace_id]
    assert current_trace_id() is None
