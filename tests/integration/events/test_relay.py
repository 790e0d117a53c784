"""The relay: committed outbox rows reach their topic's stream once, carrying their event id;
rolled-back ones never exist; side-by-side relays never publish a row twice; a failed XADD
never marks a row published."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlmodel import col

from shared.db import make_session_factory, transaction
from shared.events import OutboxEvent, catalog, record_event
from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.events.streams import topic_stream
from shared.graphql.context import Resources
from shared.redis_client import make_redis
from tests.harness import free_port
from tests.integration.events.conftest import RecordEvents, payment_created

STREAM = topic_stream(catalog.PAYMENT_CREATED)


async def unpublished(resources: Resources) -> int:
    async with resources.session_factory() as session:
        return int(
            (
                await session.execute(
                    select(func.count()).where(col(OutboxEvent.published_at).is_(None))
                )
            ).scalar_one()
        )


async def test_committed_events_reach_their_stream_with_their_id(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    ids = await record_payments(3)

    published = await Relay(resources.session_factory, redis, hub_options).publish_batch()

    assert published == 3
    entries = await redis.xrange(STREAM)
    assert [fields["id"] for _, fields in entries] == [str(event_id) for event_id in ids]
    envelope = json.loads(entries[0][1]["envelope"])
    assert envelope["id"] == str(ids[0])
    assert envelope["type"] == catalog.PAYMENT_CREATED
    assert set(envelope) == {"id", "type", "version", "occurred_at", "actor", "data"}
    assert await unpublished(resources) == 0


async def test_a_rollback_leaves_no_event_behind(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(resources.session_factory) as session:
            await record_event(session, catalog.PAYMENT_CREATED, payment_created(), actor=None)
            await session.flush()
            raise RuntimeError("the change failed")

    assert await Relay(resources.session_factory, redis, hub_options).publish_batch() == 0
    async with resources.session_factory() as session:
        assert (await session.execute(select(func.count()).select_from(OutboxEvent))).scalar() == 0
    assert await redis.exists(STREAM) == 0


async def test_relays_side_by_side_publish_every_row_once(
    resources: Resources, redis: Redis, record_payments: RecordEvents
) -> None:
    await record_payments(400)
    options = EventSettings(relay_batch_size=25, _env_file=None)  # type: ignore[call-arg]
    relays = [Relay(resources.session_factory, redis, options) for _ in range(4)]

    async def drain(relay: Relay) -> int:
        total = 0
        while published := await relay.publish_batch():
            total += published
        return total

    counts = await asyncio.gather(*(drain(relay) for relay in relays))

    assert sum(counts) == 400
    assert sum(1 for count in counts if count) > 1  # they really shared the work
    ids = [fields["id"] for _, fields in await redis.xrange(STREAM)]
    assert len(ids) == len(set(ids)) == 400


async def test_nothing_is_marked_published_when_redis_is_down(
    resources: Resources, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    await record_payments(5)
    dead = make_redis(
        resources.settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    )
    try:
        with pytest.raises(RedisError):
            await Relay(resources.session_factory, dead, hub_options).publish_batch()
    finally:
        await dead.aclose()
    assert await unpublished(resources) == 5


async def test_the_relay_loop_waits_out_an_outage_and_stops_on_request(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    await record_payments(5)
    stop = asyncio.Event()
    dead = make_redis(
        resources.settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    )
    try:
        task = asyncio.create_task(Relay(resources.session_factory, dead, hub_options).run(stop))
        await asyncio.sleep(0.2)
        assert not task.done()
        stop.set()
        await asyncio.wait_for(task, 2)
    finally:
        await dead.aclose()
    assert await unpublished(resources) == 5

    stop = asyncio.Event()
    task = asyncio.create_task(Relay(resources.session_factory, redis, hub_options).run(stop))
    for _ in range(100):
        if await unpublished(resources) == 0:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, 2)
    assert await redis.xlen(STREAM) == 5


async def test_a_failed_xadd_leaves_only_its_row_unpublished(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    """Rows whose XADD succeeded are published; the one refused stays for a later batch."""
    (created,) = await record_payments(1)
    async with transaction(resources.session_factory) as session:
        other = await record_event(
            session,
            catalog.LOGIN_FAILED,
            catalog.LoginFailed(user_id=None, reason="unknown_email", client=catalog.ClientInfo()),
            actor=None,
        )
    await redis.set(STREAM, "not a stream")  # its XADD fails (WRONGTYPE), the other's does not
    relay = Relay(resources.session_factory, redis, hub_options)

    with pytest.raises(RedisError):
        await relay.publish_batch()

    assert await unpublished(resources) == 1
    (entry,) = await redis.xrange(topic_stream(catalog.LOGIN_FAILED))
    assert entry[1]["id"] == str(other.id)
    await redis.delete(STREAM)
    assert await relay.publish_batch() == 1
    assert [fields["id"] for _, fields in await redis.xrange(STREAM)] == [str(created)]
    assert await unpublished(resources) == 0


async def test_a_relay_started_on_an_empty_outbox_takes_batches_by_index_as_it_grows(
    resources: Resources, redis: Redis, hub_options: EventSettings, record_payments: RecordEvents
) -> None:
    """The relay's statement stays prepared on its connection: polls of an empty outbox must not
    leave it a plan that reads the whole table once the outbox holds many published rows."""
    engine = create_async_engine(resources.settings.async_database_url, pool_size=1, max_overflow=0)
    one_connection = make_session_factory(engine)  # every poll and check on one backend
    relay = Relay(one_connection, redis, hub_options)
    try:
        async with one_connection() as session:
            await session.execute(text("ANALYZE events.outbox"))
        for _ in range(10):  # more than PostgreSQL's 5 custom plans before it weighs a generic
            assert await relay.publish_batch() == 0
        async with transaction(one_connection) as session:
            await session.execute(_PUBLISHED_ROWS, {"count": 20_000})
        ids = await record_payments(3)
        scans_before = await _sequential_scans_of_outbox(one_connection)

        assert await relay.publish_batch() == 3

        assert await _sequential_scans_of_outbox(one_connection) == scans_before
        assert [fields["id"] for _, fields in await redis.xrange(STREAM)] == [str(i) for i in ids]
    finally:
        await engine.dispose()


_PUBLISHED_ROWS = text(
    "INSERT INTO events.outbox (id, topic, payload, created_at, published_at) "
    "SELECT gen_random_uuid(), 'payment.created', '{}', now() - interval '1 day', "
    "now() - interval '1 day' FROM generate_series(1, :count)"
)


async def _sequential_scans_of_outbox(factory: async_sessionmaker[AsyncSession]) -> int:
    """Sequential scans of events.outbox so far, this backend's latest ones included (its
    pending statistics are flushed when it next goes idle)."""
    async with factory() as session:
        await session.execute(text("SELECT pg_stat_force_next_flush()"))
        await session.commit()
    async with factory() as session:
        scans = await session.execute(
            text("SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'events.outbox'::regclass")
        )
        return int(scans.scalar_one())
