"""A lean HTTP/1.1 client for the GraphQL fetch hot path: keep-alive pool per origin.

Each connection is an ``asyncio.Protocol`` with an ``httptools`` response parser (the parser
uvicorn uses): one request at a time, returned to the pool when the response is complete and
keep-alive holds. Per subgraph call it costs a fraction of aiohttp's CPU (no request/response
objects, no middleware, no header multidicts). Plain ``http://`` only; ``https://`` subgraphs
go through aiohttp. A request on a pooled connection that the server closed while idle
(nothing received) is sent once more on a new connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools


class ConnectionLost(Exception):
    """The connection closed before the response was complete."""

    def __init__(self, received: bool) -> None:
        super().__init__("connection closed before the response was complete")
        self.received = received


class _Connection(asyncio.Protocol):
    def __init__(self, pool: OriginPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []
        self.received = False
        self.closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.forget(self)
        self._fail(ConnectionLost(self.received))

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        status = self.parser.get_status_code()
        body = b"".join(self.body)
        keep_alive = self.parser.should_keep_alive()
        self.body = []
        self.received = False
        if keep_alive and not self.closed:
            self.pool.release(self)
        else:
            self.close()
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter


class OriginPool:
    """Idle keep-alive connections to one ``host:port``."""

    def __init__(self, host: str, port: int, limit: int = 200) -> None:
        self.host = host
        self.port = port
        self.idle: list[_Connection] = []
        self.limit = limit

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: _Connection(self), self.host, self.port)
        return protocol

    def release(self, connection: _Connection) -> None:
        if len(self.idle) < self.limit:
            self.idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: _Connection) -> None:
        if connection in self.idle:
            self.idle.remove(connection)

    async def request(self, request: bytes) -> tuple[int, bytes]:
        while self.idle:
            connection = self.idle.pop()
            if connection.closed:
                continue
            try:
                return await connection.send(request)
            except ConnectionLost as exc:
                if exc.received:
                    raise
                break  # closed by the server while idle: once more on a new connection
        return await (await self._connect()).send(request)

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


class Http1Client:
    """POSTs to one URL over an :class:`OriginPool`, with fixed headers on every request."""

    def __init__(self, url: str, headers: Mapping[str, str], limit: int = 200) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not a plain http:// URL: {url}")
        port = parts.port or 80
        self.pool = OriginPool(parts.hostname, port, limit)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname if port == 80 else f"{parts.hostname}:{port}"
        fixed = {"host": host, "user-agent": "mfe-router", **headers}
        self.head = f"POST {path} HTTP/1.1\r\n".encode() + _header_bytes(fixed)

    async def post(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """Status and body of the response (raises ``OSError``/:class:`ConnectionLost`)."""
        request = b"".join(
            (
                self.head,
                _header_bytes(headers),
                b"content-length: %d\r\n\r\n" % len(body),
                body,
            )
        )
        return await self.pool.request(request)

    def close(self) -> None:
        self.pool.close()


def _header_bytes(headers: Mapping[str, str]) -> bytes:
    """``name: value\\r\\n`` lines; a name or value with CR/LF/NUL is left out."""
    lines = []
    for name, value in headers.items():
        line = f"{name}: {value}"
        if "\r" in line or "\n" in line or "\0" in line:
            continue
        lines.append(line + "\r\n")
    return "".join(lines).encode("latin-1", "replace")
