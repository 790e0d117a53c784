"""Access probes through the router and straight at the subgraphs: the login throttle holds
against aliases and batches, bodies cannot set what the server owns (mass assignment), a
subgraph refuses callers without the router's credential, and `_entities` is no side door."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.registry import SUBGRAPHS
from tests.factories import DEFAULT_PASSWORD, create_user
from tests.harness import Platform, RunningProcess

LOGIN = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }"
FORBIDDEN_KEYS: dict[str, Any] = {
    "role": "ADMIN",
    "userId": str(uuid.uuid4()),
    "status": "completed",
    "id": str(uuid.uuid4()),
    "createdAt": "2020-01-01T00:00:00Z",
    "updatedAt": "2020-01-01T00:00:00Z",
}


def _codes(body: Any) -> list[str]:
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [str((error.get("extensions") or {}).get("code")) for error in errors]


async def _payment(client: httpx.AsyncClient, user: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/payments",
        json={"type": "payment", "amount": 12.5, "currency": "USD"},
        headers={**user.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


# Login throttle -------------------------------------------------------------------------------


async def test_aliased_logins_are_refused(client: httpx.AsyncClient, resources: Resources) -> None:
    user = await create_user(resources, Role.CUSTOMER)
    attempts = " ".join(
        f'a{i}: login(input: {{email: "{user.email}", password: "guess-{i}"}}) {{ accessToken }}'
        for i in range(10)
    )
    response = await client.post("/graphql", json={"query": f"mutation {{ {attempts} }}"})
    assert 400 <= response.status_code < 500, response.text
    assert response.json().get("data") is None


async def test_batched_logins_do_not_get_around_the_throttle(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    user = await create_user(resources, Role.CUSTOMER)
    wrong = [
        {"query": LOGIN, "variables": {"i": {"email": user.email, "password": f"guess-{n}"}}}
        for n in range(5)
    ]
    # four batches of five, all at once: twenty guesses racing the failure counter
    answers = await asyncio.gather(*(client.post("/graphql", json=wrong) for _ in range(4)))
    codes = [code for answer in answers for result in answer.json() for code in _codes(result)]
    assert len(codes) == 20, codes
    assert "INTERNAL_ERROR" not in codes
    checked = codes.count("INVALID_CREDENTIALS")
    assert checked <= 5, f"{checked} guesses were checked against the password (limit 5)"
    assert codes.count("RATE_LIMITED") == 20 - checked
    right = {
        "query": LOGIN,
        "variables": {"i": {"email": user.email, "password": DEFAULT_PASSWORD}},
    }
    answer = (await client.post("/graphql", json=[right])).json()
    assert _codes(answer[0]) == ["RATE_LIMITED"], answer


# Mass assignment ------------------------------------------------------------------------------


async def _refuses_each(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any],
    headers: dict[str, str],
    keys: dict[str, Any],
) -> None:
    for key, value in keys.items():
        extra = {"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}
        response = await client.request(
            method, path, json={**body, key: value}, headers={**headers, **extra}
        )
        assert response.status_code == 400, (path, key, response.status_code, response.text)
        assert response.json()["error"]["code"] == "VALIDATION_ERROR", (path, key)


async def test_bodies_cannot_set_server_owned_fields(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    customer = await create_user(resources, Role.CUSTOMER)
    vendor = await create_user(resources, Role.VENDOR)
    admin = await create_user(resources, Role.ADMIN)
    owned = {k: v for k, v in FORBIDDEN_KEYS.items() if k != "role"}
    registration = {"email": f"m-{uuid.uuid4().hex[:8]}@example.com", "password": "a b c d e f g"}
    await _refuses_each(
        client, "POST", "/api/auth/register", {**registration, "name": "M"}, {}, owned
    )
    admin_role = await client.post(
        "/api/auth/register", json={**registration, "name": "M", "role": "ADMIN"}
    )
    assert admin_role.status_code in (400, 403), admin_role.text
    payment = {"type": "payment", "amount": 10, "currency": "USD"}
    await _refuses_each(client, "POST", "/api/payments", payment, customer.headers, FORBIDDEN_KEYS)
    request = await client.post(
        "/api/payments",
        json={"type": "initiate", "amount": 10, "currency": "USD"},
        headers={**vendor.headers, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert request.status_code == 201, request.text
    path = f"/api/payments/{request.json()['data']['id']}"
    await _refuses_each(client, "PUT", path, {"amount": 11}, vendor.headers, FORBIDDEN_KEYS)
    await _refuses_each(
        client, "PUT", "/api/profile", {"name": "N"}, customer.headers, FORBIDDEN_KEYS
    )
    await _refuses_each(
        client, "PUT", f"/api/admin/users/{customer.id}", {"name": "N"}, admin.headers, owned
    )
    # nothing moved
    me = (await client.get("/api/auth/me", headers=customer.headers)).json()["data"]
    assert (me["id"], me["role"]) == (str(customer.id), "CUSTOMER")
    stored = (await client.get(path, headers=vendor.headers)).json()["data"]
    assert (stored["status"], stored["amount"]) in {("pending", 10), ("initiated", 10)}
    # the same through GraphQL
    query = "mutation($i: CreatePaymentInput!) { createPayment(input: $i) { id } }"
    for key, value in FORBIDDEN_KEYS.items():
        variables = {"i": {**payment, "type": "payment", key: value}}
        answer = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=customer.headers
        )
        assert answer.status_code == 400 and answer.json().get("data") is None, (key, answer.text)


# The router's credential ----------------------------------------------------------------------


async def test_subgraphs_refuse_callers_without_the_router_credential(
    gateway: RunningProcess, platform: Platform, resources: Resources
) -> None:
    user = await create_user(resources, Role.ADMIN)
    probes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/graphql", {"query": "{ _service { sdl } }"}),
        ("POST", "/graphql", {"query": "{ __typename }"}),
        ("GET", "/graphql?query=%7B__typename%7D", None),
    ]
    async with httpx.AsyncClient(timeout=10) as http:
        for spec in SUBGRAPHS:
            running = platform.running(spec.name)
            assert running is not None
            routes = [("GET", f"/api/{spec.name}/openapi.json", None)]
            routes += [("GET", f"/api/{spec.name}", None), ("GET", f"/api/v1/{spec.name}/x", None)]
            for secret in (None, "wrong-secret", ""):
                headers = dict(user.headers)
                if secret is not None:
                    headers["X-Router-Secret"] = secret
                for method, path, body in probes + routes:
                    response = await http.request(
                        method, running.url + path, json=body, headers=headers
                    )
                    assert response.status_code in (401, 403), (spec.name, path, response.text)
                    assert "sdl" not in response.text
            for path in ("/health", "/ready", "/metrics"):
                assert (await http.get(running.url + path)).status_code == 200, (spec.name, path)


# _entities ------------------------------------------------------------------------------------

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Payment { id amount status }
  ... on User { id profile { name phone } }
} }"""


async def test_entities_are_no_side_door(
    client: httpx.AsyncClient, platform: Platform, resources: Resources
) -> None:
    owner = await create_user(resources, Role.CUSTOMER)
    other = await create_user(resources, Role.CUSTOMER)
    vendor = await create_user(resources, Role.VENDOR)
    payment = await _payment(client, owner)
    await client.put("/api/profile", json={"name": "Owner"}, headers=owner.headers)
    representations = [
        {"__typename": "Payment", "id": payment["id"]},
        {"__typename": "User", "id": str(owner.id)},
    ]
    # the router's API schema has no _entities
    through_router = await client.post(
        "/graphql",
        json={"query": ENTITIES, "variables": {"r": representations}},
        headers=other.headers,
    )
    assert through_router.status_code == 400, through_router.text
    assert through_router.json().get("data") is None
    # ... nor do aliases or fragments reach one
    for query in (f'{{ payment(id: "{payment["id"]}") {{ id }} }}',):
        answer = (
            await client.post("/graphql", json={"query": query}, headers=other.headers)
        ).json()
        assert answer.get("data") is None or answer["data"].get("payment") is None
        assert "NOT_FOUND" in _codes(answer), answer
    # even with the router's credential, a subgraph answers only what the caller may see
    secret = {"X-Router-Secret": resources.settings.subgraph_secret}
    async with httpx.AsyncClient(timeout=10) as http:
        for name in ("payments", "profile"):
            running = platform.running(name)
            assert running is not None
            for viewer in (other, vendor):
                reps = [
                    r for r in representations if name == "payments" or r["__typename"] == "User"
                ]
                if name == "payments":
                    reps = reps[:1]
                query = "query($r: [_Any!]!) { _entities(representations: $r) " + (
                    "{ ... on Payment { id amount } } }"
                    if name == "payments"
                    else "{ ... on User { id profile { name phone } } } }"
                )
                answer = await http.post(
                    f"{running.url}/graphql",
                    json={"query": query, "variables": {"r": reps}},
                    headers={**secret, **viewer.headers},
                )
                body = answer.json()
                entities = (body.get("data") or {}).get("_entities") or [None]
                for entity in entities:
                    assert entity is None or entity.get("profile") is None, (name, body)
            anonymous = await http.post(
                f"{running.url}/graphql",
                json={
                    "query": ENTITIES.replace("... on User { id profile { name phone } }", "")
                    if name == "payments"
                    else ENTITIES.replace("... on Payment { id amount status }", ""),
                    "variables": {
                        "r": representations[:1] if name == "payments" else representations[1:]
                    },
                },
                headers=secret,
            )
            body = anonymous.json()
            assert not any((body.get("data") or {}).get("_entities") or []), body
            assert "UNAUTHORIZED" in _codes(body), body


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.VENDOR])
async def test_another_users_payment_is_not_found(
    client: httpx.AsyncClient, resources: Resources, role: Role
) -> None:
    owner = await create_user(resources, Role.CUSTOMER)
    other = await create_user(resources, role)
    payment = await _payment(client, owner)
    for method in ("GET", "PUT", "DELETE"):
        body = {"amount": 1} if method == "PUT" else None
        response = await client.request(
            method, f"/api/payments/{payment['id']}", json=body, headers=other.headers
        )
        assert response.status_code in (403, 404), (method, response.text)
    listed = (await client.get("/api/payments", headers=other.headers)).json()["data"]
    assert payment["id"] not in str(listed)
