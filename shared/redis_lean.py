"""A lean Redis connection for the few commands sent on every request.

redis-py spends ~140 µs of CPU per command (connection pool, retry wrapper, event dispatch,
a pure-Python RESP3 parser). :class:`LeanRedis` sends commands on one pipelined connection
(an ``asyncio.Protocol``; replies come back in order, one future per command) with a small
RESP2 reader: ~30 µs. It takes its address, credentials and database from a
``redis.asyncio.Redis`` (:meth:`LeanRedis.for_redis`; TLS or a credential provider keep
redis-py: it answers None), connects on first use and again after the connection is lost
(a Redis restart). Failures raise redis-py's own ``ConnectionError`` / ``TimeoutError`` /
``ResponseError`` (or ``OSError`` when the server cannot be reached), so callers handle
them as before. Replies are not decoded: bulk strings are ``bytes``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Any, Self

from redis import exceptions
from redis.asyncio import Redis
from redis.asyncio.connection import Connection, UnixDomainSocketConnection

DEFAULT_TIMEOUT_SECONDS = 2.0


def _command(*args: bytes | str | int) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _reply(buffer: bytes, start: int) -> tuple[Any, int] | None:
    """One RESP2 reply from ``buffer[start:]`` and where the next begins; None if incomplete.
    An error reply is returned (not raised) as a :class:`redis.exceptions.ResponseError`."""
    end = buffer.find(b"\r\n", start)
    if end < 0:
        return None
    kind, line, position = buffer[start], buffer[start + 1 : end], end + 2
    if kind == 0x2B:  # +simple
        return line.decode(), position
    if kind == 0x2D:  # -error
        return exceptions.ResponseError(line.decode(errors="replace")), position
    if kind == 0x3A:  # :integer
        return int(line), position
    if kind == 0x24:  # $bulk
        size = int(line)
        if size < 0:
            return None, position
        if len(buffer) < position + size + 2:
            return None
        return buffer[position : position + size], position + size + 2
    if kind == 0x2A:  # *array
        count = int(line)
        if count < 0:
            return None, position
        items = []
        for _ in range(count):
            item = _reply(buffer, position)
            if item is None:
                return None
            items.append(item[0])
            position = item[1]
        return items, position
    raise exceptions.InvalidResponse(f"unexpected reply type {chr(kind)!r}")


class _Pipe(asyncio.Protocol):
    """One connection; each command written gets the next reply."""

    def __init__(self, timeout: float) -> None:
        self.transport: asyncio.Transport | None = None
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.sent_at: deque[float] = deque()
        self.buffer = b""
        self.closed = False
        self.timeout = timeout
        self._watch: asyncio.TimerHandle | None = None
        # Commands sent during one turn of the loop, written together at its end.
        self._unsent: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        position = 0
        try:
            while position < len(buffer):
                parsed = _reply(buffer, position)
                if parsed is None:
                    break
                value, position = parsed
                waiter = self.waiting.popleft()
                self.sent_at.popleft()
                if not waiter.done():
                    waiter.set_result(value)
        except (exceptions.RedisError, ValueError, IndexError) as exc:
            self.fail(exceptions.ConnectionError(f"bad reply from Redis: {exc}"))
            return
        self.buffer = buffer[position:]

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(exceptions.ConnectionError(f"Redis connection lost: {exc}"))

    def fail(self, exc: Exception) -> None:
        self.closed = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.sent_at.clear()
        self._unsent.clear()
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(exc)

    def send(self, command: bytes) -> asyncio.Future[Any]:
        """The future of ``command``'s reply; it fails with ``redis.exceptions.TimeoutError``
        when the oldest command waits longer than ``timeout`` (one timer per connection, not
        one per command: replies come in order, so the oldest decides). The commands of one
        turn of the loop (concurrent requests' reads) leave in one write, and their replies
        mostly come back in one read: a system call each way per turn, not per command."""
        if self.transport is None or self.closed:
            raise exceptions.ConnectionError("Redis connection closed")
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        now = loop.time()
        self.waiting.append(waiter)
        self.sent_at.append(now)
        if self._watch is None:
            self._watch = loop.call_at(now + self.timeout, self._check)
        if not self._unsent:
            loop.call_soon(self._write)
        self._unsent.append(command)
        return waiter

    def _write(self) -> None:
        unsent = self._unsent
        if not unsent or self.transport is None or self.closed:
            return
        self._unsent = []
        self.transport.write(unsent[0] if len(unsent) == 1 else b"".join(unsent))

    def _check(self) -> None:
        self._watch = None
        if not self.sent_at:
            return
        loop = asyncio.get_running_loop()
        due = self.sent_at[0] + self.timeout
        if loop.time() >= due:
            # A late reply would be taken for the next command's: the connection is done.
            self.fail(exceptions.TimeoutError("Redis did not answer in time"))
        else:
            self._watch = loop.call_at(due, self._check)


class LeanRedis:
    """One pipelined connection to a Redis server, opened on first use and reopened once lost."""

    def __init__(
        self,
        *,
        host: str | None = None,
        port: int = 6379,
        path: str | None = None,
        username: str | None = None,
        password: str | None = None,
        db: int = 0,
        connect_timeout: float | None = None,
        timeout: float | None = None,
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.handshake: list[bytes] = []
        if password:
            auth = (b"AUTH", username, password) if username else (b"AUTH", password)
            self.handshake.append(_command(*auth))
        if db:
            self.handshake.append(_command(b"SELECT", db))
        self.connect_timeout = connect_timeout or DEFAULT_TIMEOUT_SECONDS
        self.timeout = timeout or DEFAULT_TIMEOUT_SECONDS
        self._pipe: _Pipe | None = None
        self._connecting: asyncio.Future[_Pipe] | None = None

    @classmethod
    def for_redis(cls, redis: Redis) -> Self | None:
        """A lean connection to the server ``redis`` talks to (None: TLS or a credential
        provider, which only redis-py handles)."""
        pool = redis.connection_pool
        options = pool.connection_kwargs
        if options.get("credential_provider") is not None:
            return None
        common: dict[str, Any] = {
            "username": options.get("username"),
            "password": options.get("password"),
            "db": int(options.get("db") or 0),
            "connect_timeout": options.get("socket_connect_timeout"),
            "timeout": options.get("socket_timeout"),
        }
        if pool.connection_class is UnixDomainSocketConnection:
            return cls(path=options["path"], **common)
        if pool.connection_class is Connection:
            return cls(host=options["host"], port=int(options["port"]), **common)
        return None

    async def _connect(self) -> _Pipe:
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.connect_timeout):
            if self.path is not None:
                _, pipe = await loop.create_unix_connection(self._new_pipe, self.path)
            else:
                host = self.host or "localhost"
                _, pipe = await loop.create_connection(self._new_pipe, host, self.port)
        replies = [pipe.send(command) for command in self.handshake]
        for reply in replies:
            result = await reply
            if isinstance(result, exceptions.ResponseError):
                pipe.fail(exceptions.ConnectionError(str(result)))
                raise exceptions.AuthenticationError(str(result))
        return pipe

    def _new_pipe(self) -> _Pipe:
        return _Pipe(self.timeout)

    async def _ready_pipe(self) -> _Pipe:
        pipe = self._pipe
        if pipe is not None and not pipe.closed:
            return pipe
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
            try:
                self._pipe = await self._connecting
            finally:
                self._connecting = None
            return self._pipe
        return await asyncio.shield(self._connecting)

    async def reply(self, *args: bytes | str | int) -> Any:
        """The reply to one command; an error reply is returned as a
        :class:`redis.exceptions.ResponseError`, not raised."""
        pipe = await self._ready_pipe()
        return await pipe.send(_command(*args))

    async def execute(self, *args: bytes | str | int) -> Any:
        """The reply to one command; an error reply raises."""
        result = await self.reply(*args)
        if isinstance(result, exceptions.ResponseError):
            raise result
        return result

    async def mget(self, keys: Sequence[str | bytes]) -> list[bytes | None]:
        values: list[bytes | None] = await self.execute(b"MGET", *keys)
        return values

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.fail(exceptions.ConnectionError("closed"))
            self._pipe = None
