"""The auth subgraph as a Federation v2 subgraph, and its HTTP surface."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from graphql import parse
from sqlalchemy import event

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.integration.conftest import ApiClient

ENTITIES = """
query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id email name role } } }
"""


async def test_service_sdl_is_federation_v2(api: ApiClient) -> None:
    body = await api.graphql("{ _service { sdl } }")
    sdl = body["data"]["_service"]["sdl"]
    assert '@link(url: "https://specs.apollo.dev/federation/v2' in sdl
    assert 'type User @key(fields: "id")' in sdl
    document = parse(sdl)  # parses as GraphQL
    assert any(getattr(d, "name", None) and d.name.value == "User" for d in document.definitions)
    assert "passwordHash" not in sdl and "password_hash" not in sdl


async def test_entities_resolve_users_in_one_query(
    api: ApiClient, make_user: Callable[..., Any], resources: Resources
) -> None:
    users = [await make_user(Role.CUSTOMER) for _ in range(5)]
    viewer = users[0]
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM auth.users" in statement:
            statements.append(statement)

    engine = resources.session_factory.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        reps = [{"__typename": "User", "id": str(u.id)} for u in users]
        reps.append({"__typename": "User", "id": str(uuid.uuid4())})
        body = await api.graphql(ENTITIES, {"reps": reps}, token=viewer.token)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert [e["id"] if e else None for e in entities] == [str(u.id) for u in users] + [None]
    assert len(statements) == 1


async def test_entities_need_a_signed_in_caller(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    user = await make_user(Role.CUSTOMER)
    body = await api.graphql(ENTITIES, {"reps": [{"__typename": "User", "id": str(user.id)}]})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


async def test_graphql_errors_carry_codes(api: ApiClient) -> None:
    body = await api.graphql("{ me { id } }")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
    invalid = await api.graphql("{ me { nope } }")
    assert invalid["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_graphql_register_and_me(api: ApiClient) -> None:
    body = await api.graphql(
        """mutation($input: RegisterInput!) {
            register(input: $input) { accessToken user { email role } }
        }""",
        {"input": {"email": "g@example.com", "password": "a good passphrase", "name": "G"}},
    )
    token = body["data"]["register"]["accessToken"]
    me = await api.graphql("{ me { email role emailVerified } }", token=token)
    assert me["data"]["me"] == {
        "email": "g@example.com",
        "role": "CUSTOMER",
        "emailVerified": False,
    }


async def test_variable_errors_never_echo_passwords(api: ApiClient) -> None:
    body = await api.graphql(
        "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
        {"input": {"email": "g@example.com", "password": "hunter2-secret-value"}},
    )
    assert "hunter2-secret-value" not in str(body)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_query_depth_and_aliases_are_limited(api: ApiClient) -> None:
    aliases = " ".join(f"a{i}: __typename" for i in range(31))
    body = await api.graphql(f"{{ {aliases} }}")
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"


async def test_mutations_are_refused_over_get(api: ApiClient) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": 'mutation { forgotPassword(input: {email: "a@b.co"}) { message } }'},
    )
    assert response.status_code in (400, 405)


async def test_requests_without_the_router_secret_are_refused(
    client_for: Callable[..., Any],
) -> None:
    from subgraphs.auth.app import create_app

    async with client_for(create_app, with_secret=False) as direct:
        graphql = await direct.http.post("/graphql", json={"query": "{ _service { sdl } }"})
        rest = await direct.http.post("/api/auth/login", json={})
        health = await direct.http.get("/health")
    assert graphql.status_code == rest.status_code == 401
    assert graphql.json()["error"]["code"] == "ROUTER_REQUIRED"
    assert health.status_code == 200


async def test_health_ready_and_request_ids(api: ApiClient) -> None:
    ready = await api.http.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    echoed = await api.http.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    made = await api.http.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert made.headers["x-content-type-options"] == "nosniff"


async def test_unknown_routes_and_methods_use_the_envelope(api: ApiClient) -> None:
    missing = await api.http.get("/api/auth/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"
    wrong_method = await api.http.get("/api/auth/login")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["success"] is False


async def test_openapi_document_lists_every_route(api: ApiClient) -> None:
    document = (await api.http.get("/api/auth/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert set(paths) == {
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/logout",
        "/api/auth/refresh",
        "/api/auth/me",
        "/api/auth/password",
        "/api/auth/forgot-password",
        "/api/auth/reset-password",
    }
    register = paths["/api/auth/register"]["post"]
    assert "201" in register["responses"]
    body = register["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["email", "password", "name"]
    assert body["additionalProperties"] is False
    assert paths["/api/auth/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/api/auth/login"]["post"]
    docs = await api.http.get("/api/auth/docs")
    assert "swagger-ui" in docs.text
