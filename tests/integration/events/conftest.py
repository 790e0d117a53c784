"""Fixtures of the event hub tests: fast hub settings, a table where test consumers leave their
effect (one row per handled event, no uniqueness, so a doubled effect would show), events
committed to the outbox, and a Redis server of our own that a test may kill and restart."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.db import transaction
from shared.events import Envelope, catalog, record_event
from shared.events.consumer import Consumer
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from shared.redis_client import make_redis
from tests.harness import free_port

EFFECTS = "public.test_event_effects"
CREATE_EFFECTS = text(
    "CREATE TABLE IF NOT EXISTS public.test_event_effects "
    "(consumer text NOT NULL, event_id uuid NOT NULL)"
)
INSERT_EFFECT = text(
    "INSERT INTO public.test_event_effects (consumer, event_id) VALUES (:consumer, :event_id)"
)
COUNT_EFFECTS = text(
    "SELECT count(*), count(DISTINCT event_id) FROM public.test_event_effects "
    "WHERE consumer = :consumer"
)
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


@pytest.fixture
def hub_options() -> EventSettings:
    return EventSettings(
        max_attempts=3,
        retry_base_seconds=0.01,
        retry_max_seconds=0.05,
        visibility_timeout=0.5,
        read_block_ms=50,
        relay_poll_seconds=0.02,
        relay_batch_size=100,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def effects(resources: Resources) -> AsyncIterator[str]:
    async with transaction(resources.session_factory) as session:
        await session.execute(CREATE_EFFECTS)
        await session.execute(text("TRUNCATE public.test_event_effects"))
    yield EFFECTS


def recording(name: str, topics: tuple[str, ...] = (catalog.PAYMENT_CREATED,)) -> Consumer:
    """A consumer whose effect is a row in the effects table."""

    async def handler(session: AsyncSession, envelope: Envelope) -> None:
        envelope.payload(catalog.PaymentCreated)
        await session.execute(
            INSERT_EFFECT,
            {"consumer": name, "event_id": envelope.id},
        )

    return Consumer(name, topics, handler)


async def effect_counts(resources: Resources, consumer: str) -> tuple[int, int]:
    """(rows, distinct events) the consumer's effect left."""
    async with resources.session_factory() as session:
        row = (
            await session.execute(
                COUNT_EFFECTS,
                {"consumer": consumer},
            )
        ).one()
    return int(row[0]), int(row[1])


def payment_created() -> catalog.PaymentCreated:
    return catalog.PaymentCreated(
        payment_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        type="payment",
        status="PENDING",
        amount=Decimal("12.50"),
        currency="EUR",
    )


RecordEvents = Callable[[int], Awaitable[list[uuid.UUID]]]


@pytest.fixture
def record_payments(resources: Resources) -> RecordEvents:
    """`await record_payments(n)`: n `payment.created` events, each committed on its own."""

    async def record(count: int) -> list[uuid.UUID]:
        ids = []
        for _ in range(count):
            async with transaction(resources.session_factory) as session:
                event = await record_event(
                    session, catalog.PAYMENT_CREATED, payment_created(), actor=None
                )
                ids.append(event.id)
        return ids

    return record


@dataclass
class OwnRedis:
    """A redis-server of this test's own (never the machine's), persisting every write to its
    append-only file, so a kill -9 and restart loses nothing it acknowledged."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603, ASYNC220 - our arguments; spawning is quick
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    if await client.ping():
                        return
                except OSError:
                    pass
                except Exception:  # noqa: S110 - still loading the AOF
                    pass
                await asyncio.sleep(0.02)
            raise RuntimeError("redis-server did not start")
        finally:
            await client.aclose()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
async def hub_redis_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[OwnRedis]:
    """The hub tests' Redis: a server of their own, so that other test runs sharing the
    machine's Redis (and flushing its databases) cannot touch these streams."""
    server = OwnRedis(free_port(), tmp_path_factory.mktemp("hub-redis"))
    await server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
async def redis(hub_redis_server: OwnRedis, settings: Settings) -> AsyncIterator[Redis]:
    """Overrides the shared fixture: a client of the hub tests' own server, emptied after."""
    client = make_redis(settings.model_copy(update={"redis_url": hub_redis_server.url}))
    yield client
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def own_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    server = OwnRedis(free_port(), tmp_path)
    await server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def own_redis_settings(settings: Settings, own_redis: OwnRedis) -> Settings:
    return settings.model_copy(update={"redis_url": own_redis.url})


@pytest.fixture
async def own_redis_client(own_redis_settings: Settings) -> AsyncIterator[Redis]:
    client = make_redis(own_redis_settings)
    yield client
    await client.aclose()
