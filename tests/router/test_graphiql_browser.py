"""GraphiQL in a real browser: Debian's chromium (headless), driven by ``playwright-core`` from
npm (``tests/router/node/graphiql.mjs``, never a browser download), opens the router's
``/graphql``, types a federated query and a header, runs it and must show the result, with every
request going to the router only, and no CSP violation or console error. The router runs as a
real process against the test subgraphs, started from a ``supergraph.yaml`` (as ``mfe up`` does)
and from a supergraph SDL file (as ``mfe router --supergraph FILE`` does).

Swagger UI likewise (``tests/router/node/swagger.mjs``): the router's ``/api/docs`` and a
subgraph's ``/api/<name>/docs`` through the router list the operations and run one, every
request to the router only, no CSP violation."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from router.supergraph.source import SubgraphConfig, compose_from_config
from tests.harness import free_port, npm_ci
from tests.router.processes import (
    NODE_DIR,
    SUBGRAPHS,
    router_command,
    running,
    subgraph_command,
    supergraph_yaml,
    wait_until_up,
)
from tests.router.subgraphs.apps import SECRET

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium, or set "
        "CHROMIUM to another Chromium binary)",
    ),
    pytest.mark.skipif(shutil.which("npm") is None, reason="needs Node and npm"),
]

# users → reviews → products: three subgraphs.
QUERY = "{ me { name reviews { body product { name } } } }"
EXPECTED = {
    "data": {
        "me": {
            "name": "Ada",
            "reviews": [
                {"body": "Solid", "product": {"name": "Table"}},
                {"body": "Bright", "product": {"name": "Lamp"}},
            ],
        }
    }
}
REQUEST_ID = "graphiql-browser-test"


@pytest.fixture(scope="module")
def subgraph_ports() -> Iterator[dict[str, int]]:
    ports = {name: free_port() for name in SUBGRAPHS}
    with running(*(subgraph_command(n, p) for n, p in ports.items())):
        for port in ports.values():
            wait_until_up(f"http://127.0.0.1:{port}/health")
        yield ports


def _write_source(kind: str, ports: dict[str, int], directory: Path) -> Path:
    if kind == "supergraph.yaml":
        path = directory / "supergraph.yaml"
        path.write_text(supergraph_yaml(ports))
        return path
    configs = [SubgraphConfig(n, f"http://127.0.0.1:{p}/graphql") for n, p in ports.items()]
    sdl, missing = asyncio.run(compose_from_config(configs, SECRET))
    assert not missing
    path = directory / "supergraph.graphql"
    path.write_text(sdl)
    return path


@pytest.fixture(scope="module", params=["supergraph.yaml", "supergraph SDL"])
def graphiql_url(
    request: pytest.FixtureRequest,
    subgraph_ports: dict[str, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    source = _write_source(request.param, subgraph_ports, tmp_path_factory.mktemp("graphiql"))
    port = free_port()
    with running(router_command(source, port)):
        wait_until_up(f"http://127.0.0.1:{port}/health")
        yield f"http://127.0.0.1:{port}/graphql"


def _drive(script: str, *args: str) -> dict[str, Any]:
    npm_ci(NODE_DIR)
    completed = subprocess.run(  # noqa: S603 - fixed argv built here
        ["node", script, *args],  # noqa: S607
        cwd=NODE_DIR,
        env={**os.environ, "CHROMIUM": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report: dict[str, Any] = json.loads(completed.stdout)
    assert "failure" not in report, (report["failure"], report, completed.stderr)
    return report


def _drive_graphiql(url: str) -> dict[str, Any]:
    return _drive("graphiql.mjs", url, QUERY, json.dumps({"x-request-id": REQUEST_ID}), "Lamp")


def test_graphiql_runs_a_federated_query_in_chromium(graphiql_url: str) -> None:
    report = _drive_graphiql(graphiql_url)

    assert report["status"] == 200
    csp = {d.split()[0]: d.split()[1:] for d in report["csp"].split("; ")}
    assert csp["script-src"] == ["'self'"]
    assert "cdn.jsdelivr.net" not in report["csp"]
    assert json.loads(report["response"]) == EXPECTED

    router = urlsplit(graphiql_url)
    elsewhere = [
        r["url"]
        for r in report["requests"]
        if urlsplit(r["url"]).scheme != "data" and urlsplit(r["url"]).netloc != router.netloc
    ]
    assert elsewhere == []
    assets = [r["url"] for r in report["requests"] if "/graphiql/" in r["url"]]
    assert len(assets) == 6, assets
    assert report["cspViolations"] == []
    assert report["consoleErrors"] == []
    assert report["pageErrors"] == []

    # The header typed into GraphiQL's headers editor went with the query.
    posts = [r for r in report["requests"] if r["method"] == "POST"]
    assert posts, report["requests"]
    assert all(urlsplit(r["url"]).path == router.path for r in posts)
    assert posts[-1]["headers"]["x-request-id"] == REQUEST_ID


@pytest.mark.parametrize("docs", ["/api/docs", "/api/users/docs"])
def test_swagger_ui_lists_and_runs_operations_in_chromium(graphiql_url: str, docs: str) -> None:
    """The router's combined docs and a subgraph's own docs (forwarded by the router): Swagger
    UI from the vendored files only, under a CSP that allows no other origin."""
    router = urlsplit(graphiql_url)
    report = _drive("swagger.mjs", f"{router.scheme}://{router.netloc}{docs}", "/api/users/echo")

    assert report["status"] == 200
    csp = {d.split()[0]: d.split()[1:] for d in report["csp"].split("; ")}
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # no inline style either
    assert csp["connect-src"] == ["'self'"]
    assert "http" not in report["csp"]
    assert "/api/users/echo" in report["paths"]
    if docs == "/api/docs":  # the combined document
        assert {"/api/products/echo", "/api/reviews/echo"} <= set(report["paths"])
    assert report["executedStatus"] == "200"
    elsewhere = [
        r["url"]
        for r in report["requests"]
        if urlsplit(r["url"]).scheme != "data" and urlsplit(r["url"]).netloc != router.netloc
    ]
    assert elsewhere == []
    assets = [r["url"] for r in report["requests"] if f"{docs}/" in r["url"]]
    assert len(assets) == 4, assets
    assert report["cspViolations"] == []
    assert report["consoleErrors"] == []
    assert report["pageErrors"] == []
