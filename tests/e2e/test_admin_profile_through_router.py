"""Admin and profile through the router: `User.profile` joined onto `me`, the profile and
admin REST routes forwarded, an avatar uploaded as multipart/form-data."""

from __future__ import annotations

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
    assert str(admin.id) in [user["id"] for user in listed.json()["data"]["items"]]
    refused = await client.get(
        "/api/admin/users", headers={"Authorization": f"Bearer {customer['accessToken']}"}
    )
    assert refused.status_code == 403
