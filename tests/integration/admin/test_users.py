"""Managing users: list (filters, search, sort, pages), get, create (password or invite), update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.auth.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD
from tests.integration.conftest import ApiClient


async def test_list_filters_searches_sorts_and_pages(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    await make_user(Role.VENDOR, email="vera@shop.example", name="Vera Vendor")
    await make_user(Role.CUSTOMER, email="carl@example.com", name="Carl")
    await make_user(Role.CUSTOMER, email="cleo@example.com", name="Cleo")

    async def users(**params: Any) -> dict[str, Any]:
        response = await api.http.get("/api/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    everyone = await users()
    assert everyone["total"] == 4
    assert everyone["items"][0]["email"] == "cleo@example.com"  # newest first by default
    customers = await users(role="CUSTOMER", sort="EMAIL_ASC")
    assert [u["email"] for u in customers["items"]] == ["carl@example.com", "cleo@example.com"]
    assert (await users(search="SHOP"))["items"][0]["name"] == "Vera Vendor"
    assert (await users(search="%"))["total"] == 0  # a LIKE wildcard is searched literally
    page = await users(sort="EMAIL_ASC", page=2, pageSize=2)
    assert page["total"] == 4 and page["page"] == 2 and len(page["items"]) == 2
    assert (await users(active="false"))["total"] == 0
    too_big = await api.http.get("/api/admin/users?pageSize=101", headers=admin.headers)
    assert too_big.status_code == 400
    bad_role = await api.http.get("/api/admin/users?role=ROOT", headers=admin.headers)
    assert bad_role.status_code == 400


async def test_get_a_user_or_404(api: ApiClient, admin: Any, make_user: Callable[..., Any]) -> None:
    vendor = await make_user(Role.VENDOR)
    found = await api.http.get(f"/api/admin/users/{vendor.id}", headers=admin.headers)
    assert found.status_code == 200
    assert (
        found.json()["data"] | {"id": str(vendor.id), "role": "VENDOR", "isActive": True}
        == (found.json()["data"])
    )
    missing = await api.http.get(
        "/api/admin/users/00000000-0000-0000-0000-000000000000", headers=admin.headers
    )
    assert missing.status_code == 404
    malformed = await api.http.get("/api/admin/users/not-a-uuid", headers=admin.headers)
    assert malformed.status_code == 400


async def test_create_an_admin_with_a_password(
    api: ApiClient, auth_api: ApiClient, admin: Any
) -> None:
    created = await api.http.post(
        "/api/admin/users",
        json={
            "email": "Root@Example.com",
            "name": "Second Admin",
            "role": "ADMIN",
            "password": DEFAULT_PASSWORD,
            "emailVerified": True,
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    data = created.json()["data"]
    assert data["email"] == "root@example.com" and data["role"] == "ADMIN"
    assert data["emailVerified"] is True
    login = await auth_api.http.post(
        "/api/auth/login", json={"email": "root@example.com", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["data"]["user"]["role"] == "ADMIN"
    taken = await api.http.post(
        "/api/admin/users",
        json={"email": "root@example.com", "name": "Again", "role": "VENDOR"},
        headers=admin.headers,
    )
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "EMAIL_TAKEN"


async def test_create_by_invitation_sends_a_reset_token(
    api: ApiClient, auth_api: ApiClient, admin: Any, resources: Resources
) -> None:
    created = await api.http.post(
        "/api/admin/users",
        json={"email": "invitee@example.com", "name": "Invitee", "role": "VENDOR"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    async with resources.session_factory() as session:
        mail = (await session.execute(select(OutboundEmail))).scalar_one()
    assert mail.to_address == "invitee@example.com"
    token = mail.body.split("\n\n")[2]
    reset = await auth_api.http.post(
        "/api/auth/reset-password", json={"token": token, "newPassword": "a brand new secret"}
    )
    assert reset.status_code == 200, reset.text
    login = await auth_api.http.post(
        "/api/auth/login", json={"email": "invitee@example.com", "password": "a brand new secret"}
    )
    assert login.status_code == 200


async def test_create_validates_like_registration(api: ApiClient, admin: Any) -> None:
    weak = await api.http.post(
        "/api/admin/users",
        json={"email": "x@example.com", "name": "X", "role": "CUSTOMER", "password": "password"},
        headers=admin.headers,
    )
    assert weak.status_code == 400
    assert weak.json()["error"]["details"][0]["field"] == "password"
    bad_email = await api.http.post(
        "/api/admin/users",
        json={"email": "nope", "name": "X", "role": "CUSTOMER"},
        headers=admin.headers,
    )
    assert bad_email.status_code == 400


async def test_update_details_and_refuse_other_fields(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    customer = await make_user(Role.CUSTOMER)
    other = await make_user(Role.CUSTOMER)
    path = f"/api/admin/users/{customer.id}"
    updated = await api.http.put(
        path,
        json={"name": "New Name", "email": "fresh@example.com", "emailVerified": True},
        headers=admin.headers,
    )
    assert updated.status_code == 200, updated.text
    data = updated.json()["data"]
    assert data["updatedAt"] > data["createdAt"]
    assert (data["name"], data["email"], data["emailVerified"]) == (
        "New Name",
        "fresh@example.com",
        True,
    )
    role = await api.http.put(path, json={"role": "ADMIN"}, headers=admin.headers)
    assert role.status_code == 400  # the role has its own route; no mass assignment
    taken = await api.http.put(path, json={"email": other.email}, headers=admin.headers)
    assert taken.status_code == 409


async def test_graphql_user_management(api: ApiClient, admin: Any) -> None:
    created = await api.graphql(
        "mutation($input: CreateUserInput!) { adminCreateUser(input: $input) { id role } }",
        {"input": {"email": "g@example.com", "name": "G", "role": "VENDOR"}},
        token=admin.token,
    )
    user_id = created["data"]["adminCreateUser"]["id"]
    listed = await api.graphql(
        "{ adminUsers(query: {role: VENDOR}) { total items { id isActive } } }", token=admin.token
    )
    assert listed["data"]["adminUsers"] == {
        "total": 1,
        "items": [{"id": user_id, "isActive": True}],
    }
