"""A VENDOR → CUSTOMER flow through the router, and payments joined onto `me` by federation."""

from __future__ import annotations

import uuid

import httpx

from shared.graphql.context import Resources

PASSWORD = "a fine passphrase"
ME_WITH_PAYMENTS = "{ me { name payments(first: 5) { edges { node { amount status type } } } } }"


async def _register(client: httpx.AsyncClient, role: str) -> dict[str, str]:
    email = f"{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "name": f"E2E {role}", "role": role},
    )
    assert response.status_code == 201, response.text
    data: dict[str, str] = {**response.json()["data"], "email": email}
    return data


async def test_vendor_request_paid_by_its_customer(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    vendor = await _register(client, "VENDOR")
    customer = await _register(client, "CUSTOMER")
    as_vendor = {"Authorization": f"Bearer {vendor['accessToken']}"}
    as_customer = {"Authorization": f"Bearer {customer['accessToken']}"}

    request = await client.post(
        "/api/payments",
        json={
            "type": "initiate",
            "amount": 100.00,
            "currency": "USD",
            "description": "Invoice #123",
            "customerEmail": customer["email"],
        },
        headers=as_vendor,
    )
    assert request.status_code == 201, request.text
    assert '"amount":100.00' in request.text  # an exact JSON number, as the design shows
    request_id = request.json()["data"]["id"]

    paid = await client.post(
        "/api/payments",
        json={"type": "payment", "amount": 100.00, "paysPaymentId": request_id},
        headers={**as_customer, "Idempotency-Key": "invoice-123"},
    )
    assert paid.status_code == 201, paid.text
    replay = await client.post(
        "/api/payments",
        json={"type": "payment", "amount": 100.00, "paysPaymentId": request_id},
        headers={**as_customer, "Idempotency-Key": "invoice-123"},
    )
    assert replay.json()["data"]["id"] == paid.json()["data"]["id"]

    settled = await client.get(f"/api/payments/{request_id}", headers=as_vendor)
    assert settled.json()["data"]["status"] == "completed"
    stranger = await _register(client, "CUSTOMER")
    hidden = await client.get(
        f"/api/payments/{request_id}",
        headers={"Authorization": f"Bearer {stranger['accessToken']}"},
    )
    assert hidden.status_code == 404

    graph = await client.post("/graphql", json={"query": ME_WITH_PAYMENTS}, headers=as_customer)
    body = graph.json()
    assert "errors" not in body, body
    nodes = [edge["node"] for edge in body["data"]["me"]["payments"]["edges"]]
    assert nodes == [{"amount": "100.00", "status": "completed", "type": "payment"}]


async def test_lists_page_through_the_router_by_their_link(
    client: httpx.AsyncClient, resources: Resources
) -> None:
    """The `Link` a subgraph builds names the path the client used (`/api/v1/…` here) and
    reaches the client through the router, readable by a browser (CORS exposes it); the
    router's combined OpenAPI document says so. (`resources`: its rows and events are
    cleaned away after it, as after every test that writes.)"""
    vendor = await _register(client, "VENDOR")
    as_vendor = {"Authorization": f"Bearer {vendor['accessToken']}"}
    created = set()
    for amount in ("1.00", "2.00", "3.00"):
        response = await client.post(
            "/api/payments", json={"type": "initiate", "amount": amount}, headers=as_vendor
        )
        assert response.status_code == 201, response.text
        created.add(response.json()["data"]["id"])
    origin = {"Origin": "http://localhost:9001"}
    seen: list[str] = []
    url: str | None = "/api/v1/payments?limit=2"
    while url:
        page = await client.get(url, headers={**as_vendor, **origin})
        assert page.status_code == 200, page.text
        seen += [payment["id"] for payment in page.json()["data"]]
        assert "link" in page.headers.get("access-control-expose-headers", "").lower()
        link = page.headers.get("link")
        assert (link is not None) is page.json()["pagination"]["hasMore"]
        url = link.split(">;")[0].removeprefix("<") if link else None
        assert url is None or url.startswith("/api/v1/payments?limit=2&cursor=")
    assert len(seen) == 3 and set(seen) == created
    document = (await client.get("/api/openapi.json")).json()
    listing = document["paths"]["/api/payments"]["get"]["responses"]["200"]
    assert "Link" in listing["headers"]
    envelope = listing["content"]["application/json"]["schema"]
    assert envelope["properties"]["data"]["type"] == "array"
    assert envelope["properties"]["pagination"]["$ref"] == "#/components/schemas/Pagination"
    assert "Pagination" in document["components"]["schemas"]
