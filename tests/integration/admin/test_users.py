"""Managing users: list (filters, search, sort, cursor pages), get, create (password or
invite), update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.auth.models import OutboundEmail
from tests.factories import DEFAULT_PASSWORD
from tests.integration.conftest import ApiClient, executions_of, plan_nodes, rows_read


async def test_list_filters_searches_sorts_and_pages(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    await make_user(Role.VENDOR, email="vera@shop.example", name="Vera Vendor")
    await make_user(Role.CUSTOMER, email="carl@example.com", name="Carl")
    await make_user(Role.CUSTOMER, email="cleo@example.com", name="Cleo")

    async def users(**params: Any) -> dict[str, Any]:
        """The envelope: `data` (the users) and `pagination`."""
        response = await api.http.get("/api/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everyone = await users()
    assert everyone["pagination"] == {"limit": 20, "nextCursor": None, "hasMore": False, "total": 4}
    assert everyone["data"][0]["email"] == "cleo@example.com"  # newest first by default
    customers = await users(role="CUSTOMER", sort="EMAIL_ASC")
    assert [u["email"] for u in customers["data"]] == ["carl@example.com", "cleo@example.com"]
    assert (await users(search="SHOP"))["data"][0]["name"] == "Vera Vendor"
    assert (await users(search="%"))["pagination"]["total"] == 0  # a LIKE wildcard is literal
    first = await users(sort="EMAIL_ASC", limit=2)
    assert first["pagination"]["total"] == 4 and first["pagination"]["hasMore"] is True
    second = await users(sort="EMAIL_ASC", limit=2, cursor=first["pagination"]["nextCursor"])
    assert second["pagination"] == {"limit": 2, "nextCursor": None, "hasMore": False, "total": 4}
    emails = [u["email"] for u in first["data"] + second["data"]]
    assert emails == sorted(emails) and len(set(emails)) == 4
    assert (await users(active="false"))["pagination"]["total"] == 0
    assert (await users(limit=101))["pagination"]["limit"] == 100  # clamped, as payments' lists
    bad_role = await api.http.get("/api/admin/users?role=ROOT", headers=admin.headers)
    assert bad_role.status_code == 400


async def test_a_page_of_users_is_read_in_order_not_sorted(
    api: ApiClient, admin: Any, resources: Resources
) -> None:
    """3,000 customers newer than 100 administrators. The list's default order (newest first)
    had no index: every page sorted every matching user (a role's page, every user of the
    role: 202 rows read here). Both now read an index range in the list's order."""
    async with resources.session_factory() as db:
        for role, count, age in (("ADMIN", 100, 400), ("CUSTOMER", 3_000, 1)):
            await db.execute(
                text(
                    "INSERT INTO auth.users (email, password_hash, name, role, created_at) "
                    "SELECT lower(:role) || g || '@example.com', 'x', 'U', :role, "
                    "now() - make_interval(days => :age) + make_interval(secs => g) "
                    "FROM generate_series(1, :count) AS g"
                ),
                {"role": role, "count": count, "age": age},
            )
        await db.execute(text("ANALYZE auth.users"))
        await db.commit()

    async def page(**params: Any) -> tuple[dict[str, Any], tuple[str, Any]]:
        with executions_of(resources) as reads:
            response = await api.http.get("/api/admin/users", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        return response.json(), next(read for read in reads if "ORDER BY" in read[0])

    newest, (statement, parameters) = await page()
    assert [user["email"] for user in newest["data"][:2]] == [
        admin.email,
        "customer3000@example.com",
    ]
    assert newest["pagination"]["total"] == 3_101  # with the `admin` fixture's own account
    nodes = await plan_nodes(resources, statement, parameters)
    assert not [node for node in nodes if node["Node Type"] == "Sort"]
    admins, (statement, parameters) = await page(role="ADMIN")
    assert [user["email"] for user in admins["data"][:2]] == [admin.email, "admin100@example.com"]
    assert admins["pagination"]["total"] == 100 + 1
    # The count reads the role's range (~100 rows) and the page 21 rows of it.
    assert await rows_read(resources, statement, parameters) <= 101 + 3 * 21


@pytest.mark.parametrize("sort", ["CREATED_AT_DESC", "CREATED_AT_ASC", "EMAIL_ASC", "NAME_ASC"])
async def test_user_pages_have_no_duplicates_or_gaps_while_users_are_added(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], sort: str
) -> None:
    """Keyset pages in every sort, ties in the sort value included (same names): each user
    once, in order, though users are added between pages; `total` counts them as they are."""
    for index in range(6):
        await make_user(Role.CUSTOMER, email=f"u{index}@example.com", name=f"Name {index // 3}")
    seen: list[dict[str, Any]] = []
    cursor, added = "", 0
    while True:
        response = await api.http.get(
            "/api/admin/users",
            params={"sort": sort, "limit": 2, "cursor": cursor, "role": "CUSTOMER"},
            headers=admin.headers,
        )
        assert response.status_code == 200, response.text
        seen += response.json()["data"]
        pagination = response.json()["pagination"]
        assert pagination["total"] == 6 + added
        if not pagination["hasMore"]:
            break
        cursor = pagination["nextCursor"]
        await make_user(Role.CUSTOMER, name="Name 0")  # arrives between pages
        added += 1
    ids = [user["id"] for user in seen]
    assert len(ids) == len(set(ids)) >= 6
    originals = [u["email"] for u in seen if u["email"].startswith("u")]
    assert sorted(originals) == [f"u{index}@example.com" for index in range(6)]
    if sort == "EMAIL_ASC":
        assert [u["email"] for u in seen] == sorted(u["email"] for u in seen)
    if sort == "NAME_ASC":
        assert [u["name"] for u in seen] == sorted(u["name"] for u in seen)


async def test_a_user_cursor_only_continues_its_own_listing(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    await make_user(Role.CUSTOMER)
    first = await api.http.get("/api/admin/users?limit=1&sort=NAME_ASC", headers=admin.headers)
    cursor = first.json()["pagination"]["nextCursor"]
    for path in (
        f"/api/admin/users?limit=1&sort=EMAIL_ASC&cursor={cursor}",
        f"/api/admin/audit-logs?cursor={cursor}",
        "/api/admin/users?cursor=not-a-cursor",
    ):
        response = await api.http.get(path, headers=admin.headers)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "INVALID_CURSOR"


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
        "{ adminUsers(query: {role: VENDOR}) { totalCount edges { node { id isActive } } } }",
        token=admin.token,
    )
    assert listed["data"]["adminUsers"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": user_id, "isActive": True}}],
    }


async def test_admin_lists_are_documented_as_counted_pages(api: ApiClient) -> None:
    document = (await api.http.get("/api/admin/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path in ("/api/admin/users", "/api/admin/audit-logs"):
        operation = document["paths"][path]["get"]
        ok = operation["responses"]["200"]
        envelope = ok["content"]["application/json"]["schema"]
        assert envelope["properties"]["data"]["type"] == "array"
        reference = envelope["properties"]["pagination"]["$ref"]
        assert schemas[reference.rsplit("/", 1)[-1]]["required"] == [
            "limit",
            "nextCursor",
            "hasMore",
            "total",
        ]
        assert "Link" in ok["headers"]
        assert {"limit", "cursor"} <= {p["name"] for p in operation["parameters"]}
