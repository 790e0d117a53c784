"""The whole platform as real processes: every registered subgraph and a router in front."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from subgraphs.registry import SUBGRAPHS
from tests.harness import Platform, RunningProcess, write_supergraph_config


@pytest.fixture(scope="session")
def gateway(platform: Platform) -> RunningProcess:
    ports = {
        spec.name: (platform.running(spec.name) or platform.subgraph(spec.name)).port
        for spec in SUBGRAPHS
    }
    config = write_supergraph_config(platform.workdir / "supergraph.yaml", ports)
    return platform.running("router") or platform.router(config)


@pytest.fixture
async def client(gateway: RunningProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as http:
        yield http
