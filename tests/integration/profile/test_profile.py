"""Profiles: created on first read (or from `user.registered`), own profile only, validated
phone/address/bio, the name through the auth service; typed preferences merged on PUT."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.events import catalog, record_event
from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.profile.consumers import create_profile_for
from subgraphs.profile.models import UserProfile
from tests.integration.conftest import ApiClient


async def _count(resources: Resources) -> int:
    async with resources.session_factory() as db:
        return int((await db.execute(select(func.count()).select_from(UserProfile))).scalar_one())


async def test_the_profile_exists_on_first_read(
    api: ApiClient, make_user: Callable[..., Any], resources: Resources
) -> None:
    user = await make_user(Role.CUSTOMER, name="Ada")
    assert (await api.http.get("/api/profile")).status_code == 401
    first = await api.http.get("/api/profile", headers=user.headers)
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert (data["userId"], data["name"], data["bio"], data["avatarUrl"]) == (
        str(user.id),
        "Ada",
        None,
        None,
    )
    await api.http.get("/api/v1/profile", headers=user.headers)
    assert await _count(resources) == 1


async def test_registration_event_creates_the_profile_once(
    make_user: Callable[..., Any], resources: Resources
) -> None:
    user = await make_user(Role.VENDOR)
    async with resources.session_factory() as db:
        event = await record_event(
            db,
            catalog.USER_REGISTERED,
            catalog.UserRegistered(
                user_id=user.id,
                email=user.email,
                name=user.name,
                role="VENDOR",
                client=catalog.ClientInfo(),
            ),
            actor=user.id,
        )
        await db.rollback()
    for _ in range(2):
        async with resources.session_factory() as db:
            await create_profile_for(db, event.payload)
            await db.commit()
    assert await _count(resources) == 1


async def test_update_profile_and_name(api: ApiClient, make_user: Callable[..., Any]) -> None:
    user = await make_user(Role.CUSTOMER)
    updated = await api.http.put(
        "/api/profile",
        json={"name": "Grace Hopper", "phone": "+14155552671", "address": "1 Main St", "bio": "Hi"},
        headers=user.headers,
    )
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert (data["name"], data["phone"], data["address"], data["bio"]) == (
        "Grace Hopper",
        "+14155552671",
        "1 Main St",
        "Hi",
    )
    cleared = await api.http.put("/api/profile", json={"bio": None}, headers=user.headers)
    assert cleared.json()["data"]["bio"] is None
    assert cleared.json()["data"]["phone"] == "+14155552671"  # left out: unchanged


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "4155552671"}, "phone"),
        ({"phone": "+1 415 555 2671"}, "phone"),
        ({"phone": "+999999999999"}, "phone"),
        ({"bio": "x" * 2001}, "bio"),
        ({"name": ""}, "name"),
        ({"address": "a" * 501}, "address"),
        ({"role": "ADMIN"}, "role"),
        ({"userId": str(uuid.uuid4())}, "userId"),
    ],
)
async def test_profile_validation(
    api: ApiClient, make_user: Callable[..., Any], body: dict[str, Any], field: str
) -> None:
    user = await make_user(Role.CUSTOMER)
    response = await api.http.put("/api/profile", json=body, headers=user.headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"][0]["field"] == field


async def test_bio_of_exactly_2000_characters_is_fine(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    user = await make_user(Role.CUSTOMER)
    response = await api.http.put("/api/profile", json={"bio": "é" * 2000}, headers=user.headers)
    assert response.status_code == 200


async def test_preferences_are_typed_and_merged(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    user = await make_user(Role.CUSTOMER)
    defaults = await api.http.get("/api/profile/preferences", headers=user.headers)
    assert defaults.json()["data"] == {
        "theme": "system",
        "language": "en",
        "timezone": "UTC",
        "notifications": {"email": True, "sms": False, "push": True},
    }
    first = await api.http.put(
        "/api/profile/preferences",
        json={"theme": "dark", "language": "pt-br", "notifications": {"sms": True}},
        headers=user.headers,
    )
    assert first.status_code == 200, first.text
    second = await api.http.put(
        "/api/profile/preferences", json={"timezone": "Europe/Paris"}, headers=user.headers
    )
    assert second.json()["data"] == {
        "theme": "dark",
        "language": "pt-BR",
        "timezone": "Europe/Paris",
        "notifications": {"email": True, "sms": True, "push": True},
    }
    assert (await api.http.get("/api/profile/preferences", headers=user.headers)).json() == (
        second.json()
    )


@pytest.mark.parametrize(
    "body",
    [
        {"theme": "blue"},
        {"language": "english"},
        {"language": "en_US"},
        {"timezone": "Mars/Olympus"},
        {"notifications": {"fax": True}},
        {"notifications": {"email": "yes"}},
        {"colour": "red"},
    ],
)
async def test_preferences_refuse_unknown_keys_and_bad_values(
    api: ApiClient, make_user: Callable[..., Any], body: dict[str, Any]
) -> None:
    user = await make_user(Role.CUSTOMER)
    response = await api.http.put("/api/profile/preferences", json=body, headers=user.headers)
    assert response.status_code == 400, (body, response.text)


async def test_user_profile_through_entities_is_own_or_admin_only(
    api: ApiClient, make_user: Callable[..., Any]
) -> None:
    ada, bob = await make_user(Role.CUSTOMER), await make_user(Role.VENDOR)
    admin = await make_user(Role.ADMIN)
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) "
        "{ ... on User { id profile { userId bio } } } }"
    )
    representations = [
        {"__typename": "User", "id": str(ada.id)},
        {"__typename": "User", "id": str(bob.id)},
        {"__typename": "User", "id": str(uuid.uuid4())},
    ]
    as_ada = await api.graphql(query, {"r": representations}, token=ada.token)
    entities = as_ada["data"]["_entities"]
    assert entities[0]["profile"] == {"userId": str(ada.id), "bio": None}
    assert entities[1]["profile"] is None  # someone else's
    assert entities[2]["profile"] is None
    as_admin = await api.graphql(query, {"r": representations}, token=admin.token)
    profiles = [entity["profile"] for entity in as_admin["data"]["_entities"]]
    assert [p and p["userId"] for p in profiles] == [str(ada.id), str(bob.id), None]
    anonymous = await api.graphql(query, {"r": representations})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"
