"""The design's response envelope, rendered with orjson (Decimals as exact JSON numbers)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from shared.errors import AppError


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # A JSON number written exactly as stored: 100.00 stays 100.00, never 100.0000001.
        return orjson.Fragment(format(value, "f").encode())
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default)


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def success(
    data: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    pagination: dict[str, Any] | None = None,
) -> JSONResponse:
    """The success envelope; a list's `pagination` goes beside its `data`."""
    body: dict[str, Any] = {"success": True, "data": data}
    if pagination is not None:
        body["pagination"] = pagination
    return JSONResponse(body, status_code=status, headers=headers)


def failure(error: AppError) -> JSONResponse:
    return JSONResponse(
        {"success": False, "error": error.to_body()},
        status_code=error.status,
        headers=error.headers or None,
    )
