"""The OpenAPI document of the payments routes."""

from __future__ import annotations

from tests.integration.conftest import ApiClient


async def test_openapi_documents_every_payments_route(api: ApiClient) -> None:
    document = (await api.http.get("/api/payments/openapi.json")).json()
    paths = document["paths"]
    assert {(path, method) for path, ops in paths.items() for method in ops} == {
        ("/api/payments", "get"),
        ("/api/payments", "post"),
        ("/api/payments/history", "get"),
        ("/api/payments/reports", "get"),
        ("/api/payments/{id}", "get"),
        ("/api/payments/{id}", "put"),
        ("/api/payments/{id}", "delete"),
        ("/api/payments/{id}/status", "post"),
    }
    create = paths["/api/payments"]["post"]
    assert create["x-roles"] == ["CUSTOMER", "VENDOR"]
    assert "201" in create["responses"]
    headers = [p for p in create["parameters"] if p["in"] == "header"]
    assert [h["name"] for h in headers] == ["Idempotency-Key"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False
    assert body["required"] == ["type", "amount"]
    amount = body["properties"]["amount"]
    assert (amount["maximum"], amount["multipleOf"]) == (99999999.99, 0.01)
    assert "USD" in body["properties"]["currency"]["anyOf"][0]["enum"]
    assert paths["/api/payments/reports"]["get"]["x-roles"] == ["ADMIN", "VENDOR"]
    assert paths["/api/payments/{id}/status"]["post"]["x-roles"] == ["ADMIN"]
    listing = {p["name"] for p in paths["/api/payments"]["get"]["parameters"]}
    assert {"limit", "cursor", "status", "type", "from", "to", "minAmount", "maxAmount"} <= listing
    assert {"sort", "order"} <= listing
    assert len(body["allOf"]) == 2  # the fields each type may carry
    update = paths["/api/payments/{id}"]["put"]["requestBody"]["content"]["application/json"]
    assert update["schema"]["minProperties"] == 1
    docs = await api.http.get("/api/payments/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text


async def test_the_documented_parameters_are_what_the_service_accepts(api: ApiClient) -> None:
    """Found by fuzzing: the service refuses a NUL in `cursor` and an empty or blank
    Idempotency-Key (400), so the document must not call them valid."""
    paths = (await api.http.get("/api/payments/openapi.json")).json()["paths"]
    for path in ("/api/payments", "/api/payments/history"):
        (cursor,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "cursor"]
        (text,) = [s for s in cursor["schema"]["anyOf"] if s["type"] == "string"]
        assert text["pattern"] == "^[^\\u0000]*$"
    (key,) = [p for p in paths["/api/payments"]["post"]["parameters"] if p["in"] == "header"]
    assert key["schema"] == {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"}
    blank = await api.http.post(
        "/api/payments", json={"type": "payment", "amount": 1}, headers={"Idempotency-Key": " "}
    )
    assert blank.status_code in (400, 401)


async def test_lists_are_documented_as_arrays_with_their_page(api: ApiClient) -> None:
    """`data` is the array of items; `pagination` and the `Link` header beside it."""
    document = (await api.http.get("/api/payments/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for path, item in (("/api/payments", "type"), ("/api/payments/history", "transactionType")):
        ok = document["paths"][path]["get"]["responses"]["200"]
        envelope = ok["content"]["application/json"]["schema"]
        assert envelope["required"] == ["success", "data", "pagination"]
        data = envelope["properties"]["data"]
        assert data["type"] == "array" and item in data["items"]["required"]
        assert "edges" not in str(data)
        pagination = envelope["properties"]["pagination"]["$ref"].rsplit("/", 1)[-1]
        assert schemas[pagination]["required"] == ["limit", "nextCursor", "hasMore"]
        assert 'rel="next"' in ok["headers"]["Link"]["description"]
    one = document["paths"]["/api/payments/{id}"]["get"]["responses"]["200"]
    assert "pagination" not in one["content"]["application/json"]["schema"]["properties"]
    assert "headers" not in one
