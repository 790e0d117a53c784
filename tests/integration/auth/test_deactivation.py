"""A deactivated account: sign-in answered exactly like a wrong password, refresh refused even
for a token that was never revoked, no reset mail. The throttle reads its limit at run time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text

from shared.graphql.context import Resources
from subgraphs.auth.models import OutboundEmail
from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient


async def _deactivate(resources: Resources, email: str) -> None:
    """Flip the flag only (no session revocation), to test auth's own refusals."""
    async with resources.session_factory() as db:
        await db.execute(
            text(
                "UPDATE auth.users SET is_active = false, deactivated_at = now() WHERE email = :e"
            ),
            {"e": email},
        )
        await db.commit()


async def test_deactivated_login_looks_like_a_wrong_password(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    await register("ada@example.com")
    await register("bob@example.com")
    await _deactivate(resources, "ada@example.com")
    deactivated = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    wrong = await api.http.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": "not it at all"}
    )
    assert deactivated.status_code == wrong.status_code == 401
    assert deactivated.json() == wrong.json()
    assert deactivated.json()["error"]["code"] == "INVALID_CREDENTIALS"


async def test_deactivated_refresh_and_reset_are_refused(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    session = await register("ada@example.com")
    await _deactivate(resources, "ada@example.com")
    refresh = await api.http.post(
        "/api/auth/refresh", json={"refreshToken": session["refreshToken"]}
    )
    assert refresh.status_code == 401
    assert refresh.json()["error"]["code"] == "INVALID_TOKEN"
    forgot = await api.http.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    assert forgot.status_code == 200  # the same answer as for anyone
    async with resources.session_factory() as db:
        sent = await db.execute(select(func.count()).select_from(OutboundEmail))
        assert sent.scalar_one() == 0


async def test_the_login_throttle_reads_auth_max_failed_logins(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    await register("ada@example.com")
    async with resources.session_factory() as db:
        await db.execute(
            text(
                "INSERT INTO admin.system_config (key, value) "
                "VALUES ('auth.max_failed_logins', '1'::jsonb)"
            )
        )
        await db.commit()
    codes = []
    for _ in range(2):
        response = await api.http.post(
            "/api/auth/login", json={"email": "ada@example.com", "password": "not it at all"}
        )
        codes.append(response.status_code)
    assert codes == [401, 429]
