"""Security probes run against the real platform: every subgraph and a router (e2e's gateway),
plus a second router started with `APP_ENV=production` when a probe needs it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from shared.config import Settings
from subgraphs.registry import SUBGRAPHS
from tests.e2e.conftest import gateway  # noqa: F401  (the fixture, shared with e2e)
from tests.harness import Platform, RunningProcess, write_supergraph_config

PRODUCTION_SECRET = "p" * 48


@pytest.fixture
async def client(gateway: RunningProcess) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with httpx.AsyncClient(base_url=gateway.url, timeout=15) as http:
        yield http


@pytest.fixture(scope="session")
def production_gateway(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProcess]:
    """The auth subgraph and a router, both with APP_ENV=production (and long secrets)."""
    env = {"APP_ENV": "production", "JWT_SECRET": PRODUCTION_SECRET}
    env["SUBGRAPH_SECRET"] = PRODUCTION_SECRET[::-1] + "x"
    platform = Platform(settings, tmp_path_factory.mktemp("production"), env_extra=env)
    try:
        ports = {spec.name: platform.subgraph(spec.name).port for spec in SUBGRAPHS[:1]}
        config = write_supergraph_config(platform.workdir / "supergraph.yaml", ports)
        yield platform.router(config)
    finally:
        platform.stop_all()
