"""JSON logs carrying the request id and trace id of the request being served.

Every request writes one (the access log), so a line is cheap: orjson writes it (what orjson
does not take is written by the standard encoder), and the records skip what no line shows —
the caller's file and line, thread and process names (the logging HOWTO's optimisations) — and
the lines written during one turn of the event loop leave in one write at its end, not one
system call each (`TurnFlushedHandler`)."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

from shared.observability.tracing import current_trace_id

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        trace_id = current_trace_id()
        if trace_id:
            entry["trace_id"] = trace_id
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return _json_line(entry)


# Dates and dataclasses as `str` gives them, as the standard encoder's `default=str` did.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _json_line(entry: dict[str, object]) -> str:
    try:
        return orjson.dumps(entry, default=str, option=_OPTIONS).decode()
    except TypeError:  # an int over 64 bits, a key that is not text, ...
        return json.dumps(entry, default=str)


class TurnFlushedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that, inside a running event loop, keeps the lines of one turn of the
    loop and writes them together when the turn ends (a callback scheduled by the turn's first
    line); outside a loop (threads, start-up, shutdown) each line is written at once. `flush`
    writes what is kept, so `logging.shutdown` loses nothing."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self._kept: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record) + self.terminator
        except Exception:  # as StreamHandler: a record that cannot be written is reported
            self.handleError(record)
            return
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        self._kept.append(line)
        if loop is None or (self._flush_on is not None and self._flush_on is not loop):
            self.flush()
        elif self._flush_on is None:
            self._flush_on = loop
            loop.call_soon(self.flush)

    def flush(self) -> None:
        self.acquire()
        try:
            kept, self._kept, self._flush_on = self._kept, [], None
            if kept:
                self.stream.write(kept[0] if len(kept) == 1 else "".join(kept))
            self.stream.flush()
        except Exception:  # a closed or broken stream: as StreamHandler, never raise
            self.handleError(logging.makeLogRecord({"msg": "log lines lost"}))
        finally:
            self.release()


def configure_logging(level: str = "INFO") -> None:
    logging._srcfile = None  # no caller look-up per record: no line shows it
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = TurnFlushedHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
