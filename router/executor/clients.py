"""One pooled HTTP client per subgraph (keep-alive, timeouts, the router secret header)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

ROUTER_SECRET_HEADER = "X-Router-Secret"


class SubgraphUnavailable(Exception):
    """The subgraph did not answer with a GraphQL response (network error, 5xx, bad JSON)."""

    def __init__(self, graph: str, reason: str) -> None:
        super().__init__(f'Subgraph "{graph}" is unavailable: {reason}')
        self.graph = graph
        self.reason = reason


class SubgraphClients:
    """Pooled ``httpx.AsyncClient`` per subgraph URL.

    ``transports`` lets tests run subgraphs in-process (``httpx.ASGITransport``) without any
    change to the code path.
    """

    def __init__(
        self,
        urls: Mapping[str, str],
        secret: str | None,
        timeout: float = 10.0,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        self.urls = dict(urls)
        self.secret = secret
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self.transports = dict(transports or {})
        self._clients: dict[str, httpx.AsyncClient] = {}

    def client(self, graph: str) -> httpx.AsyncClient:
        """The shared client of ``graph`` (created on first use)."""
        client = self._clients.get(graph)
        if client is None:
            headers = {ROUTER_SECRET_HEADER: self.secret} if self.secret else {}
            client = httpx.AsyncClient(
                transport=self.transports.get(graph),
                timeout=self.timeout,
                headers=headers,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
            )
            self._clients[graph] = client
        return client

    def base_url(self, graph: str) -> str:
        """Scheme, host and port of the subgraph (its routing URL without the path)."""
        url = httpx.URL(self.urls[graph])
        return str(url.copy_with(path="/", query=None)).rstrip("/")

    async def post_graphql(
        self,
        graph: str,
        query: str,
        variables: dict[str, Any] | None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST a GraphQL request; raises :class:`SubgraphUnavailable` on transport failure."""
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        request_headers = {"content-type": "application/json", "accept": "application/json"}
        request_headers.update(headers or {})
        try:
            response = await self.client(graph).post(
                self.urls[graph], content=orjson.dumps(body), headers=request_headers
            )
        except httpx.HTTPError as exc:
            raise SubgraphUnavailable(graph, type(exc).__name__) from exc
        if response.status_code >= 500 and not response.content.startswith(b"{"):
            raise SubgraphUnavailable(graph, f"HTTP {response.status_code}")
        try:
            payload = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SubgraphUnavailable(graph, f"HTTP {response.status_code}, not JSON") from exc
        if not isinstance(payload, dict):
            raise SubgraphUnavailable(graph, "response is not a JSON object")
        return payload

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
