"""A front end's view: REST and GraphQL through the router's one front door."""

from __future__ import annotations

import uuid

import httpx

from shared.graphql.context import Resources

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
