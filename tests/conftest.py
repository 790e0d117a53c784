"""Fixtures every test shares: a migrated database of its own per test run (and per xdist
worker) on the machine's PostgreSQL, a Redis database of its own, clean state for every test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from alembic.config import Config
from redis.asyncio import Redis
from sqlalchemy import text

from shared.config import Environment, Settings
from shared.db import domain_tables
from shared.graphql.context import Resources
from shared.resources import open_resources
from subgraphs.registry import metadata
from tests.harness import Platform

ROOT = Path(__file__).resolve().parents[1]
ADMIN_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
TEST_SUBGRAPH_SECRET = "test-subgraph-secret"
TABLES = domain_tables(metadata)


def _worker_number() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def _redis_database() -> int:
    """DB 1 + xdist worker; TEST_REDIS_DB pins another so two pytest runs never flush each other."""
    pinned = os.environ.get("TEST_REDIS_DB")
    return int(pinned) if pinned else 1 + _worker_number() % 15


def _database_url(name: str) -> str:
    base, _, _ = ADMIN_DATABASE_URL.rpartition("/")
    return f"{base}/{name}"


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = database_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    return config


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A database created and migrated for this run, dropped at the end."""
    name = f"mfe_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = _database_url(name)
    try:
        await _run_sync(command.upgrade, alembic_config(url), "head")
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _run_sync(function: object, *args: object) -> None:
    import asyncio

    await asyncio.to_thread(function, *args)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        app_env=Environment.TEST,
        database_url=database_url,
        redis_url=f"{TEST_REDIS_URL}/{_redis_database()}",
        bcrypt_rounds=4,
        subgraph_secret=TEST_SUBGRAPH_SECRET,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture(scope="session")
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    async with open_resources(settings) as opened:
        yield opened


@pytest.fixture(autouse=True)
async def clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test that touches the database or Redis starts from empty tables and keys."""
    yield
    if "resources" not in request.fixturenames:
        return
    opened: Resources = request.getfixturevalue("resources")
    async with opened.session_factory() as session:
        await session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        await session.commit()
    await opened.redis.flushdb()


@pytest.fixture
def redis(resources: Resources) -> Redis:
    return resources.redis


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings built in the test come from arguments only."""
    for key in list(os.environ):
        if key in {"APP_ENV", "JWT_SECRET", "SUBGRAPH_SECRET", "DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(key)
    yield


@pytest.fixture(scope="session")
def platform(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Real `mfe` processes (subgraphs, routers) started on demand against the test database."""
    running = Platform(settings, tmp_path_factory.mktemp("platform"))
    yield running
    running.stop_all()
