"""Forgot / reset password: no enumeration, single-use hashed tokens that expire."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from shared.graphql.context import Resources
from subgraphs.auth.models import OutboundEmail, PasswordResetToken
from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient

NEW_PASSWORD = "a completely new passphrase"


async def _mailed_token(resources: Resources, email: str) -> str:
    async with resources.session_factory() as db:
        mails = (
            (await db.execute(select(OutboundEmail).where(OutboundEmail.to_address == email)))
            .scalars()
            .all()
        )
    assert len(mails) == 1
    lines = [line.strip() for line in mails[0].body.splitlines() if line.strip()]
    return next(line for line in lines if " " not in line and len(line) >= 43)


async def test_forgot_password_answers_the_same_for_unknown_emails(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    await register("ada@example.com")
    known = await api.http.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    unknown = await api.http.post("/api/auth/forgot-password", json={"email": "no@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json()
    async with resources.session_factory() as db:
        mails = (await db.execute(select(OutboundEmail))).scalars().all()
        tokens = (await db.execute(select(PasswordResetToken))).scalars().all()
    assert [mail.to_address for mail in mails] == ["ada@example.com"]
    assert len(tokens) == 1
    token = await _mailed_token(resources, "ada@example.com")
    assert tokens[0].token_hash != token  # stored hashed


async def test_reset_sets_the_password_once_and_ends_sessions(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    session = await register("ada@example.com")
    await api.http.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    token = await _mailed_token(resources, "ada@example.com")
    reset = await api.http.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert reset.status_code == 200
    assert (
        await api.http.get("/api/auth/me", headers=api.auth(session["accessToken"]))
    ).status_code == 401
    again = await api.http.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD + "!"}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "INVALID_TOKEN"
    login = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": NEW_PASSWORD}
    )
    assert login.status_code == 200
    old = await api.http.post(
        "/api/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    assert old.status_code == 401


async def test_expired_and_unknown_reset_tokens_are_refused(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    await register("ada@example.com")
    await api.http.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    token = await _mailed_token(resources, "ada@example.com")
    async with resources.session_factory() as db:
        await db.execute(
            update(PasswordResetToken).values(expires_at=PasswordResetToken.created_at)
        )
        await db.commit()
    expired = await api.http.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert expired.status_code == 400
    unknown = await api.http.post(
        "/api/auth/reset-password", json={"token": "nope", "newPassword": NEW_PASSWORD}
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "INVALID_TOKEN"


async def test_reset_tokens_expire_within_thirty_minutes(
    register: Callable[..., Any], api: ApiClient, resources: Resources
) -> None:
    await register("ada@example.com")
    await api.http.post("/api/auth/forgot-password", json={"email": "ada@example.com"})
    async with resources.session_factory() as db:
        row = (await db.execute(select(PasswordResetToken))).scalar_one()
    assert (row.expires_at - row.created_at).total_seconds() <= 30 * 60 + 5
