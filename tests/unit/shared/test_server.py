"""Responses leave in one write per turn of the loop (status line, headers and body together),
and are the same responses: complete bodies, streamed ones, keep-alive and closed
connections. The server leaves `X-Forwarded-For` to the service (the peer stays the peer)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from shared.http.server import CoalescedWrites, server_config


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return f"info:{name}"


async def test_the_writes_of_one_turn_leave_together_at_its_end() -> None:
    recording = Recording()
    transport = CoalescedWrites(recording, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert recording.writes == []
    await asyncio.sleep(0)
    assert recording.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    transport.write(b"more")
    transport.close()  # what is pending goes before the connection closes
    assert recording.writes[-1] == b"more"
    assert recording.closed
    assert transport.get_extra_info("peername") == "info:peername"


async def _stream() -> AsyncIterator[bytes]:
    for part in (b"one,", b"two,", b"three"):
        await asyncio.sleep(0.01)
        yield part


async def _plain(request: Request) -> Response:
    return PlainTextResponse("x" * int(request.query_params.get("n", "5")))


async def _streamed(_: Request) -> Response:
    return StreamingResponse(_stream(), media_type="text/plain")


async def _peer(request: Request) -> Response:
    return PlainTextResponse(request.client.host if request.client else "")


APP = Starlette(
    routes=[
        Route("/plain", _plain, methods=["GET", "HEAD"]),
        Route("/s", _streamed),
        Route("/peer", _peer),
    ]
)


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(server_config(APP, "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_responses_are_whole_through_the_coalescing_protocol(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        for n in (0, 5, 300_000):  # keep-alive: one connection for all
            response = await client.get("/plain", params={"n": n})
            assert response.status_code == 200
            assert response.text == "x" * n
        head = await client.head("/plain")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == "5"
        streamed = await client.get("/s")
        assert streamed.text == "one,two,three"
        closing = await client.get("/plain", headers={"Connection": "close"})
        assert closing.text == "xxxxx"
        assert closing.headers["connection"] == "close"


async def test_the_peer_is_not_replaced_by_forwarded_for(base_url: str) -> None:
    """uvicorn would believe 127.0.0.1's `X-Forwarded-For`; the services resolve that chain
    themselves from the real peer and their `TRUSTED_PROXIES`, so it must not."""
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/peer", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.text == "127.0.0.1"
