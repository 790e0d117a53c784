"""Forward ``/api/<domain>/...`` and ``/api/v1/<domain>/...`` to the owning subgraph, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse

from router.edge.forwarding import subgraph_headers
from router.executor.clients import SubgraphClients

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


async def forward(
    request: Request, graph: str, clients: SubgraphClients, trusted_proxies: Collection[str]
) -> StreamingResponse:
    """Stream the request to ``graph`` and its answer back; raises ``httpx.HTTPError``."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    headers.update(subgraph_headers(request, trusted_proxies))
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
    response_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
    return StreamingResponse(
        upstream.aiter_raw(),
        status_code=upstream.status_code,
        headers=response_headers,
        background=BackgroundTask(upstream.aclose),
    )
