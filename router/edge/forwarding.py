"""Headers the router forwards to subgraphs, and the client address it believes."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import Request

from shared.http.client_ip import client_ip

FORWARDED_HEADERS = ("authorization",)


def peer_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def request_client_ip(request: Request, trusted_proxies: Collection[str]) -> str:
    """The client's IP: ``X-Forwarded-For`` is believed only from a trusted direct peer."""
    return client_ip(peer_address(request), request.headers.get("x-forwarded-for"), trusted_proxies)


def forwarded_for(request: Request, trusted_proxies: Collection[str]) -> str:
    """``X-Forwarded-For`` for the subgraph: the trusted incoming chain plus the direct peer."""
    peer = peer_address(request)
    incoming = request.headers.get("x-forwarded-for")
    if incoming and peer in trusted_proxies:
        return f"{incoming}, {peer}"
    return peer


def subgraph_headers(request: Request, trusted_proxies: Collection[str]) -> dict[str, str]:
    """Authorization, X-Request-ID and X-Forwarded-For (the secret is added by the client)."""
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    headers["x-request-id"] = request.scope.get("state", {}).get("request_id", "")
    headers["x-forwarded-for"] = forwarded_for(request, trusted_proxies)
    return headers
