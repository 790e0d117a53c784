"""REST forwarding to a real HTTP server (the lean keep-alive path, and httpx where it still
streams): raw headers both ways, bodies big and small, uploads, HEAD, encoded paths, errors."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from router.app import create_router_app
from router.edge.limits import GraphQLLimits
from router.supergraph.loader import load_supergraph
from router.supergraph.source import ComposedSupergraph, SubgraphConfig
from shared.rbac import Role
from shared.security.tokens import issue_access_token
from tests.harness import free_port
from tests.router.processes import served
from tests.router.subgraphs.apps import SECRET, RecordingApp, transports
from tests.router.test_app import make_settings

BIG = bytes(range(256)) * 8192  # 2 MiB


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def upstream_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers ``/api/upstream/<what>`` as a subgraph would, with what the tests look at."""
    if scope["type"] != "http":
        return
    what = scope["path"].split("/")[3]
    body = await _read_body(receive)
    headers: list[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
    status = 200
    if what == "cookies":
        headers += [
            (b"set-cookie", b"a=1; Path=/; HttpOnly"),
            (b"set-cookie", b"b=2; Path=/"),
            (b"x-multi", b"one"),
            (b"x-multi", b"two"),
            (b"x-request-id", b"upstream-id"),
        ]
        content = b"{}"
    elif what == "big":
        headers = [(b"content-type", b"application/octet-stream")]
        content = BIG
    elif what == "chunked":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(8):
            await send({"type": "http.response.body", "body": BIG[:100_000], "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    elif what == "status":
        status = int(scope["query_string"].decode() or 200)
        content = b"" if status in (204, 304) else b'{"status": %d}' % status
    else:  # echo
        content = orjson.dumps(
            {
                "method": scope["method"],
                "rawPath": scope["raw_path"].decode("latin-1"),
                "query": scope["query_string"].decode("latin-1"),
                "headers": [[k.decode(), v.decode("latin-1")] for k, v in scope["headers"]],
                "size": len(body),
                "peer": scope["client"][1],
                "sha256": hashlib.sha256(body).hexdigest(),
            }
        )
    if status not in (204, 304):
        headers.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    if scope["method"] == "HEAD":
        content = b""
    await send({"type": "http.response.body", "body": content})


@pytest.fixture(scope="module")
async def upstream() -> AsyncIterator[int]:
    async with served(upstream_app) as port:
        yield port


@pytest.fixture(scope="module")
async def router_app(
    supergraph_sdl: str, apps: dict[str, RecordingApp], upstream: int
) -> AsyncIterator[Starlette]:
    composed = ComposedSupergraph(
        load_supergraph(supergraph_sdl),
        {},
        [SubgraphConfig(n, f"http://{n}.test/graphql") for n in apps]
        + [
            SubgraphConfig("upstream", f"http://127.0.0.1:{upstream}/graphql"),
            SubgraphConfig("gone", f"http://127.0.0.1:{free_port()}/graphql"),
        ],
    )
    app = create_router_app(
        make_settings(),
        composed,
        transports=transports(apps),
        limits=GraphQLLimits(max_depth=15, max_aliases=100, max_batch=5),
    )
    yield app
    await app.state.router.gateway.aclose()


@pytest.fixture(scope="module")
async def client(router_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=router_app, client=("10.0.0.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as c:
        yield c


def _echoed(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_headers_path_and_query_reach_the_subgraph(client: httpx.AsyncClient) -> None:
    token, _ = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="a@example.com", role=Role.CUSTOMER
    )
    response = await client.get(
        "/api/upstream/echo/a%2Fb%20c%1F?x=%1F&y=1",
        headers={
            "authorization": f"Bearer {token}",
            "x-request-id": "fwd-1",
            "x-forwarded-for": "6.6.6.6",  # from an untrusted peer: replaced
            "x-router-secret": "forged",
            "accept-language": "fr",
            "connection": "keep-alive",
        },
    )
    echoed = _echoed(response)
    assert echoed["method"] == "GET"
    assert echoed["rawPath"] == "/api/upstream/echo/a%2Fb%20c%1F"
    assert echoed["query"] == "x=%1F&y=1"
    headers = echoed["headers"]
    names = [k for k, _ in headers]
    assert ["x-router-secret", SECRET] in headers and names.count("x-router-secret") == 1
    assert ["authorization", f"Bearer {token}"] in headers and names.count("authorization") == 1
    assert ["x-request-id", "fwd-1"] in headers
    assert ["x-forwarded-for", "10.0.0.9"] in headers and names.count("x-forwarded-for") == 1
    assert ["accept-language", "fr"] in headers
    assert "connection" not in names and names.count("host") == 1
    assert response.headers["x-request-id"] == "fwd-1"
    assert response.headers["x-content-type-options"] == "nosniff"  # the edge's headers


async def test_repeated_response_headers_stay_repeated(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/upstream/cookies")
    assert response.status_code == 200
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/; HttpOnly", "b=2; Path=/"]
    assert response.headers.get_list("x-multi") == ["one", "two"]
    assert response.headers.get_list("x-request-id") != ["upstream-id"]  # the router's own
    assert response.cookies["a"] == "1" and response.cookies["b"] == "2"


async def test_request_bodies_small_chunked_and_too_big(client: httpx.AsyncClient) -> None:
    small = b'{"k": "' + b"v" * 3000 + b'"}'
    echoed = _echoed(await client.put("/api/upstream/echo", content=small))
    assert (echoed["method"], echoed["size"]) == ("PUT", len(small))
    assert echoed["sha256"] == hashlib.sha256(small).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 1000

    streamed = _echoed(await client.post("/api/upstream/echo", content=chunks()))
    assert streamed["size"] == 3000
    too_big = await client.post("/api/upstream/echo", content=b"x" * 5000)
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    empty = _echoed(await client.delete("/api/upstream/echo"))
    assert (empty["method"], empty["size"]) == ("DELETE", 0)


async def test_content_length_only_with_a_body_or_where_one_is_expected(
    client: httpx.AsyncClient,
) -> None:
    """As httpx sent them: no ``content-length: 0`` on a GET or DELETE without a body (a
    server may take it for a body), but on an empty POST/PUT/PATCH."""

    def length(response: httpx.Response) -> list[str]:
        return [v for k, v in _echoed(response)["headers"] if k == "content-length"]

    for method in ("GET", "DELETE", "OPTIONS"):
        assert length(await client.request(method, "/api/upstream/echo")) == [], method
    assert length(await client.request("DELETE", "/api/upstream/echo", content=b"{}")) == ["2"]
    for method in ("POST", "PUT", "PATCH"):
        assert length(await client.request(method, "/api/upstream/echo")) == ["0"], method


async def test_uploads_are_streamed_whole(client: httpx.AsyncClient) -> None:
    photo = b"\x89PNG" + bytes(range(256)) * 100
    echoed = _echoed(
        await client.post(
            "/api/upstream/echo", files={"upload": ("p.png", photo, "image/png")}, data={"a": "b"}
        )
    )
    assert echoed["size"] > len(photo)
    content_type = dict(echoed["headers"])["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")


async def test_big_and_chunked_answers_are_streamed(client: httpx.AsyncClient) -> None:
    big = await client.get("/api/upstream/big")
    assert big.status_code == 200 and big.content == BIG
    chunked = await client.get("/api/upstream/chunked")
    assert chunked.status_code == 200 and chunked.content == BIG[:100_000] * 8
    # The connection went back to the pool after each and serves the next request.
    assert _echoed(await client.get("/api/upstream/echo"))["method"] == "GET"


async def test_head_and_status_codes(client: httpx.AsyncClient) -> None:
    head = await client.head("/api/upstream/echo")
    assert head.status_code == 200 and head.content == b""
    for status in (201, 204, 304, 404, 418, 500):
        response = await client.get(f"/api/upstream/status?{status}")
        assert response.status_code == status
        if status not in (204, 304):
            assert response.json() == {"status": status}
    assert _echoed(await client.get("/api/upstream/echo"))["method"] == "GET"


async def test_a_subgraph_that_is_down_is_a_503_in_the_envelope(
    client: httpx.AsyncClient,
) -> None:
    for method in ("GET", "POST"):
        response = await client.request(method, "/api/gone/thing", json={})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"


async def test_small_calls_share_one_pooled_connection(
    client: httpx.AsyncClient, router_app: Starlette
) -> None:
    """The lean path (no httpx) serves JSON calls: one keep-alive connection, reused."""
    clients = router_app.state.router.gateway.clients
    first = _echoed(await client.get("/api/upstream/echo"))
    second = _echoed(await client.post("/api/upstream/echo", json={"a": 1}))
    assert first["peer"] == second["peer"]
    forwarder = clients.forwarder("upstream")
    assert forwarder is not None and len(forwarder.pool.idle) >= 1
    assert clients.forwarder("users") is None  # an httpx transport: streamed through httpx
