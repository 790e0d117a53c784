"""Pooled HTTP clients per subgraph (keep-alive, timeouts, the router secret header).

GraphQL fetches to plain ``http://`` subgraphs go through a lean HTTP/1.1 keep-alive pool
(``http1.py``: asyncio protocol + httptools; a fraction of aiohttp's CPU per call), to
``https://`` ones through one ``aiohttp`` session per subgraph (half the CPU of httpx). REST
forwarding to plain ``http://`` subgraphs uses the same kind of pool (``Http1Forwarder``); httpx
serves the REST forwards it cannot take (HEAD, streamed or multipart bodies, ``https://``),
health probes and any subgraph given an explicit httpx transport (tests run subgraphs
in-process that way). Identical query fetches in flight at the
same time (same subgraph, body and forwarded headers) are sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
import orjson

from router.executor.http1 import ConnectionLost, Http1Client, Http1Forwarder

ROUTER_SECRET_HEADER = "X-Router-Secret"
# Idle connections are dropped before the subgraphs' own keep-alive (5 s,
# shared.http.server.KEEP_ALIVE_SECONDS) ends, so a request never goes out on a connection the
# subgraph is closing at that moment (an unretried REST forward would answer 503).
IDLE_CONNECTION_SECONDS = 2.0
ANSWER_HEADERS = frozenset({"authorization"})


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
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._http1: dict[str, Http1Client | None] = {}
        self._forwarders: dict[str, Http1Forwarder | None] = {}
        self._base_urls: dict[str, str] = {}
        self._timeout_seconds = timeout
        self._in_flight: dict[tuple[str, bytes, tuple[tuple[str, str], ...]], asyncio.Future[Any]]
        self._in_flight = {}
        self._aiohttp_timeout = aiohttp.ClientTimeout(total=timeout, connect=min(timeout, 3.0))

    def client(self, graph: str) -> httpx.AsyncClient:
        """The shared client of ``graph`` (created on first use)."""
        client = self._clients.get(graph)
        if client is None:
            headers = {ROUTER_SECRET_HEADER: self.secret} if self.secret else {}
            client = httpx.AsyncClient(
                transport=self.transports.get(graph),
                timeout=self.timeout,
                headers=headers,
                limits=httpx.Limits(
                    max_connections=200,
                    max_keepalive_connections=100,
                    keepalive_expiry=IDLE_CONNECTION_SECONDS,
                ),
            )
            self._clients[graph] = client
        return client

    def base_url(self, graph: str) -> str:
        """Scheme, host and port of the subgraph (its routing URL without the path)."""
        base = self._base_urls.get(graph)
        if base is None:
            url = httpx.URL(self.urls[graph])
            base = self._base_urls[graph] = str(url.copy_with(path="/", query=None)).rstrip("/")
        return base

    def forwarder(self, graph: str) -> Http1Forwarder | None:
        """The lean REST forwarder of a plain ``http://`` subgraph (None: forward with httpx,
        as for a subgraph given an httpx transport)."""
        if graph not in self._forwarders:
            headers = {ROUTER_SECRET_HEADER: self.secret} if self.secret else {}
            forwarder = None
            if graph not in self.transports:
                with contextlib.suppress(ValueError):  # not plain http://
                    forwarder = Http1Forwarder(
                        self.urls[graph],
                        headers,
                        self._timeout_seconds,
                        max_idle=IDLE_CONNECTION_SECONDS,
                    )
            self._forwarders[graph] = forwarder
        return self._forwarders[graph]

    def _session(self, graph: str) -> aiohttp.ClientSession:
        session = self._sessions.get(graph)
        if session is None or session.closed:
            headers = {ROUTER_SECRET_HEADER: self.secret} if self.secret else {}
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=200, keepalive_timeout=IDLE_CONNECTION_SECONDS
                ),
                timeout=self._aiohttp_timeout,
                headers=headers,
                json_serialize=lambda value: orjson.dumps(value).decode(),
            )
            self._sessions[graph] = session
        return session

    async def post_graphql(
        self,
        graph: str,
        query: str,
        variables: dict[str, Any] | None,
        headers: Mapping[str, str] | None = None,
        deduplicate: bool = False,
        *,
        read_only: bool,
    ) -> dict[str, Any]:
        """POST a GraphQL request; raises :class:`SubgraphUnavailable` on transport failure.

        ``read_only``: a query, so it may be sent twice (a pooled connection found
        closed is replaced once; a mutation's is not, it may have reached the subgraph). With
        ``deduplicate`` (queries only), a request identical to one in flight waits for that
        one's answer instead of being sent again.
        """
        body: dict[str, Any] = {"query": query}
        if variables:
            body["variables"] = variables
        content = orjson.dumps(body)
        request_headers = {"content-type": "application/json", "accept": "application/json"}
        request_headers.update(headers or {})
        if not deduplicate:
            return _payload(graph, *await self._post(graph, content, request_headers, read_only))
        # Only headers that can change the answer take part (not X-Request-ID / XFF).
        identity = tuple((k, v) for k, v in (headers or {}).items() if k in ANSWER_HEADERS)
        key = (graph, content, identity)
        pending = self._in_flight.get(key)
        if pending is not None:
            # Each caller parses its own copy: results are merged in place afterwards.
            return _payload(graph, *await asyncio.shield(pending))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            answer = await self._post(graph, content, request_headers, read_only)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # marks it retrieved: waiters re-raise it, nobody else must
            raise
        else:
            future.set_result(answer)
        finally:
            del self._in_flight[key]
        return _payload(graph, *answer)

    def _lean(self, graph: str) -> Http1Client | None:
        """The lean HTTP/1.1 client of a plain ``http://`` subgraph (None: use aiohttp)."""
        if graph not in self._http1:
            headers = {ROUTER_SECRET_HEADER: self.secret} if self.secret else {}
            try:
                self._http1[graph] = Http1Client(
                    self.urls[graph], headers, max_idle=IDLE_CONNECTION_SECONDS
                )
            except ValueError:
                self._http1[graph] = None
        return self._http1[graph]

    async def _post(
        self, graph: str, content: bytes, headers: dict[str, str], read_only: bool
    ) -> tuple[int, bytes]:
        if graph not in self.transports and (lean := self._lean(graph)) is not None:
            try:
                async with asyncio.timeout(self._timeout_seconds):
                    return await lean.post(content, headers, retry=read_only)
            except (TimeoutError, OSError, ConnectionLost) as exc:
                raise SubgraphUnavailable(graph, type(exc).__name__) from exc
        if graph in self.transports:
            try:
                response = await self.client(graph).post(
                    self.urls[graph], content=content, headers=headers
                )
            except httpx.HTTPError as exc:
                raise SubgraphUnavailable(graph, type(exc).__name__) from exc
            return response.status_code, response.content
        try:
            async with self._session(graph).post(
                self.urls[graph], data=content, headers=headers
            ) as reply:
                return reply.status, await reply.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise SubgraphUnavailable(graph, type(exc).__name__) from exc

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
        for lean in self._http1.values():
            if lean is not None:
                lean.close()
        self._http1.clear()
        for forwarder in self._forwarders.values():
            if forwarder is not None:
                forwarder.close()
        self._forwarders.clear()


def _payload(graph: str, status: int, raw: bytes) -> dict[str, Any]:
    if status >= 500 and not raw.startswith(b"{"):
        raise SubgraphUnavailable(graph, f"HTTP {status}")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise SubgraphUnavailable(graph, f"HTTP {status}, not JSON") from exc
    if not isinstance(payload, dict):
        raise SubgraphUnavailable(graph, "response is not a JSON object")
    return payload
