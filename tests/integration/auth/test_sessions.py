"""Refresh rotation and reuse detection, logout, the current user, password change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from shared.graphql.context import Resources
from subgraphs.auth.models import RefreshToken
from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient


async def _refresh(api: ApiClient, token: str) -> Any:
    return await api.http.post("/api/auth/refresh", json={"refreshToken": token})


async def test_me_needs_a_valid_token(register: Callable[..., Any], api: ApiClient) -> None:
    session = await register("ada@example.com")
    anonymous = await api.http.get("/api/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHORIZED"
    garbage = await api.http.get("/api/auth/me", headers=api.auth("not.a.jwt"))
    assert garbage.status_code == 401
    me = await api.http.get("/api/auth/me", headers=api.auth(session["accessToken"]))
    assert me.status_code == 200
    assert me.json()["data"]["email"] == "ada@example.com"
    v1 = await api.http.get("/api/v1/auth/me", headers=api.auth(session["accessToken"]))
    assert v1.json() == me.json()


async def test_refresh_rotates_the_token(register: Callable[..., Any], api: ApiClient) -> None:
    session = await register()
    rotated = await _refresh(api, session["refreshToken"])
    assert rotated.status_code == 200
    data = rotated.json()["data"]
    assert data["refreshToken"] != session["refreshToken"]
    me = await api.http.get("/api/auth/me", headers=api.auth(data["accessToken"]))
    assert me.status_code == 200
    again = await _refresh(api, data["refreshToken"])
    assert again.status_code == 200


async def test_reusing_a_rotated_token_revokes_the_family(
    register: Callable[..., Any], api: ApiClient
) -> None:
    session = await register()
    first = (await _refresh(api, session["refreshToken"])).json()["data"]
    reuse = await _refresh(api, session["refreshToken"])
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "REFRESH_TOKEN_REUSED"
    # The legitimate successor is dead too, and so are the access tokens issued so far.
    successor = await _refresh(api, first["refreshToken"])
    assert successor.status_code == 401
    me = await api.http.get("/api/auth/me", headers=api.auth(first["accessToken"]))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "TOKEN_REVOKED"


async def test_concurrent_refreshes_never_leave_two_live_tokens(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    session = await register()
    results = await asyncio.gather(*(_refresh(api, session["refreshToken"]) for _ in range(2)))
    statuses = sorted(response.status_code for response in results)
    assert statuses == [200, 401]
    async with resources.session_factory() as db:
        rows = (await db.execute(select(RefreshToken))).scalars().all()
    assert [row for row in rows if row.revoked_at is None] == []


async def test_unknown_and_expired_refresh_tokens_are_refused(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    session = await register()
    unknown = await _refresh(api, "x" * 43)
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "INVALID_TOKEN"
    async with resources.session_factory() as db:
        for row in (await db.execute(select(RefreshToken))).scalars():
            row.expires_at = row.created_at
        await db.commit()
    expired = await _refresh(api, session["refreshToken"])
    assert expired.status_code == 401


async def test_refresh_tokens_are_stored_hashed(
    register: Callable[..., Any], resources: Resources
) -> None:
    session = await register()
    async with resources.session_factory() as db:
        stored = (await db.execute(select(RefreshToken.token))).scalars().all()
    assert session["refreshToken"] not in stored
    assert all(len(value) == 64 for value in stored)
    assert len(session["refreshToken"]) >= 43  # 256 bits, url-safe base64


async def test_logout_stops_the_access_token_at_once(
    register: Callable[..., Any], api: ApiClient
) -> None:
    session = await register()
    headers = api.auth(session["accessToken"])
    response = await api.http.post(
        "/api/auth/logout", json={"refreshToken": session["refreshToken"]}, headers=headers
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"loggedOut": True}}
    me = await api.http.get("/api/auth/me", headers=headers)
    assert me.status_code == 401
    assert (await _refresh(api, session["refreshToken"])).status_code == 401


async def test_logout_with_empty_body_and_logout_all(
    register: Callable[..., Any], api: ApiClient
) -> None:
    await register()
    first = (
        await api.http.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    ).json()["data"]
    second = (
        await api.http.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    ).json()["data"]
    plain = await api.http.post("/api/auth/logout", headers=api.auth(first["accessToken"]))
    assert plain.status_code == 200
    everywhere = await api.http.post(
        "/api/auth/logout", json={"all": True}, headers=api.auth(second["accessToken"])
    )
    assert everywhere.status_code == 200
    assert (await _refresh(api, first["refreshToken"])).status_code == 401
    assert (await _refresh(api, second["refreshToken"])).status_code == 401


async def test_logout_needs_authentication(api: ApiClient) -> None:
    response = await api.http.post("/api/auth/logout", json={})
    assert response.status_code == 401


async def test_change_password_needs_the_current_one_and_ends_other_sessions(
    register: Callable[..., Any], api: ApiClient
) -> None:
    other = await register()
    current = (
        await api.http.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
        )
    ).json()["data"]
    wrong = await api.http.put(
        "/api/auth/password",
        json={"currentPassword": "not it at all", "newPassword": "a brand new secret"},
        headers=api.auth(current["accessToken"]),
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "INVALID_CURRENT_PASSWORD"
    weak = await api.http.put(
        "/api/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": "12345678"},
        headers=api.auth(current["accessToken"]),
    )
    assert weak.status_code == 400
    changed = await api.http.put(
        "/api/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": "a brand new secret"},
        headers=api.auth(current["accessToken"]),
    )
    assert changed.status_code == 200
    fresh = changed.json()["data"]
    assert (
        await api.http.get("/api/auth/me", headers=api.auth(fresh["accessToken"]))
    ).status_code == 200
    assert (
        await api.http.get("/api/auth/me", headers=api.auth(other["accessToken"]))
    ).status_code == 401
    assert (await _refresh(api, other["refreshToken"])).status_code == 401
    old = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401
    new = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": "a brand new secret"}
    )
    assert new.status_code == 200
