"""JSON logs carrying the request id and trace id of the request being served.

Every request writes one (the access log), so a line is cheap: orjson writes it (what orjson
does not take is written by the standard encoder), and the records skip what no line shows —
the caller's file and line, thread and process names (the logging HOWTO's optimisations)."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

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


def configure_logging(level: str = "INFO") -> None:
    logging._srcfile = None  # no caller look-up per record: no line shows it
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
