"""The lean HTTP/1.1 client: keep-alive reuse, chunked bodies, a server that closes, refusal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from router.executor.http1 import ConnectionLost, Http1Client, Http1Forwarder


class Server:
    """A raw HTTP/1.1 server: answers each request with ``responses`` in turn."""

    def __init__(self, responses: list[bytes]) -> None:
        self.responses = responses
        self.requests: list[bytes] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while self.responses:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            self.requests.append(head + await reader.readexactly(length))
            response = self.responses.pop(0)
            writer.write(response)
            await writer.drain()
            if b"connection: close" in response.lower():
                break
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    handler = Server([])
    listening = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield handler, f"http://127.0.0.1:{port}/graphql"
    listening.close()


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


async def test_keep_alive_chunked_and_close(server: tuple[Server, str]) -> None:
    handler, url = server
    handler.responses = [
        ok(b'{"a":1}'),
        b'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{"b\r\n4\r\n":2}\r\n0\r\n\r\n',
        ok(b'{"c":3}', b"connection: close\r\n"),
    ]
    client = Http1Client(url, {"X-Router-Secret": "s"})
    assert await client.post(b"{}", {"authorization": "Bearer t", "bad": "x\r\ny: z"}) == (
        200,
        b'{"a":1}',
    )
    assert await client.post(b"{}", {}) == (200, b'{"b":2}')
    assert await client.post(b"{}", {}) == (200, b'{"c":3}')
    assert handler.connections == 1
    first = handler.requests[0]
    assert first.startswith(b"POST /graphql HTTP/1.1\r\n")
    assert b"X-Router-Secret: s\r\n" in first and b"authorization: Bearer t\r\n" in first
    assert b"y: z" not in first  # a header value with CR/LF is left out
    # The server closed the connection: the next request opens a new one.
    handler.responses = [ok(b'{"d":4}')]
    assert await client.post(b"{}", {}) == (200, b'{"d":4}')
    assert handler.connections == 2
    client.close()


async def test_a_connection_lost_mid_response_and_a_refused_one() -> None:
    async def cut_short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{")
        await writer.drain()
        writer.close()

    listening = await asyncio.start_server(cut_short, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    client = Http1Client(f"http://127.0.0.1:{port}/graphql", {})
    with pytest.raises(ConnectionLost):
        await asyncio.wait_for(client.post(b"{}", {}), 5)
    listening.close()
    with pytest.raises(OSError):
        await Http1Client("http://127.0.0.1:1/graphql", {}).post(b"{}", {})
    with pytest.raises(ValueError):
        Http1Client("https://example.com/graphql", {})


@pytest.fixture
async def drops_the_second() -> AsyncIterator[tuple[str, list[int]]]:
    """A server that answers a connection's first request (keep-alive) and closes it unanswered
    on the next one, as a server closing an idle connection does when a request arrives; the
    list counts connections."""
    connections = [0]

    async def answer_once_then_drop(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        connections[0] += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(ok(b"{}"))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    listening = await asyncio.start_server(answer_once_then_drop, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/graphql", connections
    listening.close()


async def test_forward_retries_only_idempotent_requests_on_a_stale_connection(
    drops_the_second: tuple[str, list[int]],
) -> None:
    """A pooled connection that the server closes as the next request arrives (nothing
    answered): a GET goes once more on a new connection, a POST fails (it may not be sent
    twice)."""
    url, connections = drops_the_second
    forwarder = Http1Forwarder(url, {}, timeout=5, max_idle=60)
    get, post = b"GET / HTTP/1.1\r\n", b"POST / HTTP/1.1\r\n"
    reply = await forwarder.send(get, b"", None, retry=True)
    assert (reply.status, await reply.read()) == (200, b"{}")
    reply = await forwarder.send(get, b"", None, retry=True)
    assert (reply.status, await reply.read()) == (200, b"{}")
    assert connections == [2]
    with pytest.raises(ConnectionLost):
        await forwarder.send(post, b"", b"{}", retry=False)
    assert connections == [2]
    forwarder.close()


async def test_graphql_posts_are_sent_again_only_for_queries(
    drops_the_second: tuple[str, list[int]],
) -> None:
    """The same for the GraphQL client: a query goes once more, a mutation (which the subgraph
    may have received and run) fails instead of running twice."""
    url, connections = drops_the_second
    client = Http1Client(url, {}, max_idle=60)
    assert await client.post(b"{}", {}, retry=True) == (200, b"{}")
    assert await client.post(b"{}", {}, retry=True) == (200, b"{}")
    assert connections == [2]
    with pytest.raises(ConnectionLost):
        await client.post(b"{}", {}, retry=False)
    assert connections == [2]
    client.close()


async def test_a_connection_idle_too_long_is_replaced() -> None:
    handler = Server([ok(b"{}")] * 4)
    listening = await asyncio.start_server(handler.handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    forwarder = Http1Forwarder(f"http://127.0.0.1:{port}", {}, timeout=5, max_idle=0.05)
    client = Http1Client(f"http://127.0.0.1:{port}/graphql", {}, max_idle=0.05)
    post = b"POST / HTTP/1.1\r\n"
    assert (await forwarder.send(post, b"", b"{}", retry=False)).status == 200
    assert (await client.post(b"{}", {}))[0] == 200
    await asyncio.sleep(0.1)
    assert (await forwarder.send(post, b"", b"{}", retry=False)).status == 200
    assert (await client.post(b"{}", {}))[0] == 200
    assert handler.connections == 4
    forwarder.close()
    client.close()
    listening.close()
