"""Headers the router forwards to subgraphs, and the client address it believes."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import HTTPConnection

from shared.http.client_ip import client_ip
from shared.observability.tracing import inject_trace_headers

FORWARDED_HEADERS = ("authorization", "traceparent", "tracestate")


def peer_address(request: HTTPConnection) -> str:
    return request.client.host if request.client else "unknown"


def request_client_ip(request: HTTPConnection, trusted_proxies: Collection[str]) -> str:
    """The client's IP: ``X-Forwarded-For`` is believed only from a trusted direct peer."""
    return client_ip(peer_address(request), request.headers.get("x-forwarded-for"), trusted_proxies)


def forwarded_for(request: HTTPConnection, trusted_proxies: Collection[str]) -> str:
    """``X-Forwarded-For`` for the subgraph: the trusted incoming chain plus the direct peer."""
    peer = peer_address(request)
    incoming = request.headers.get("x-forwarded-for")
    if incoming and peer in trusted_proxies:
        return f"{incoming}, {peer}"
    return peer


def subgraph_headers(
    request: HTTPConnection, trusted_proxies: Collection[str], *, anonymous: bool = False
) -> dict[str, str]:
    """Authorization (not when ``anonymous``: a refused token on a request that needs no
    caller), X-Request-ID, X-Forwarded-For and the W3C trace headers (``traceparent``,
    ``tracestate``); the secret is added by the client."""
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    if anonymous:
        headers.pop("authorization", None)
    headers["x-request-id"] = request.scope.get("state", {}).get("request_id", "")
    headers["x-forwarded-for"] = forwarded_for(request, trusted_proxies)
    inject_trace_headers(headers)  # the router's own span when one is current (else the caller's)
    return headers
