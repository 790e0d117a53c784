"""GraphQL abuse through the router: every oversized or malformed operation is refused with a
clear error (a code, HTTP 4xx) and never reaches a 500; production hides the schema."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.factories import create_user
from tests.harness import RunningProcess


def _codes(body: Any) -> list[str]:
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [str((error.get("extensions") or {}).get("code")) for error in errors]


def _refused(response: httpx.Response, *codes: str) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()
    assert body.get("data") is None, body
    assert body["errors"] and all(e.get("message") for e in body["errors"]), body
    found = _codes(body)
    assert "INTERNAL_ERROR" not in found, body
    if codes:
        assert set(found) & set(codes), (found, codes)
    return body


@pytest.fixture
async def headers(resources: Resources) -> dict[str, str]:
    return (await create_user(resources, Role.CUSTOMER)).headers


async def test_101_aliases_are_refused(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    aliases = " ".join(f"a{i}: id" for i in range(101))
    response = await client.post("/graphql", json={"query": f"{{ me {{ {aliases} }} }}"})
    _refused(response, "MAX_ALIASES_EXCEEDED")
    # ... and through a fragment, which a naive count misses (strawberry < 0.315.7).
    fragment = f"fragment F on User {{ {aliases} }}"
    query = f"{{ me {{ ...F }} }} {fragment}"
    _refused(await client.post("/graphql", json={"query": query}, headers=headers))


async def test_a_batch_of_10_is_refused(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ __typename }"} for _ in range(10)]
    body = (await client.post("/graphql", json=batch)).json()
    assert _codes(body) == ["BATCH_LIMIT_EXCEEDED"], body
    response = await client.post("/graphql", json=batch)
    assert response.status_code == 400


async def test_500_duplicated_fields_are_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    query = "{ me { " + " ".join(["id"] * 500) + " } }"
    _refused(await client.post("/graphql", json={"query": query}, headers=headers))


async def test_depth_16_is_refused(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    cycle = ["payments(first: 1)", "edges", "node", "user"]
    levels = ["me"] + [cycle[i % 4] for i in range(15)]  # 16 nested selections, then a leaf
    query = "id"
    for level in reversed(levels):
        query = f"{level} {{ {query} }}"
    response = await client.post("/graphql", json={"query": f"{{ {query} }}"}, headers=headers)
    _refused(response, "MAX_DEPTH_EXCEEDED")


async def test_10_repeated_directives_are_refused(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    directives = " ".join(["@include(if: true)"] * 10)
    query = f"{{ me {directives} {{ id }} }}"
    _refused(await client.post("/graphql", json={"query": query}, headers=headers))


async def test_a_mutation_over_get_is_refused(client: httpx.AsyncClient) -> None:
    mutation = 'mutation { login(input: {email: "a@example.com", password: "x"}) { accessToken } }'
    response = await client.get("/graphql", params={"query": mutation})
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert _codes(response.json()) == ["METHOD_NOT_ALLOWED"]


async def test_malformed_requests_are_clear_4xx(client: httpx.AsyncClient) -> None:
    for body in (b"{", b"[]", b'{"query": 1}', b'{"query": "{ me", "variables": []}', b"null"):
        response = await client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        _refused(response)
    _refused(await client.post("/graphql", json={"query": "{ nope }"}))


async def test_production_hides_introspection_and_suggestions(
    production_gateway: RunningProcess,
) -> None:
    async with httpx.AsyncClient(base_url=production_gateway.url, timeout=10) as http:
        schema = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        body = _refused(schema)
        assert "introspection" in str(body).lower()
        typed = await http.post("/graphql", json={"query": '{ __type(name: "User") { name } }'})
        _refused(typed)
        typo = await http.post("/graphql", json={"query": "{ mee { id } }"})
        body = _refused(typo)
        assert "did you mean" not in str(body).lower(), body
        arg_typo = await http.post(
            "/graphql",
            json={
                "query": 'mutation { login(inptu: {email: "a", password: "b"}) { user { id } } }'
            },
        )
        assert "did you mean" not in str(_refused(arg_typo)).lower()
        page = await http.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" not in page.text.lower()
