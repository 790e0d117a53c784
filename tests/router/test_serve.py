"""The router as users run it: real processes, real sockets, ``run_router`` from a
``supergraph.yaml`` that also lists a subgraph which is not running; and served as every
service is."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

import router.serve as serve_module
from router.serve import SUPERGRAPH_ENV, run_router
from shared.http.server import CoalescingHttpProtocol, GracefulServer
from tests.harness import free_port
from tests.router.processes import (
    ENV,
    ROOT,
    SUBGRAPHS,
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


FOREIGN_SUPERGRAPH = Path(__file__).parent / "fixtures" / "apollo-v0.3.supergraph.graphql"


def mfe_router(port: int, *extra: str) -> subprocess.Popen[bytes]:
    """``mfe router --supergraph FILE`` with no database, no Redis (a closed port) and none of
    the supergraph's subgraphs running."""
    env = {k: v for k, v in ENV.items() if k != "DATABASE_URL"}
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"
    argv = [sys.executable, "-m", "mfe.cli", "router", "--supergraph", str(FOREIGN_SUPERGRAPH)]
    argv += ["--port", str(port), "--host", "127.0.0.1", *extra]
    return subprocess.Popen(argv, cwd=ROOT, env=env)  # noqa: S603


def test_mfe_router_serves_a_foreign_supergraph_alone() -> None:
    """Start-up time is measured in bench/router/startup.py, not asserted here."""
    port = free_port()
    process = mfe_router(port)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", seconds=60)
        url = f"http://127.0.0.1:{port}/graphql"
        assert httpx.post(url, json={"query": "{ __typename }"}).json() == {
            "data": {"__typename": "Query"}
        }
        # A subgraph that is not there is an error for its fields; Redis down fails open.
        answer = httpx.post(url, json={"query": "{ me { id } }"}).json()
        assert answer["data"] == {"me": None}
        assert answer["errors"][0]["extensions"]["code"] == "SUBGRAPH_UNAVAILABLE"
    finally:
        process.terminate()
        assert process.wait(10) == 0


def test_mfe_router_with_workers() -> None:
    port = free_port()
    process = mfe_router(port, "--workers", "2", "--no-inbound-dedup")
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", seconds=60)
        answers = {
            httpx.post(
                f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}
            ).status_code
            for _ in range(10)
        }
        assert answers == {200}
    finally:
        process.terminate()
        process.wait(15)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_router_is_served_as_every_service_is(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process or uvicorn's workers: uvloop, httptools writing through the coalescing
    transport (status line, headers and body in one write), uvicorn's proxy headers off."""
    served: dict[str, Any] = {}
    monkeypatch.setenv(SUPERGRAPH_ENV, "unchanged")
    monkeypatch.setattr(serve_module, "app_from_env", Starlette)
    monkeypatch.setattr(uvicorn, "run", lambda *_, **options: served.update(options))
    monkeypatch.setattr(
        GracefulServer, "run", lambda server, sockets=None: served.update(vars(server.config))
    )

    run_router("127.0.0.1", free_port(), workers=workers)

    assert served["http"] is CoalescingHttpProtocol
    assert (served["loop"], served["proxy_headers"], served["lifespan"]) == ("uvloop", False, "on")
