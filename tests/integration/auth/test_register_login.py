from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient


async def test_register_returns_user_and_tokens(api: ApiClient) -> None:
    response = await api.http.post(
        "/api/auth/register",
        json={"email": "  Ada@Example.COM ", "password": PASSWORD, "name": "Ada"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["success"] is True
    user = body["data"]["user"]
    assert user["email"] == "ada@example.com"
    assert user["role"] == "CUSTOMER"
    assert body["data"]["accessToken"] and body["data"]["refreshToken"]
    assert "passwordHash" not in user and "password" not in response.text.lower().replace(
        "password", ""
    )


async def test_register_taken_email_is_409(register: Callable[..., Any], api: ApiClient) -> None:
    await register("ada@example.com")
    response = await api.http.post(
        "/api/auth/register",
        json={"email": "ADA@example.com", "password": PASSWORD, "name": "Other"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "EMAIL_TAKEN"


async def test_vendor_may_register_but_admin_may_not(api: ApiClient) -> None:
    vendor = await api.http.post(
        "/api/auth/register",
        json={"email": "v@example.com", "password": PASSWORD, "name": "V", "role": "VENDOR"},
    )
    assert vendor.status_code == 201
    assert vendor.json()["data"]["user"]["role"] == "VENDOR"
    admin = await api.http.post(
        "/api/auth/register",
        json={"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "ADMIN"},
    )
    assert admin.status_code == 403
    assert admin.json()["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "email"),
        ({"email": "a@example.com", "password": "short", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "é" * 37, "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "password123", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "  "}, "name"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "x" * 256}, "name"),
        ({"email": "a@example.com", "password": PASSWORD}, "name"),
        ({"email": 42, "password": PASSWORD, "name": "A"}, "email"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "ROOT"}, "role"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "A", "id": "x"}, "id"),
    ],
)
async def test_register_validation(api: ApiClient, body: dict[str, Any], field: str) -> None:
    response = await api.http.post("/api/auth/register", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in [detail["field"] for detail in error["details"]], error


async def test_long_passphrase_of_72_bytes_is_accepted(api: ApiClient) -> None:
    response = await api.http.post(
        "/api/auth/register",
        json={"email": "long@example.com", "password": "p" * 72, "name": "Long"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[]", b"", b'"text"', b"null"],
    ids=["broken", "array", "empty", "string", "null"],
)
async def test_bodies_that_are_not_objects_are_400(api: ApiClient, raw: bytes) -> None:
    response = await api.http.post(
        "/api/auth/login", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_oversized_body_is_refused(api: ApiClient) -> None:
    response = await api.http.post(
        "/api/auth/login",
        content=b'{"email": "' + b"a" * (1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_login_succeeds_with_the_design_shape(
    register: Callable[..., Any], api: ApiClient
) -> None:
    await register("ada@example.com")
    response = await api.http.post(
        "/api/auth/login", json={"email": "ADA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data["user"]) >= {"id", "email", "name", "role"}
    assert isinstance(data["accessToken"], str) and isinstance(data["refreshToken"], str)


async def test_unknown_email_and_wrong_password_look_the_same(
    register: Callable[..., Any], api: ApiClient
) -> None:
    await register("ada@example.com")
    wrong = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "wrong password!"}
    )
    unknown = await api.http.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong password!"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_failed_logins_are_throttled_per_account(
    register: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    from subgraphs.auth.app import create_app

    await register("ada@example.com")
    for attempt in range(5):
        async with client_for(create_app, client_ip=f"198.51.100.{attempt}") as other:
            response = await other.http.post(
                "/api/auth/login", json={"email": "ada@example.com", "password": "nope nope"}
            )
            assert response.status_code == 401
    async with client_for(create_app, client_ip="198.51.100.99") as fresh_ip:
        response = await fresh_ip.http.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "RATE_LIMITED"


async def test_aliased_login_attempts_do_not_multiply_tries(
    register: Callable[..., Any], api: ApiClient
) -> None:
    """Eight aliased logins in one document cost at least one attempt each round, and the
    throttle answers 429 after five failures whatever the aliasing."""
    await register("ada@example.com")
    attempts = " ".join(
        f'a{i}: login(input: {{email: "ada@example.com", password: "wrong-{i}!!"}})'
        " { accessToken }"
        for i in range(8)
    )
    codes: list[str] = []
    for _ in range(6):
        body = await api.graphql(f"mutation {{ {attempts} }}")
        assert body["data"] is None
        codes.extend(error["extensions"]["code"] for error in body["errors"])
    assert codes[-1] == "RATE_LIMITED"
    assert codes.count("INVALID_CREDENTIALS") <= 5


async def test_a_trailing_slash_is_the_same_route_without_a_redirect(
    register: Callable[..., Any], api: ApiClient
) -> None:
    """As the seed's Express routes it; a redirect would name the subgraph's own address."""
    session = await register()
    me = await api.http.get("/api/auth/me/", headers=api.auth(session["accessToken"]))
    assert me.status_code == 200 and me.json()["data"]["email"] == session["user"]["email"]
    unknown = await api.http.get("/api/auth/nowhere/")
    assert unknown.status_code == 404 and "location" not in unknown.headers
    assert (await api.http.get("/health/")).json()["status"] == "ok"
