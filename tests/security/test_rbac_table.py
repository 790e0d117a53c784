"""The whole RBAC table, generated from the declarations: every REST route and every GraphQL
root field of every subgraph, for every role (anonymous, CUSTOMER, VENDOR, ADMIN).

Expected: the design's table (backend-hld.md §6.2) for the routes it lists, the declared
`Access` (`guard(...)`) for the rest — and the two must agree where both exist. Outcome classes:
401 for anonymous on a protected operation, 403 for a role not allowed, anything but 401/403
(and never a 500) otherwise."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_non_null_type,
)
from starlette.routing import Route

from shared.config import Settings
from shared.errors import Forbidden
from shared.graphql.context import Resources
from shared.graphql.permissions import access_of
from shared.rbac import AUTHENTICATED, PUBLIC, Access, Role, roles
from shared.rest.operation import CompiledRoute, selection_for
from subgraphs.registry import SUBGRAPHS
from tests.factories import create_user

ROLES: list[Role | None] = [None, Role.CUSTOMER, Role.VENDOR, Role.ADMIN]
ALL = AUTHENTICATED

# backend-hld.md §6.2, as written: (method, path) → who may call it.
DESIGN: dict[tuple[str, str], Access] = {
    ("POST", "/api/auth/register"): PUBLIC,
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/logout"): ALL,
    ("POST", "/api/auth/refresh"): ALL,
    ("GET", "/api/auth/me"): ALL,
    ("GET", "/api/payments"): ALL,
    ("POST", "/api/payments"): roles(Role.VENDOR, Role.CUSTOMER),
    ("GET", "/api/payments/{id}"): ALL,
    ("PUT", "/api/payments/{id}"): roles(Role.VENDOR, Role.ADMIN),
    ("GET", "/api/payments/reports"): roles(Role.VENDOR, Role.ADMIN),
    ("GET", "/api/admin/users"): roles(Role.ADMIN),
    ("PUT", "/api/admin/users/{id}"): roles(Role.ADMIN),
    ("PUT", "/api/admin/users/{id}/role"): roles(Role.ADMIN),
    ("GET", "/api/profile"): ALL,
    ("PUT", "/api/profile"): ALL,
}
# Where the implementation knowingly differs from the table, and why.
DEVIATIONS: dict[tuple[str, str], tuple[Access, str]] = {
    ("POST", "/api/auth/refresh"): (
        PUBLIC,
        "the refresh token in the body is the credential: the access token has usually "
        "expired when a client refreshes, so no Authorization header is required",
    ),
}

GUARD_FORBIDDEN = Forbidden.default_message
SAMPLES: dict[str, Any] = {
    "ID": str(uuid.UUID(int=1)),
    "UUID": str(uuid.UUID(int=1)),
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "Decimal": "1",
    "DateTime": "2026-01-01T00:00:00+00:00",
    "Date": "2026-01-01",
    "JSON": {},
}


def _apps(settings: Settings, resources: Resources) -> list[tuple[str, Any]]:
    apps = []
    for spec in SUBGRAPHS:
        module, function = spec.factory.split(":")
        factory: Callable[..., Any] = getattr(importlib.import_module(module), function)
        apps.append((spec.name, factory(settings, resources)))
    return apps


def _schema_of(app: Any) -> Any:
    for route in app.routes:
        if isinstance(route, Route) and route.path == "/graphql":
            return route.endpoint.schema
    raise LookupError("no /graphql route")


def _expected(method: str, path: str, declared: Access) -> Access:
    key = (method, path)
    if key in DEVIATIONS:
        access, _why = DEVIATIONS[key]
        assert declared == access, f"{key}: declared {declared.describe()}"
        return access
    if key in DESIGN:
        assert declared == DESIGN[key], (
            f"{method} {path}: declared {declared.describe()}, design {DESIGN[key].describe()}"
        )
        return DESIGN[key]
    return declared


def _outcome(access: Access, role: Role | None) -> str:
    if access.is_public or access.allows(role):
        return "allowed"
    return "401" if role is None else "403"


def _guard_class(code: Any, message: Any) -> str:
    """The guard's refusals: 401 UNAUTHORIZED (no viewer), 403 FORBIDDEN with the guard's
    message. A 401/403 the operation itself answers (a wrong password, an unknown refresh
    token, "only a VENDOR can initiate") came after the guard let the caller in."""
    if code == "UNAUTHORIZED":
        return "401"
    if code == "FORBIDDEN" and message == GUARD_FORBIDDEN:
        return "403"
    return "allowed"


def _class_of(response: httpx.Response) -> str:
    if response.status_code not in (401, 403):
        return "allowed"
    error = response.json()["error"]
    found = _guard_class(error["code"], error["message"])
    assert found == "allowed" or str(response.status_code) == found, response.text
    return found


def _gql_class(body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    classes = {
        _guard_class((e.get("extensions") or {}).get("code"), e.get("message")) for e in errors
    }
    if any((e.get("extensions") or {}).get("code") == "INTERNAL_ERROR" for e in errors):
        return "500"
    return "401" if "401" in classes else "403" if "403" in classes else "allowed"


def _sample(type_: GraphQLInputType) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _sample(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [_sample(type_.of_type)]
    named = get_named_type(type_)
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    if isinstance(named, GraphQLInputObjectType):
        return {
            name: _sample(field.type)
            for name, field in named.fields.items()
            if is_non_null_type(field.type) and field.default_value is Undefined
        }
    return SAMPLES.get(named.name, "x")


def _operation(kind: str, name: str, field: GraphQLField) -> tuple[str, dict[str, Any]]:
    required = {
        arg_name: arg
        for arg_name, arg in field.args.items()
        if is_non_null_type(arg.type) and arg.default_value is Undefined
    }
    declarations = ", ".join(f"${n}: {a.type}" for n, a in required.items())
    arguments = ", ".join(f"{n}: ${n}" for n in required)
    selection = selection_for(field.type)
    document = (
        f"{kind} Probe{f'({declarations})' if declarations else ''} "
        f"{{ {name}{f'({arguments})' if arguments else ''} {selection} }}"
    )
    return document, {n: _sample(a.type) for n, a in required.items()}


async def _headers(resources: Resources, role: Role | None) -> dict[str, str]:
    """A fresh user per call: a cell may log its caller out (logout) or change it."""
    secret = {"X-Router-Secret": resources.settings.subgraph_secret}
    if role is None:
        return secret
    return {**secret, **(await create_user(resources, role)).headers}


def _request_for(compiled: CompiledRoute, name: str) -> tuple[str, str, dict[str, Any]]:
    route = compiled.route
    path = f"/api/{name}{route.path}".replace("{id}", str(uuid.UUID(int=7)))
    kwargs: dict[str, Any] = {}
    if route.upload_arg:
        kwargs["files"] = {route.upload_arg: ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}
    elif route.method in ("POST", "PUT"):
        body_type = compiled.field.args[route.body_arg].type if route.body_arg else None
        kwargs["json"] = _sample(body_type) if body_type is not None else {}
    return route.method, path, kwargs


async def test_rest_rbac_table(settings: Settings, resources: Resources) -> None:
    table: list[tuple[str, str, str, str, str]] = []
    mismatches = []
    covered_design = set()
    for name, app in _apps(settings, resources):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.20", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as http:
            for compiled in app.state.compiled_routes:
                route = compiled.route
                template = f"/api/{name}{route.path}"
                expected_access = _expected(route.method, template, compiled.access)
                covered_design.add((route.method, template))
                for role in ROLES:
                    method, path, kwargs = _request_for(compiled, name)
                    headers = await _headers(resources, role)
                    response = await http.request(method, path, headers=headers, **kwargs)
                    assert response.status_code < 500, (method, path, role, response.text)
                    got, want = _class_of(response), _outcome(expected_access, role)
                    who = role.value if role else "anonymous"
                    table.append((method, template, who, want, got))
                    if got != want:
                        mismatches.append((method, template, who, want, got, response.text[:200]))
    assert not mismatches, "\n".join(map(str, mismatches))
    missing = set(DESIGN) - covered_design
    assert not missing, f"design routes without a declaration: {missing}"
    print(f"REST RBAC table: {len(table)} cells")
    assert len(table) >= 4 * 30, len(table)


async def test_graphql_rbac_table(settings: Settings, resources: Resources) -> None:
    mismatches = []
    cells = 0
    for name, app in _apps(settings, resources):
        strawberry_schema = _schema_of(app)
        graphql_schema: GraphQLSchema = strawberry_schema._schema
        by_field = {c.route.field: c for c in app.state.compiled_routes}
        transport = httpx.ASGITransport(app=app, client=("203.0.113.21", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://subgraph") as http:
            for kind, root in (
                ("query", graphql_schema.query_type),
                ("mutation", graphql_schema.mutation_type),
            ):
                if root is None:
                    continue
                for field_name, field in root.fields.items():
                    if field_name.startswith("_"):
                        continue
                    declared = access_of(
                        strawberry_schema.get_field_for_type(field_name, root.name)
                    )
                    assert declared is not None, f"{name}.{field_name} declares no access"
                    expected_access = declared
                    if field_name in by_field:
                        route = by_field[field_name].route
                        template = f"/api/{name}{route.path}"
                        expected_access = _expected(route.method, template, declared)
                    if any(get_named_type(a.type).name == "Upload" for a in field.args.values()):
                        continue  # multipart only; its REST route is in the REST table
                    document, variables = _operation(kind, field_name, field)
                    for role in ROLES:
                        headers = await _headers(resources, role)
                        response = await http.post(
                            "/graphql",
                            json={"query": document, "variables": variables},
                            headers=headers,
                        )
                        body = response.json()
                        got, want = _gql_class(body), _outcome(expected_access, role)
                        cells += 1
                        if got != want:
                            who = role.value if role else "anonymous"
                            mismatches.append((name, field_name, who, want, got, str(body)[:300]))
    assert not mismatches, "\n".join(map(str, mismatches))
    print(f"GraphQL RBAC table: {cells} cells")
    assert cells >= 4 * 30, cells


@pytest.mark.parametrize(("method", "path"), sorted(DEVIATIONS))
def test_deviations_from_the_design_are_explained(method: str, path: str) -> None:
    access, why = DEVIATIONS[(method, path)]
    assert len(why) > 40 and access != DESIGN[(method, path)]
