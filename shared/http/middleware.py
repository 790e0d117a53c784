"""Pure-ASGI middleware every subgraph runs: request id, router credential, security headers,
access log, metrics and the request's trace span."""

from __future__ import annotations

import hmac
import logging
import re
import time
import uuid
from collections.abc import Collection
from typing import Any

from opentelemetry.trace import Span
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Unauthorized
from shared.http.responses import failure
from shared.logs import request_id_var
from shared.observability.tracing import server_span

logger = logging.getLogger("access")

REQUEST_ID_HEADER = "x-request-id"
ROUTER_SECRET_HEADER = "x-router-secret"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class DrainState:
    """Set once the process was asked to stop: `/ready` answers 503 and every response carries
    `Connection: close`, so the balancer stops sending and no keep-alive connection outlives us."""

    active: bool = False

    @classmethod
    def start(cls) -> None:
        cls.active = True


REQUESTS = Counter(
    "http_requests_total", "HTTP requests served", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "HTTP request latency", ["service", "method", "route"]
)


# The status a WebSocket is counted under: 101 once accepted, 403 when closed before that.
_WEBSOCKET_STATUS = {"websocket.accept": 101, "websocket.close": 403}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SubgraphEdgeMiddleware:
    """Refuses calls that did not come through the router (public paths excepted), tags each
    request with an id (kept from `X-Request-ID` when sane) and logs it as one JSON line."""

    def __init__(
        self, app: ASGIApp, *, service: str, secret: str, public_paths: Collection[str]
    ) -> None:
        self.app = app
        self.service = service
        self.secret = secret.encode()
        self.public_paths = frozenset(public_paths)
        # Labelled metric children, looked up once per label set rather than per request.
        self._counted: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            # `/api/auth/me/` is `/api/auth/me`, as the seed's Express routes it; no redirect,
            # which would tell the client this subgraph's internal address.
            raw_path = scope.get("raw_path") or path.encode()
            stripped = path.rstrip("/") or "/"
            scope = {**scope, "path": stripped, "raw_path": raw_path.rstrip(b"/") or b"/"}
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = incoming if incoming and _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        method = scope.get("method", "WS")
        try:
            with server_span(_trace_carrier(scope), f"{self.service} {method}") as span:
                await self._serve(scope, receive, send, request_id, span)
        finally:
            request_id_var.reset(token)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, span: Span
    ) -> None:
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] in _WEBSOCKET_STATUS:
                status = _WEBSOCKET_STATUS[message["type"]] if status == 500 else status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                if DrainState.active:
                    headers.append((b"connection", b"close"))
                message["headers"] = headers
            await send(message)

        try:
            if scope["path"] not in self.public_paths and not self._from_router(scope):
                if scope["type"] == "websocket":
                    # Refused before the handshake completes: the client sees HTTP 403.
                    await send_with_headers({"type": "websocket.close", "code": 1008})
                    return
                response = failure(
                    Unauthorized(
                        "This service only answers through the router", code="ROUTER_REQUIRED"
                    )
                )
                await response(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "WS")
            span.update_name(f"{method} {route}")
            span.set_attribute("http.response.status_code", status)
            counted = self._counted.get((method, route, status))
            if counted is None:
                counted = (
                    REQUESTS.labels(self.service, method, route, str(status)),
                    LATENCY.labels(self.service, method, route),
                )
                self._counted[(method, route, status)] = counted
            counted[0].inc()
            counted[1].observe(elapsed)
            logger.info(
                "request",
                extra={
                    "service": self.service,
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                },
            )

    def _from_router(self, scope: Scope) -> bool:
        presented = _header(scope, ROUTER_SECRET_HEADER.encode())
        return presented is not None and hmac.compare_digest(presented.encode(), self.secret)


def _trace_carrier(scope: Scope) -> dict[str, str]:
    carrier = {}
    for name in (b"traceparent", b"tracestate"):
        value = _header(scope, name)
        if value is not None:
            carrier[name.decode()] = value
    return carrier


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
