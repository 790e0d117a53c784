"""The scale tests' load client resends a request only when its connection failed before any
answer (what nginx's reload does to an idle kept-alive connection), never after one began."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from tests.deploy.scale import LoadResult, send

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok"
Behaviour = Callable[[int], bytes | None]  # connection number → bytes to send before a reset


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a worker that closes a socket holding an
    unread request does."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _server(behaviour: Behaviour) -> AsyncIterator[str]:
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        number = connections
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                return
            before_reset = behaviour(number)
            if before_reset is None:
                writer.write(OK)
                await writer.drain()
                continue
            writer.write(before_reset)
            await writer.drain()
            _reset(writer)
            return

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


@pytest.fixture
async def reset_first_connection() -> AsyncIterator[str]:
    """The first connection is reset as the request arrives; later ones answer."""
    async for url in _server(lambda number: b"" if number == 1 else None):
        yield url


@pytest.fixture
async def reset_mid_answer() -> AsyncIterator[str]:
    """Every connection sends the status line and part of the headers, then resets."""
    async for url in _server(lambda _: b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhal"):
        yield url


async def test_a_request_reset_before_any_answer_goes_again_on_a_new_connection(
    reset_first_connection: str,
) -> None:
    result = LoadResult()
    async with httpx.AsyncClient(base_url=reset_first_connection, timeout=5) as client:
        response = await send(client, result, "POST", "/api/payments", json={"a": 1})
    assert response.status_code == 200
    assert response.text == "ok"
    assert result.reconnected == 1


async def test_a_reset_after_the_answer_began_is_not_hidden(reset_mid_answer: str) -> None:
    result = LoadResult()
    async with httpx.AsyncClient(base_url=reset_mid_answer, timeout=5) as client:
        with pytest.raises(httpx.TransportError):
            await send(client, result, "GET", "/api/payments/1")
    assert result.reconnected == 0


async def test_a_kept_alive_connection_closed_between_requests_is_replaced(
    reset_first_connection: str,
) -> None:
    """Connection 1 is reset on its first request; connection 2 serves both the retry and the
    next request on the same kept-alive connection."""
    result = LoadResult()
    async with httpx.AsyncClient(base_url=reset_first_connection, timeout=5) as client:
        first = await send(client, result, "GET", "/a")
        await asyncio.sleep(0)
        second = await send(client, result, "GET", "/b")
    assert (first.status_code, second.status_code) == (200, 200)
    assert result.reconnected == 1
