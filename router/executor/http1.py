"""A lean HTTP/1.1 client for the GraphQL fetch hot path: keep-alive pool per origin.

Each connection is an ``asyncio.Protocol`` with an ``httptools`` response parser (the parser
uvicorn uses): one request at a time, returned to the pool when the response is complete and
keep-alive holds. Per subgraph call it costs a fraction of aiohttp's CPU (no request/response
objects, no middleware, no header multidicts). Plain ``http://`` only; ``https://`` subgraphs
go through aiohttp. A connection idle longer than ``max_idle`` is closed rather than used (the
server may be closing it). A request on a pooled connection that the server closed unseen
(nothing received) is sent once more on a new connection only when it may be sent twice
(a query; a mutation may have reached the server: it fails instead).

REST forwarding uses the same pool with :class:`_ForwardConnection`: the status and the raw
response headers as soon as they are in, the body buffered while small and then streamed
with back-pressure (:class:`Reply`). Only idempotent requests are sent once more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Generic, TypeVar
from urllib.parse import urlsplit

import httptools

R = TypeVar("R")


class ConnectionLost(Exception):
    """The connection closed before the response was complete."""

    def __init__(self, received: bool) -> None:
        super().__init__("connection closed before the response was complete")
        self.received = received


class _PooledConnection(asyncio.Protocol, Generic[R]):
    """One keep-alive connection of an :class:`OriginPool`, its responses parsed by
    ``httptools`` (the subclass has the parser's callbacks): one request at a time, back to the
    pool when its response is complete and keep-alive holds."""

    def __init__(self, pool: OriginPool[R]) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.received = False
        self.closed = False
        self.idle_since = 0.0

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

    def exchange(self, request: bytes) -> Awaitable[R]:
        """Send ``request``; its answer (raises :class:`ConnectionLost`)."""
        raise NotImplementedError

    def _fail(self, exc: Exception) -> None:
        raise NotImplementedError

    def _finished(self) -> None:
        """The response is complete: back to the pool, or closed."""
        self.received = False
        if self.parser.should_keep_alive() and not self.closed:
            self.idle_since = time.monotonic()
            self.pool.release(self)
        else:
            self.close()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class _Connection(_PooledConnection[tuple[int, bytes]]):
    """Answers with the status and the whole body."""

    def __init__(self, pool: OriginPool[tuple[int, bytes]]) -> None:
        super().__init__(pool)
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.body: list[bytes] = []

    # httptools callbacks
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        waiter, self.waiter = self.waiter, None
        status = self.parser.get_status_code()
        body = b"".join(self.body)
        self.body = []
        self._finished()
        if waiter is not None and not waiter.done():
            waiter.set_result((status, body))

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    def exchange(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter


class OriginPool(Generic[R]):
    """Idle keep-alive connections to one ``host:port``, made by ``factory``. An idle one older
    than ``max_idle`` seconds is closed rather than used (the server may be closing it)."""

    def __init__(
        self,
        host: str,
        port: int,
        factory: Callable[[OriginPool[R]], _PooledConnection[R]],
        limit: int = 200,
        max_idle: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.factory = factory
        self.idle: list[_PooledConnection[R]] = []
        self.limit = limit
        self.max_idle = max_idle

    async def request(self, request: bytes, retry: bool) -> R:
        """Send ``request`` on an idle connection, or a new one. One the server closed unseen
        (nothing received) is replaced once when ``retry``: only for a request that may be sent
        twice, as it may have reached the server."""
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if connection.closed:
                continue
            if now - connection.idle_since > self.max_idle:
                connection.close()
                continue
            try:
                return await connection.exchange(request)
            except ConnectionLost as exc:
                if exc.received or not retry:
                    raise
                break
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(
            lambda: self.factory(self), self.host, self.port
        )
        return await connection.exchange(request)

    def release(self, connection: _PooledConnection[R]) -> None:
        if len(self.idle) < self.limit:
            self.idle.append(connection)
        else:
            connection.close()

    def forget(self, connection: _PooledConnection[R]) -> None:
        if connection in self.idle:
            self.idle.remove(connection)

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()


def _origin(url: str) -> tuple[str, int, str]:
    """Host, port and ``Host`` header of a plain ``http://`` URL (ValueError otherwise)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"not a plain http:// URL: {url}")
    port = parts.port or 80
    return parts.hostname, port, parts.hostname if port == 80 else f"{parts.hostname}:{port}"


class Http1Client:
    """POSTs to one URL over an :class:`OriginPool`, with fixed headers on every request."""

    def __init__(
        self, url: str, headers: Mapping[str, str], limit: int = 200, max_idle: float = 2.0
    ) -> None:
        host, port, host_header = _origin(url)
        self.pool: OriginPool[tuple[int, bytes]] = OriginPool(
            host, port, _Connection, limit, max_idle
        )
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        fixed = {"host": host_header, "user-agent": "mfe-router", **headers}
        self.head = f"POST {path} HTTP/1.1\r\n".encode() + _header_bytes(fixed)

    async def post(
        self, body: bytes, headers: Mapping[str, str], retry: bool = False
    ) -> tuple[int, bytes]:
        """Status and body of the response (raises ``OSError``/:class:`ConnectionLost`).
        ``retry``: the request may be sent twice (a query), see :meth:`OriginPool.request`."""
        request = b"".join(
            (
                self.head,
                _header_bytes(headers),
                b"content-length: %d\r\n\r\n" % len(body),
                body,
            )
        )
        return await self.pool.request(request, retry)

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


# REST forwarding ------------------------------------------------------------------------------

# Methods RFC 9110 calls idempotent: sent once more when a pooled connection turns out closed.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Reading from the subgraph pauses while this much of a response waits for the client.
BUFFER_HIGH_WATER = 256 * 1024


class Reply:
    """One upstream response: the status and raw headers (names lower-cased) once its head is
    in, then its body, buffered until read (reading pauses above ``BUFFER_HIGH_WATER``)."""

    __slots__ = (
        "_wake",
        "buffered",
        "chunks",
        "complete",
        "connection",
        "error",
        "head",
        "headers",
        "status",
    )

    def __init__(self, connection: _ForwardConnection) -> None:
        self.connection = connection
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.complete = False
        self.error: BaseException | None = None
        self.head: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wake: asyncio.Future[None] | None = None

    def notify(self) -> None:
        wake, self._wake = self._wake, None
        if wake is not None and not wake.done():
            wake.set_result(None)

    def content_length(self) -> int | None:
        for name, value in self.headers:
            if name == b"content-length":
                return int(value) if value.isdigit() else None
        return None

    async def _more(self) -> None:
        self._wake = asyncio.get_running_loop().create_future()
        async with asyncio.timeout(self.connection.pool.read_timeout):
            await self._wake

    async def read(self) -> bytes:
        """The whole body (raises :class:`ConnectionLost`, ``TimeoutError`` when nothing
        arrives for the pool's ``read_timeout``)."""
        while not self.complete:
            if self.error is not None:
                raise self.error
            self.connection.resume()
            await self._more()
        body = b"".join(self.chunks)
        self.chunks = []
        return body

    async def stream(self) -> AsyncIterator[bytes]:
        """The body as it arrives; an unfinished response closes its connection when the
        reader stops early."""
        try:
            while True:
                if self.chunks:
                    chunks, self.chunks, self.buffered = self.chunks, [], 0
                    self.connection.resume()
                    yield b"".join(chunks)
                elif self.error is not None:
                    raise self.error
                elif self.complete:
                    return
                else:
                    await self._more()
        finally:
            self.abort()

    def abort(self) -> None:
        if not self.complete:
            self.connection.abandon(self)


class _ForwardConnection(_PooledConnection["Reply"]):
    """One keep-alive connection that answers with a :class:`Reply` (status, headers, body)."""

    pool: ForwardPool

    def __init__(self, pool: OriginPool[Reply]) -> None:
        super().__init__(pool)
        self.reply: Reply | None = None
        self.paused = False
        self.interim = False

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if self.reply is not None:
            self.reply.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        reply = self.reply
        if reply is None:
            return
        status = self.parser.get_status_code()
        if status < 200:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
            reply.headers = []
            self.interim = True
            return
        reply.status = status
        if not reply.head.done():
            reply.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        reply = self.reply
        if reply is None:
            return
        reply.chunks.append(body)
        reply.buffered += len(body)
        if reply.buffered > BUFFER_HIGH_WATER and not self.paused and self.transport is not None:
            self.transport.pause_reading()
            self.paused = True
        reply.notify()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        reply, self.reply = self.reply, None
        self.resume()
        self._finished()
        if reply is not None:
            reply.complete = True
            reply.notify()

    def _fail(self, exc: Exception) -> None:
        reply, self.reply = self.reply, None
        if reply is not None:
            if not reply.head.done():
                reply.head.set_exception(exc)
            else:
                reply.error = exc
                reply.notify()
        self.close()

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()

    def abandon(self, reply: Reply) -> None:
        """The caller gave up on ``reply``: the connection cannot serve another request."""
        if self.reply is reply:
            self.reply = None
        self.close()

    async def exchange(self, request: bytes) -> Reply:
        assert self.transport is not None
        reply = Reply(self)
        self.reply = reply
        self.transport.write(request)
        try:
            await reply.head
        except BaseException:
            self.abandon(reply)
            raise
        return reply


class ForwardPool(OriginPool["Reply"]):
    """Keep-alive :class:`_ForwardConnection` s to one origin, with the time a reply's body
    may take to come."""

    def __init__(
        self, host: str, port: int, limit: int, max_idle: float, read_timeout: float
    ) -> None:
        super().__init__(host, port, _ForwardConnection, limit, max_idle)
        self.read_timeout = read_timeout


class Http1Forwarder:
    """Forwards raw HTTP/1.1 requests to one plain ``http://`` origin over a :class:`ForwardPool`,
    adding ``Host`` and fixed headers (the router secret) to each."""

    def __init__(
        self,
        url: str,
        headers: Mapping[str, str],
        timeout: float,
        limit: int = 200,
        max_idle: float = 2.0,
    ) -> None:
        host, port, host_header = _origin(url)
        self.pool = ForwardPool(host, port, limit, max_idle, timeout)
        self.fixed = _header_bytes({"host": host_header, **headers})
        self.timeout = timeout

    async def send(
        self, request_line: bytes, headers: bytes, body: bytes | None, retry: bool
    ) -> Reply:
        """The reply once its head is in (raises ``OSError``, ``TimeoutError``,
        :class:`ConnectionLost`, ``httptools.HttpParserError``). ``body`` None: the request
        has none, and no ``Content-Length`` either."""
        length = b"\r\n" if body is None else b"content-length: %d\r\n\r\n" % len(body)
        request = b"".join((request_line, self.fixed, headers, length, body or b""))
        async with asyncio.timeout(self.timeout):
            return await self.pool.request(request, retry)

    def close(self) -> None:
        self.pool.close()
