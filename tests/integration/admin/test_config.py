"""Platform settings: typed keys with defaults, validation, `updatedBy`, and a change the
running services see at once (the login throttle reads `auth.max_failed_logins`)."""

from __future__ import annotations

from typing import Any

from shared.config_mirror import MIRROR_KEY
from shared.config_store import AUTH_MAX_FAILED_LOGINS, CONFIG_KEYS, read_setting
from shared.graphql.context import Resources
from tests.integration.conftest import ApiClient


async def _put(api: ApiClient, admin: Any, values: dict[str, Any]) -> Any:
    return await api.http.put("/api/admin/config", json={"values": values}, headers=admin.headers)


async def test_every_key_is_listed_with_its_schema_and_default(api: ApiClient, admin: Any) -> None:
    response = await api.http.get("/api/admin/config", headers=admin.headers)
    assert response.status_code == 200
    entries = {entry["key"]: entry for entry in response.json()["data"]}
    assert set(entries) == set(CONFIG_KEYS)
    logins = entries["auth.max_failed_logins"]
    assert logins["value"] == logins["defaultValue"] == 5 and logins["isDefault"] is True
    assert logins["valueSchema"]["type"] == "integer"
    per_address = entries["auth.max_failed_logins_per_ip"]
    assert per_address["value"] == per_address["defaultValue"] == 100
    assert (per_address["valueSchema"]["minimum"], per_address["valueSchema"]["maximum"]) == (
        1,
        100_000,
    )
    assert entries["maintenance_mode"]["value"] is False
    assert entries["payments.max_amount"]["defaultValue"] == "99999999.99"


async def test_a_change_is_stored_with_its_author(api: ApiClient, admin: Any) -> None:
    changed = await _put(
        api, admin, {"rate_limit.requests_per_minute": 250, "payments.max_amount": 99.5}
    )
    assert changed.status_code == 200, changed.text
    entries = {entry["key"]: entry for entry in changed.json()["data"]}
    rate = entries["rate_limit.requests_per_minute"]
    assert (rate["value"], rate["isDefault"], rate["updatedBy"]) == (250, False, str(admin.id))
    assert entries["payments.max_amount"]["value"] == "99.50"


async def test_a_change_is_mirrored_for_the_router(
    api: ApiClient, admin: Any, resources: Resources
) -> None:
    """The router has no database: it reads `rate_limit.requests_per_minute` from Redis."""
    assert (await _put(api, admin, {"rate_limit.requests_per_minute": 250})).status_code == 200
    mirrored = await resources.redis.hgetall(MIRROR_KEY)
    assert mirrored == {"rate_limit.requests_per_minute": "250"}
    await resources.redis.flushdb()  # Redis lost its data: the next read from the database
    async with resources.session_factory() as db:  # (any service, any setting) restores it
        await read_setting(db, resources.redis, resources.settings, AUTH_MAX_FAILED_LOGINS)
    assert await resources.redis.hgetall(MIRROR_KEY) == mirrored


async def test_unknown_keys_and_wrong_types_are_refused(api: ApiClient, admin: Any) -> None:
    unknown = await _put(api, admin, {"debug": True})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "UNKNOWN_CONFIG_KEY"
    for key, value in (
        ("auth.max_failed_logins", "3"),
        ("auth.max_failed_logins", 0),
        ("auth.max_failed_logins", True),
        ("auth.max_failed_logins_per_ip", 0),
        ("auth.max_failed_logins_per_ip", "100"),
        ("auth.max_failed_logins_per_ip", 100_001),
        ("auth.max_failed_logins_per_ip", 2.5),
        ("maintenance_mode", 1),
        ("payments.max_amount", -5),
        ("payments.max_amount", 1.005),
    ):
        response = await _put(api, admin, {key: value})
        assert response.status_code == 400, (key, value)
        error = response.json()["error"]
        assert error["code"] == "INVALID_CONFIG_VALUE" and error["details"][0]["field"] == key
    empty = await _put(api, admin, {})
    assert empty.status_code == 400
    # Nothing of a refused request is stored, even its valid keys.
    mixed = await _put(api, admin, {"maintenance_mode": True, "auth.max_failed_logins": "x"})
    assert mixed.status_code == 400
    listed = await api.http.get("/api/admin/config", headers=admin.headers)
    assert all(entry["isDefault"] for entry in listed.json()["data"])


async def test_the_running_login_throttle_follows_the_setting(
    api: ApiClient, auth_api: ApiClient, admin: Any, resources: Resources
) -> None:
    async with resources.session_factory() as db:  # warm the cache with the default
        assert (
            await read_setting(db, resources.redis, resources.settings, AUTH_MAX_FAILED_LOGINS) == 5
        )
    assert (await _put(api, admin, {"auth.max_failed_logins": 2})).status_code == 200

    async def wrong_login() -> int:
        response = await auth_api.http.post(
            "/api/auth/login", json={"email": admin.email, "password": "not the password"}
        )
        return response.status_code

    assert [await wrong_login() for _ in range(3)] == [401, 401, 429]


async def test_the_running_address_budget_follows_the_setting(
    api: ApiClient, auth_api: ApiClient, admin: Any
) -> None:
    """`auth.max_failed_logins_per_ip` changes the address's budget at run time, both ways."""

    async def wrong_login(index: int) -> int:
        response = await auth_api.http.post(
            "/api/auth/login", json={"email": f"u{index}@example.com", "password": "not it"}
        )
        return response.status_code

    assert [await wrong_login(index) for index in range(6)] == [401] * 6  # the default: 100
    assert (await _put(api, admin, {"auth.max_failed_logins_per_ip": 6})).status_code == 200
    assert await wrong_login(6) == 429
    assert (await _put(api, admin, {"auth.max_failed_logins_per_ip": 8})).status_code == 200
    assert [await wrong_login(index) for index in range(7, 10)] == [401, 401, 429]
