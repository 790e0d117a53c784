"""Forward ``/api/<domain>/...`` and ``/api/v1/<domain>/...`` to the owning subgraph.

Requests with a small body of known length (the usual JSON call, and every GET) go over the
lean keep-alive pool of ``router/executor/http1.py``: raw headers in and out (several
``Set-Cookie`` stay several), the body buffered, the answer buffered while small and streamed
when large. HEAD, chunked or larger bodies, multipart uploads, ``https://`` subgraphs and
subgraphs with an httpx transport (tests) are streamed through httpx as before.

What the subgraph receives is the client's request: its headers as sent (but hop-by-hop ones and
what :func:`subgraph_headers` sets) and ``Content-Length`` only with a body or on POST/PUT/PATCH,
as httpx sent it. httpx also filled in the headers a client left out: ``Accept: */*``,
``Accept-Encoding: gzip, deflate`` and ``User-Agent: python-httpx/…``; the lean forward does
not. Nothing of the platform reads the first, the second made subgraphs compress (swagger
assets) for clients that had not asked for it, and the third stood in the audit log as the
caller's user agent; a client that sends them still has them forwarded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from urllib.parse import quote

import httptools
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from router.edge.forwarding import FORWARDED_HEADERS, subgraph_headers
from router.executor.clients import SubgraphClients, SubgraphUnavailable
from router.executor.http1 import IDEMPOTENT_METHODS, ConnectionLost, _header_bytes

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "x-router-secret",
        "x-forwarded-for",
        "x-request-id",
    }
)
_HOP_BY_HOP_RAW = frozenset(name.encode() for name in HOP_BY_HOP)
# Not copied from the client's request: hop-by-hop, what subgraph_headers sets itself, and
# Expect (the router has read the body already; a 100 Continue would only come in between).
_NOT_COPIED = _HOP_BY_HOP_RAW | {name.encode() for name in FORWARDED_HEADERS} | {b"expect"}
# Not copied by the streamed forward: hop-by-hop, and Authorization (subgraph_headers adds it).
_NOT_STREAMED = HOP_BY_HOP | {"authorization"}
_BODYLESS = frozenset({"GET", "OPTIONS"})
# Methods whose request always has a body: an empty one is still sent with `content-length: 0`
# (as httpx does); other methods without a body send no Content-Length (RFC 9110 8.6).
_BODY_EXPECTED = frozenset({"POST", "PUT", "PATCH"})
# An answer of at most this many bytes (declared) is read whole and sent with its length.
BUFFERED_ANSWER_BYTES = 256 * 1024
_NO_CONTENT = frozenset({204, 304})


def domain_of(path: str) -> str | None:
    """``/api/payments/1`` and ``/api/v1/payments/1`` → ``payments``."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0] != "api":
        return None
    if parts[1] == "v1":
        return parts[2] if len(parts) > 2 else None
    return parts[1]


def upstream_path(request: Request) -> str:
    """The path as the client sent it, percent-encoding kept: decoded, a control character
    (``%1F``) makes no valid URL (httpx.InvalidURL, a 500). Routing used the decoded path."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]  # some servers keep the query in it
    return quote(request.url.path)


class _RawResponse(Response):
    """A response with its headers as raw pairs (repeated names kept)."""

    def __init__(self, status: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status
        self.background = None
        self.body = body
        self.raw_headers = raw_headers


class _RawStreamingResponse(StreamingResponse):
    """A streamed response with its headers as raw pairs (repeated names kept)."""

    def __init__(
        self,
        status: int,
        raw_headers: list[tuple[bytes, bytes]],
        body: AsyncIterator[bytes],
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status
        self.background = background
        self.body_iterator = body
        self.raw_headers = raw_headers


async def forward(
    request: Request,
    graph: str,
    clients: SubgraphClients,
    trusted_proxies: Collection[str],
    max_body_bytes: int,
    *,
    anonymous: bool = False,
) -> Response:
    """The subgraph's answer to the request; raises ``httpx.HTTPError`` or
    :class:`SubgraphUnavailable` when there is none. ``anonymous``: the client's
    ``Authorization`` is not forwarded (a refused token on a route that needs no caller)."""
    forwarder = clients.forwarder(graph)
    method = request.method
    if forwarder is None or method == "HEAD":
        return await _forward_streamed(request, graph, clients, trusted_proxies, anonymous)
    lines = []
    declared: bytes | None = None
    streamed = False
    for name, value in request.scope["headers"]:
        if name in _NOT_COPIED:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                streamed = True
            continue
        if name == b"content-type" and value[:10].lower() == b"multipart/":
            streamed = True
        lines.append(b"%s: %s\r\n" % (name, value))
    body: bytes | None = None
    if method not in _BODYLESS:
        if streamed or (declared is not None and not _is_small(declared, max_body_bytes)):
            return await _forward_streamed(request, graph, clients, trusted_proxies, anonymous)
        body = await request.body()
        if not body and method not in _BODY_EXPECTED:
            body = None
    lines.append(_header_bytes(subgraph_headers(request, trusted_proxies, anonymous=anonymous)))
    target = upstream_path(request)
    query = request.scope.get("query_string")
    if query:
        target += "?" + query.decode("latin-1")
    request_line = f"{method} {target} HTTP/1.1\r\n".encode("latin-1")
    try:
        reply = await forwarder.send(
            request_line, b"".join(lines), body, retry=method in IDEMPOTENT_METHODS
        )
        headers = [(k, v) for k, v in reply.headers if k not in _HOP_BY_HOP_RAW]
        if not reply.complete:
            length = reply.content_length()
            if length is None or length > BUFFERED_ANSWER_BYTES:
                stream = reply.stream()
                return _RawStreamingResponse(reply.status, headers, stream)
        content = await reply.read()
    except (OSError, TimeoutError, ConnectionLost, httptools.HttpParserError) as exc:
        raise SubgraphUnavailable(graph, type(exc).__name__) from exc
    if reply.status not in _NO_CONTENT:
        headers.append((b"content-length", b"%d" % len(content)))
    return _RawResponse(reply.status, headers, content)


def _is_small(declared: bytes, limit: int) -> bool:
    return declared.isdigit() and int(declared) <= limit


async def _forward_streamed(
    request: Request,
    graph: str,
    clients: SubgraphClients,
    trusted_proxies: Collection[str],
    anonymous: bool,
) -> Response:
    """Stream the request to ``graph`` through httpx and its answer back."""
    headers = {k: v for k, v in request.headers.items() if k not in _NOT_STREAMED}
    headers.update(subgraph_headers(request, trusted_proxies, anonymous=anonymous))
    url = clients.base_url(graph) + upstream_path(request)
    if request.url.query:
        url += "?" + request.url.query
    body: AsyncIterator[bytes] | None = None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        body = request.stream()
    client = clients.client(graph)
    upstream = await client.send(
        client.build_request(request.method, url, headers=headers, content=body), stream=True
    )
    response_headers = [
        (k.lower(), v) for k, v in upstream.headers.raw if k.lower() not in _HOP_BY_HOP_RAW
    ]
    return _RawStreamingResponse(
        upstream.status_code,
        response_headers,
        upstream.aiter_raw(),
        background=BackgroundTask(upstream.aclose),
    )
