"""The auth subgraph on its own: a stale access token sent to a route that needs no caller is
no reason to refuse it (the router forwards none there, but a subgraph must not depend on it);
routes that need a caller answer 401 with the token's code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis

from shared.config import Settings
from shared.rbac import Role
from shared.security.denylist import is_revoked, revoke_all_for_user
from shared.security.tokens import decode_access_token, issue_access_token
from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient


async def test_public_routes_take_a_stale_token_as_none(
    register: Callable[..., Any], api: ApiClient, settings: Settings
) -> None:
    session = await register("stale@example.com")
    expired, _ = issue_access_token(
        settings.model_copy(update={"jwt_expires_in": timedelta(seconds=-5)}),
        user_id=uuid.UUID(session["user"]["id"]),
        email="stale@example.com",
        role=Role.CUSTOMER,
    )
    revoked = session["accessToken"]
    logout = await api.http.post("/api/auth/logout", headers=api.auth(revoked))
    assert logout.status_code == 200
    login = {"email": "stale@example.com", "password": PASSWORD}
    for token, code in (
        (expired, "TOKEN_EXPIRED"),
        ("not.a.jwt", "INVALID_TOKEN"),
        (revoked, "TOKEN_REVOKED"),
    ):
        headers = api.auth(token)
        signed_in = await api.http.post("/api/auth/login", json=login, headers=headers)
        assert signed_in.status_code == 200, (code, signed_in.text)
        refresh = {"refreshToken": signed_in.json()["data"]["refreshToken"]}
        refreshed = await api.http.post("/api/auth/refresh", json=refresh, headers=headers)
        assert refreshed.status_code == 200, (code, refreshed.text)
        account = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
        registered = await api.http.post(
            "/api/auth/register", json={**account, "name": "New"}, headers=headers
        )
        assert registered.status_code == 201, (code, registered.text)
        forgot = await api.http.post(
            "/api/auth/forgot-password", json={"email": "stale@example.com"}, headers=headers
        )
        assert forgot.status_code == 200, (code, forgot.text)
        graph = await api.graphql(
            "mutation($input: LoginInput!) { login(input: $input) { user { email } } }",
            {"input": login},
            token=token,
        )
        assert graph["data"]["login"]["user"]["email"] == "stale@example.com", code
        me = await api.http.get("/api/auth/me", headers=headers)
        assert me.status_code == 401 and me.json()["error"]["code"] == code


async def test_a_token_issued_right_after_a_user_wide_revocation_passes(
    settings: Settings, redis: Redis
) -> None:
    """What a password change does: revoke every token of the user, then issue the fresh pair
    at once. The older token is refused, the fresh one passes (in milliseconds, the fresh one
    often fell in the revocation's millisecond and was refused too)."""
    user_id = uuid.uuid4()

    def issue() -> str:
        token, _ = issue_access_token(settings, user_id=user_id, email="u@x.io", role=Role.CUSTOMER)
        return token

    older = issue()
    await revoke_all_for_user(redis, user_id, ttl_seconds=60)
    fresh = [issue() for _ in range(50)]
    assert await is_revoked(redis, decode_access_token(older, settings))
    for token in fresh:
        assert not await is_revoked(redis, decode_access_token(token, settings))
