"""The combined OpenAPI document declares the router's 429 on every operation it forwards."""

from __future__ import annotations

from typing import Any

from router.edge.openapi import RATE_LIMIT_HEADERS, merge_documents
from router.edge.ratelimit import Decision

SUBGRAPH_429 = {"description": "Too many requests", "content": {"application/json": {}}}
DOCUMENT: dict[str, Any] = merge_documents(
    {
        "payments": {
            "paths": {
                "/api/payments": {
                    "get": {"responses": {"200": {"description": "ok"}}},
                    "post": {"responses": {"201": {"description": "ok"}, "429": SUBGRAPH_429}},
                }
            }
        }
    }
)


def test_every_operation_declares_the_routers_429_with_its_headers() -> None:
    """Found by fuzzing as ADMIN: a stored `rate_limit.requests_per_minute` makes the router
    answer 429 on any route, with Retry-After and the RateLimit-* headers."""
    for operation in DOCUMENT["paths"]["/api/payments"].values():
        rate_limited = operation["responses"]["429"]
        assert rate_limited["headers"] == RATE_LIMIT_HEADERS
        assert rate_limited["headers"]["Retry-After"]["required"] is True
        assert "application/json" in rate_limited["content"]
    post = DOCUMENT["paths"]["/api/payments"]["post"]["responses"]["429"]
    assert post["description"] == SUBGRAPH_429["description"]  # the subgraph's own kept
    assert "headers" not in SUBGRAPH_429  # the subgraph's document is not changed


def test_the_documented_headers_are_the_ones_the_router_sends() -> None:
    refused = Decision(allowed=False, limit=5, remaining=0, reset_seconds=12).headers()
    assert set(refused) == set(RATE_LIMIT_HEADERS)
    allowed = Decision(allowed=True, limit=5, remaining=4, reset_seconds=60).headers()
    assert "Retry-After" not in allowed
