"""Admin and profile through the router: `User.profile` joined onto `me`, the profile and
admin REST routes forwarded, an avatar uploaded as multipart/form-data."""

from __future__ import annotations

import asyncio
import io
import uuid

import httpx
from PIL import Image

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.factories import create_user

PASSWORD = "a fine passphrase"


async def _register(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": "Ada E2E"}
    )
    assert response.status_code == 201, response.text
    data: dict[str, str] = response.json()["data"]
    return data


async def test_me_with_profile_is_one_federated_query(client: httpx.AsyncClient) -> None:
    session = await _register(client)
    headers = {"Authorization": f"Bearer {session['accessToken']}"}
    put = await client.put("/api/profile", json={"bio": "Counts things"}, headers=headers)
    assert put.status_code == 200, put.text
    graph = await client.post(
        "/graphql", json={"query": "{ me { name profile { bio } } }"}, headers=headers
    )
    assert graph.json() == {
        "data": {"me": {"name": "Ada E2E", "profile": {"bio": "Counts things"}}}
    }


async def test_avatar_upload_through_the_router(client: httpx.AsyncClient) -> None:
    session = await _register(client)
    headers = {"Authorization": f"Bearer {session['accessToken']}"}
    png = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 128, 255)).save(png, format="PNG")
    uploaded = await client.post(
        "/api/profile/avatar",
        files={"file": ("a.png", png.getvalue(), "image/png")},
        headers=headers,
    )
    assert uploaded.status_code == 200, uploaded.text
    served = await client.get(uploaded.json()["data"]["avatarUrl"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"


async def test_admin_routes_through_the_router(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    admin = await create_user(resources, Role.ADMIN)
    customer = await _register(client)
    listed = await client.get("/api/admin/users?role=ADMIN", headers=admin.headers)
    assert listed.status_code == 200, listed.text
    assert str(admin.id) in [user["id"] for user in listed.json()["data"]]
    refused = await client.get(
        "/api/admin/users", headers={"Authorization": f"Bearer {customer['accessToken']}"}
    )
    assert refused.status_code == 403


async def test_the_admins_rate_limit_setting_reaches_the_running_router(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    """The router has no database: the admin's `rate_limit.requests_per_minute` reaches it
    through Redis (re-read at most every 5 s), and then bounds every signed-in caller."""
    admin = await create_user(resources, Role.ADMIN)
    watcher = await create_user(resources, Role.CUSTOMER)
    caller = await create_user(resources, Role.CUSTOMER)
    probe = {"query": "{ __typename }"}

    async def set_limit(per_minute: int) -> None:
        response = await client.put(
            "/api/admin/config",
            json={"values": {"rate_limit.requests_per_minute": per_minute}},
            headers=admin.headers,
        )
        assert response.status_code == 200, response.text

    async def router_applies(per_minute: int) -> None:
        for _ in range(40):
            seen = await client.post("/graphql", json=probe, headers=watcher.headers)
            if seen.headers["ratelimit-limit"] == str(per_minute):
                return
            await asyncio.sleep(0.25)
        raise AssertionError(f"the router never applied {per_minute}/min")

    await set_limit(30)
    await router_applies(30)
    codes = [
        (await client.post("/graphql", json=probe, headers=caller.headers)).status_code
        for _ in range(31)
    ]
    assert codes == [200] * 30 + [429]
    await set_limit(100_000)  # leave the running router as generous as the next test expects
    await router_applies(100_000)
