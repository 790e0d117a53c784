"""A front end's view: REST and GraphQL through the router's one front door."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from shared.config import Settings
from shared.graphql.context import Resources
from shared.rbac import Role
from shared.security.tokens import issue_access_token

PASSWORD = "a fine passphrase"


async def _register(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": "E2E"}
    )
    assert response.status_code == 201, response.text
    data: dict[str, str] = response.json()["data"]
    return data


async def test_rest_and_graphql_share_one_session(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    session = await _register(client)
    headers = {"Authorization": f"Bearer {session['accessToken']}"}
    me = await client.get("/api/auth/me", headers=headers)
    assert me.status_code == 200
    assert me.headers["x-request-id"]
    graph = await client.post("/graphql", json={"query": "{ me { id email } }"}, headers=headers)
    assert graph.json()["data"]["me"]["id"] == me.json()["data"]["id"]
    v1 = await client.get("/api/v1/auth/me", headers=headers)
    assert v1.json() == me.json()
    logout = await client.post("/api/auth/logout", headers=headers)
    assert logout.status_code == 200
    after = await client.get("/api/auth/me", headers=headers)
    assert after.status_code == 401


async def test_errors_keep_the_envelope_through_the_router(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    missing = await client.get("/api/nope/thing")
    assert missing.status_code == 404
    assert missing.json()["success"] is False
    invalid = await client.post("/api/auth/login", json={"email": "x@example.com"})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_combined_openapi_lists_the_auth_routes(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/openapi.json")).json()
    assert "/api/auth/login" in document["paths"]


async def test_graphiql_opens_for_a_browser(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_a_stale_token_does_not_lock_the_client_out(
    client: httpx.AsyncClient, settings: Settings, resources: Resources
) -> None:
    """A client with an expired, invalid or revoked access token still in its defaults can log
    in, refresh and register (routes and operations that need no caller take it as none);
    what needs a caller still answers 401 with the token's code."""
    session = await _register(client)
    user = session["user"]
    expired, _ = issue_access_token(
        settings.model_copy(update={"jwt_expires_in": timedelta(seconds=-5)}),
        user_id=uuid.UUID(user["id"]),
        email=user["email"],
        role=Role.CUSTOMER,
    )
    revoked = session["accessToken"]
    logout = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {revoked}"})
    assert logout.status_code == 200
    login = {"email": user["email"], "password": PASSWORD}
    stale = [(expired, "TOKEN_EXPIRED"), ("not.a.jwt", "INVALID_TOKEN"), (revoked, "TOKEN_REVOKED")]
    for token, code in stale:
        headers = {"Authorization": f"Bearer {token}"}
        signed_in = await client.post("/api/v1/auth/login", json=login, headers=headers)
        assert signed_in.status_code == 200, (code, signed_in.text)
        refresh = {"refreshToken": signed_in.json()["data"]["refreshToken"]}
        refreshed = await client.post("/api/auth/refresh", json=refresh, headers=headers)
        assert refreshed.status_code == 200, (code, refreshed.text)
        email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
        account = {"email": email, "password": PASSWORD, "name": "E2E"}
        registered = await client.post("/api/auth/register", json=account, headers=headers)
        assert registered.status_code == 201, (code, registered.text)
        graph_login = await client.post(
            "/graphql",
            json={
                "query": "mutation($input: LoginInput!) { login(input: $input) { user { id } } }",
                "variables": {"input": login},
            },
            headers=headers,
        )
        assert graph_login.json()["data"]["login"]["user"]["id"] == user["id"], code
        me = await client.get("/api/auth/me", headers=headers)
        assert me.status_code == 401 and me.json()["error"]["code"] == code
        graph_me = await client.post("/graphql", json={"query": "{ me { id } }"}, headers=headers)
        assert graph_me.status_code == 401
        assert graph_me.json()["errors"][0]["extensions"]["code"] == code
