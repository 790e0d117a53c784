"""The router as users run it: real processes, real sockets, ``run_router`` from a
``supergraph.yaml`` that also lists a subgraph which is not running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.router.subgraphs.apps import SECRET

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {**os.environ, "SUBGRAPH_SECRET": SECRET, "APP_ENV": "test", "REDIS_URL": ""}
    ports = {name: _free_port() for name in ("users", "products", "reviews")}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.router.subgraphs.serve", name, str(port)],
            cwd=ROOT,
            env=env,
        )
        for name, port in ports.items()
    ]
    config = tmp_path_factory.mktemp("router") / "supergraph.yaml"
    lines = ["federation_version: =2.11.0", "subgraphs:"]
    for name, port in {**ports, "missing": _free_port()}.items():
        url = f"http://127.0.0.1:{port}/graphql"
        lines += [
            f"  {name}:",
            f"    routing_url: {url}",
            "    schema:",
            f"      subgraph_url: {url}",
        ]
    config.write_text("\n".join(lines) + "\n")
    router_port = _free_port()
    try:
        for port in ports.values():
            _wait(f"http://127.0.0.1:{port}/health")
        code = f"from router.serve import run_router; run_router('127.0.0.1', {router_port}, {str(config)!r})"
        processes.append(subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env))
        _wait(f"http://127.0.0.1:{router_port}/health")
        yield f"http://127.0.0.1:{router_port}"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


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
