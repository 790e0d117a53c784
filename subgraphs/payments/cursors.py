"""Opaque keyset cursors: the sort key and id of the last row of a page, bound to the sort
they were issued for."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from subgraphs.payments.errors import InvalidCursor


def encode(scope: str, *values: Any) -> str:
    raw = orjson.dumps([scope, *[str(value) for value in values]])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, scope: str, size: int) -> list[str]:
    """The `size` values of a cursor issued for `scope`; INVALID_CURSOR (400) otherwise."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidCursor() from None
    if (
        not isinstance(data, list)
        or len(data) != size + 1
        or data[0] != scope
        or not all(isinstance(item, str) for item in data)
    ):
        raise InvalidCursor()
    return data[1:]
