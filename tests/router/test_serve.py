"""The router as users run it: real processes, real sockets, ``run_router`` from a
``supergraph.yaml`` that also lists a subgraph which is not running."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.router.processes import (
    SUBGRAPHS,
    free_port,
    router_command,
    running,
    subgraph_command,
    supergraph_yaml,
    wait_until_up,
)


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ports = {name: free_port() for name in SUBGRAPHS}
    config = tmp_path_factory.mktemp("router") / "supergraph.yaml"
    config.write_text(supergraph_yaml({**ports, "missing": free_port()}))
    router_port = free_port()
    with running(*(subgraph_command(n, p) for n, p in ports.items())):
        for port in ports.values():
            wait_until_up(f"http://127.0.0.1:{port}/health")
        with running(router_command(config, router_port)):
            wait_until_up(f"http://127.0.0.1:{router_port}/health")
            yield f"http://127.0.0.1:{router_port}"


def test_router_serves_federated_queries_over_http(router_url: str) -> None:
    response = httpx.post(
        f"{router_url}/graphql",
        json={"query": "{ topProducts(first: 1) { name reviews { author { name } } } }"},
    )
    assert response.json() == {
        "data": {"topProducts": [{"name": "Table", "reviews": [{"author": {"name": "Ada"}}]}]}
    }


def test_missing_subgraph_is_reported_by_ready(router_url: str) -> None:
    response = httpx.get(f"{router_url}/ready")
    assert response.status_code == 503
    subgraphs = response.json()["subgraphs"]
    assert subgraphs["users"] == "ok"
    assert subgraphs["missing"] != "ok"
