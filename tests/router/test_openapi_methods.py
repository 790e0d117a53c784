"""The methods the combined OpenAPI document declares for a REST path (the router's 405)."""

from __future__ import annotations

from typing import Any

from router.edge.openapi import declared_methods, merge_documents, needs_caller

DOCUMENT: dict[str, Any] = merge_documents(
    {
        "payments": {
            "paths": {
                "/api/payments": {"get": {"responses": {}}, "post": {"responses": {}}},
                "/api/payments/history": {"get": {"responses": {}}},
                "/api/payments/{id}": {
                    "get": {"responses": {}, "security": [{"bearerAuth": []}]},
                    "put": {"responses": {}},
                    "delete": {"responses": {}},
                },
            }
        },
        "auth": {"paths": {"/api/auth/register": {"post": {"responses": {}}}}},
    }
)


def test_a_public_route_declares_only_its_methods() -> None:
    """Found by fuzzing: PUT /api/auth/register with a revoked token was a 401 at the router
    (authentication ran first), where the subgraph answers 405 for a method no route has."""
    assert declared_methods(DOCUMENT, "/api/auth/register") == {"POST", "OPTIONS"}
    assert declared_methods(DOCUMENT, "/api/v1/auth/register/") == {"POST", "OPTIONS"}


def test_templates_match_one_segment_and_literal_routes_add_up() -> None:
    assert declared_methods(DOCUMENT, "/api/payments/42") == {
        "GET",
        "HEAD",
        "PUT",
        "DELETE",
        "OPTIONS",
    }
    assert declared_methods(DOCUMENT, "/api/payments/history") == {
        "GET",
        "HEAD",
        "PUT",
        "DELETE",
        "OPTIONS",
    }
    assert declared_methods(DOCUMENT, "/api/payments") == {"GET", "HEAD", "POST", "OPTIONS"}


def test_an_unknown_route_is_left_to_the_subgraph() -> None:
    assert declared_methods(DOCUMENT, "/api/payments/42/refunds") is None
    assert declared_methods(DOCUMENT, "/api/profile") is None


def test_a_route_needs_a_caller_when_it_declares_security_or_is_unknown() -> None:
    assert not needs_caller(DOCUMENT, "/api/auth/register", "POST")
    assert not needs_caller(DOCUMENT, "/api/v1/auth/register/", "POST")
    assert needs_caller(DOCUMENT, "/api/payments/42", "GET")
    assert needs_caller(DOCUMENT, "/api/payments/42", "HEAD")  # GET's
    # The literal route decides, as the subgraphs route: /history before /{id}.
    assert not needs_caller(DOCUMENT, "/api/payments/history", "GET")
    assert needs_caller(DOCUMENT, "/api/auth/register", "PUT")  # no such operation
    assert needs_caller(DOCUMENT, "/api/payments/42/refunds", "GET")  # no such route
