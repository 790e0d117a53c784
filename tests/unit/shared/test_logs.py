"""A log line is one JSON object with the record's fields, its extras, and the request and
trace ids; values JSON has no type for are written as `str` gives them."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import UTC, datetime

from shared.logs import JsonFormatter, request_id_var


def _line(**extra: object) -> dict[str, object]:
    record = logging.LogRecord("access", logging.INFO, __file__, 1, "request %s", ("ok",), None)
    for key, value in extra.items():
        setattr(record, key, value)
    token = request_id_var.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_a_line_holds_the_record_its_extras_and_the_request_id() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    ident = uuid.UUID(int=7)
    line = _line(service="auth", status=200, ms=1.25, at=at, id=ident, tags=["a"], big=2**70)
    assert line.pop("ts")
    assert line == {
        "level": "info",
        "logger": "access",
        "msg": "request ok",
        "request_id": "req-1",
        "service": "auth",
        "status": 200,
        "ms": 1.25,
        "at": str(at),
        "id": str(ident),
        "tags": ["a"],
        "big": 2**70,
    }


def test_an_exception_is_written_with_its_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in line["exc"]
    assert line["level"] == "error"


class _Writes:
    """A stream that records each write."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> None:
        self.writes.append(text)

    def flush(self) -> None:
        pass


def test_the_lines_of_one_loop_turn_leave_in_one_write_and_none_is_lost() -> None:
    import asyncio

    from shared.logs import TurnFlushedHandler

    stream = _Writes()
    handler = TurnFlushedHandler(stream)
    logger = logging.getLogger("test-turn-flushed")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("outside a loop")  # written at once
        assert stream.writes == ["outside a loop\n"]

        async def turn() -> None:
            logger.warning("one")
            logger.warning("two")
            assert len(stream.writes) == 1  # kept until the turn ends
            await asyncio.sleep(0)
            assert stream.writes[1:] == ["one\ntwo\n"]
            logger.warning("three")

        asyncio.run(turn())
        handler.flush()  # as logging.shutdown: what a closing loop left is written
        assert "".join(stream.writes) == "outside a loop\none\ntwo\nthree\n"
    finally:
        logger.removeHandler(handler)
