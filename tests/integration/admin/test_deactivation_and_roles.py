"""Deactivation and role changes end sessions at once; self-changes and the last admin are
refused, also when two admins act at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import text, update

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.auth.models import User
from tests.factories import DEFAULT_PASSWORD
from tests.integration.conftest import ApiClient


async def _login(auth_api: ApiClient, email: str) -> Any:
    return await auth_api.http.post(
        "/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD}
    )


async def test_deactivation_ends_a_live_session_and_keeps_payments(
    api: ApiClient,
    auth_api: ApiClient,
    admin: Any,
    make_user: Callable[..., Any],
    resources: Resources,
) -> None:
    customer = await make_user(Role.CUSTOMER)
    session = (await _login(auth_api, customer.email)).json()["data"]
    token = session["accessToken"]
    assert (
        await auth_api.http.get("/api/auth/me", headers=auth_api.auth(token))
    ).status_code == 200
    async with resources.session_factory() as db:
        await db.execute(
            text(
                "INSERT INTO payments.payments (user_id, amount, currency, status, type) "
                "VALUES (:user, 10, 'USD', 'completed', 'payment')"
            ),
            {"user": customer.id},
        )
        await db.commit()

    deleted = await api.http.delete(f"/api/admin/users/{customer.id}", headers=admin.headers)
    assert deleted.status_code == 200, deleted.text
    data = deleted.json()["data"]
    assert data["isActive"] is False and data["deactivatedAt"]

    me = await auth_api.http.get("/api/auth/me", headers=auth_api.auth(token))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "TOKEN_REVOKED"
    refresh = await auth_api.http.post(
        "/api/auth/refresh", json={"refreshToken": session["refreshToken"]}
    )
    assert refresh.status_code == 401
    login = await _login(auth_api, customer.email)
    assert login.status_code == 401
    assert login.json()["error"]["code"] == "INVALID_CREDENTIALS"
    async with resources.session_factory() as db:
        kept = await db.execute(
            text("SELECT count(*) FROM payments.payments WHERE user_id = :user"),
            {"user": customer.id},
        )
        assert kept.scalar_one() == 1
    again = await api.http.delete(f"/api/admin/users/{customer.id}", headers=admin.headers)
    assert again.status_code == 200  # already inactive: nothing more to do

    reactivated = await api.http.put(
        f"/api/admin/users/{customer.id}", json={"active": True}, headers=admin.headers
    )
    assert reactivated.json()["data"]["isActive"] is True
    assert (await _login(auth_api, customer.email)).status_code == 200


async def test_an_admin_cannot_deactivate_or_demote_themselves(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    await make_user(Role.ADMIN)  # another admin exists: the refusal is about "self"
    own = f"/api/admin/users/{admin.id}"
    deleted = await api.http.delete(own, headers=admin.headers)
    assert deleted.status_code == 409
    assert deleted.json()["error"]["code"] == "CANNOT_DEACTIVATE_SELF"
    inactive = await api.http.put(own, json={"active": False}, headers=admin.headers)
    assert inactive.json()["error"]["code"] == "CANNOT_DEACTIVATE_SELF"
    demoted = await api.http.put(f"{own}/role", json={"role": "VENDOR"}, headers=admin.headers)
    assert demoted.status_code == 409
    assert demoted.json()["error"]["code"] == "CANNOT_DEMOTE_SELF"


async def test_the_last_active_admin_is_never_removed(
    api: ApiClient, make_user: Callable[..., Any], resources: Resources
) -> None:
    acting = await make_user(Role.ADMIN)
    last = await make_user(Role.ADMIN)
    async with resources.session_factory() as db:  # the actor was just deactivated elsewhere
        await db.execute(update(User).where(User.id == acting.id).values(is_active=False))  # type: ignore[arg-type]
        await db.commit()
    for method, suffix, body in (
        ("DELETE", "", None),
        ("PUT", "/role", {"role": "CUSTOMER"}),
        ("PUT", "", {"active": False}),
    ):
        response = await api.http.request(
            method, f"/api/admin/users/{last.id}{suffix}", json=body, headers=acting.headers
        )
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "LAST_ADMIN"


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    api: ApiClient, make_user: Callable[..., Any], resources: Resources
) -> None:
    first, second = await make_user(Role.ADMIN), await make_user(Role.ADMIN)
    responses = await asyncio.gather(
        api.http.put(
            f"/api/admin/users/{second.id}/role", json={"role": "VENDOR"}, headers=first.headers
        ),
        api.http.put(
            f"/api/admin/users/{first.id}/role", json={"role": "VENDOR"}, headers=second.headers
        ),
    )
    codes = sorted((r.status_code, r.json().get("error", {}).get("code")) for r in responses)
    # Either the two changes overlap and the second is refused as the last admin's demotion, or
    # the first commits before the second is even authenticated: its author is no longer an
    # admin and their session has ended with the role change.
    assert codes in ([(200, None), (409, "LAST_ADMIN")], [(200, None), (401, "TOKEN_REVOKED")])
    async with resources.session_factory() as db:
        admins = await db.execute(
            text("SELECT count(*) FROM auth.users WHERE role = 'ADMIN' AND is_active")
        )
        assert admins.scalar_one() == 1


async def test_a_role_change_ends_the_users_sessions(
    api: ApiClient, auth_api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    vendor = await make_user(Role.VENDOR)
    token = (await _login(auth_api, vendor.email)).json()["data"]["accessToken"]
    changed = await api.http.put(
        f"/api/admin/users/{vendor.id}/role", json={"role": "CUSTOMER"}, headers=admin.headers
    )
    assert changed.status_code == 200
    assert changed.json()["data"]["role"] == "CUSTOMER"
    me = await auth_api.http.get("/api/auth/me", headers=auth_api.auth(token))
    assert me.status_code == 401
    fresh = (await _login(auth_api, vendor.email)).json()["data"]
    assert fresh["user"]["role"] == "CUSTOMER"
    promoted = await api.http.put(
        f"/api/admin/users/{vendor.id}/role", json={"role": "ADMIN"}, headers=admin.headers
    )
    assert promoted.json()["data"]["role"] == "ADMIN"
