"""Every admin route: 401 without a token, 403 for CUSTOMER and VENDOR, through REST and GraphQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from shared.rbac import Role
from subgraphs.admin.rest import ROUTES
from tests.integration.conftest import ApiClient

# A valid body for each body route, so the refusal is about the caller, not the input.
BODIES: dict[str, dict[str, Any]] = {
    "adminCreateUser": {"email": "new@example.com", "name": "New", "role": "CUSTOMER"},
    "adminUpdateUser": {"name": "Renamed"},
    "adminSetUserRole": {"role": "VENDOR"},
    "updateSystemConfig": {"values": {"maintenance_mode": True}},
}


def _request(route: Any) -> tuple[str, str, dict[str, Any] | None]:
    path = "/api/admin" + route.path.replace("{id}", str(uuid.uuid4()))
    return route.method, path, BODIES.get(route.field)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_every_route_is_admin_only(
    route: Any, api: ApiClient, make_user: Callable[..., Any]
) -> None:
    method, path, body = _request(route)
    anonymous = await api.http.request(method, path, json=body)
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
    for role in (Role.CUSTOMER, Role.VENDOR):
        user = await make_user(role)
        refused = await api.http.request(method, path, json=body, headers=user.headers)
        assert refused.status_code == 403, (role, refused.text)
        assert refused.json()["error"]["code"] == "FORBIDDEN"


async def test_graphql_fields_are_admin_only(api: ApiClient, make_user: Callable[..., Any]) -> None:
    customer = await make_user(Role.CUSTOMER)
    for query in (
        "{ adminUsers { totalCount } }",
        "{ auditLogs { totalCount } }",
        "{ analytics { since } }",
        "{ systemConfig { key } }",
        "mutation { updateSystemConfig(input: {values: {maintenance_mode: true}}) { key } }",
    ):
        anonymous = await api.graphql(query)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHORIZED", query
        refused = await api.graphql(query, token=customer.token)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", query


async def test_admin_passes(api: ApiClient, admin: Any) -> None:
    listed = await api.http.get("/api/admin/users", headers=admin.headers)
    assert listed.status_code == 200
    assert listed.json()["pagination"]["total"] == 1
