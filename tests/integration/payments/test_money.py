"""Amounts and currencies: exact decimals, never rounded; ISO 4217 codes."""

from __future__ import annotations

import pytest

from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient

CREATE = """mutation($input: CreatePaymentInput!) {
  createPayment(input: $input) { amount currency }
}"""


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("0.01", "0.01"),
        ("10", "10.00"),
        ("10.1", "10.10"),
        ("10.100", "10.10"),
        ("99999999.99", "99999999.99"),
    ],
)
async def test_valid_amounts_are_kept_exactly(
    api: ApiClient, customer: User, raw: str, stored: str
) -> None:
    body = f'{{"type": "payment", "amount": {raw}}}'
    response = await api.http.post(
        "/api/payments",
        content=body,
        headers={**customer.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert f'"amount":{stored},' in response.text
    assert '"currency":"USD"' in response.text


@pytest.mark.parametrize(
    "raw",
    [
        "10.001",
        "0",
        "-5.00",
        "0.001",
        "100000000.00",
        "1e10",
        '"NaN"',
        '"Infinity"',
        '"ten"',
        "null",
    ],
)
async def test_invalid_amounts_are_400(api: ApiClient, customer: User, raw: str) -> None:
    body = f'{{"type": "payment", "amount": {raw}}}'
    response = await api.http.post(
        "/api/payments",
        content=body,
        headers={**customer.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("currency", ["usd", "XXX", "US", "EURO", ""])
async def test_unknown_currencies_are_400(api: ApiClient, customer: User, currency: str) -> None:
    response = await api.http.post(
        "/api/payments",
        json={"type": "payment", "amount": "1.00", "currency": currency},
        headers=customer.headers,
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == "currency"


async def test_graphql_rejects_a_float_that_needs_more_than_two_places(
    api: ApiClient, customer: User
) -> None:
    variables = {"input": {"type": "payment", "amount": 10.001, "currency": "EUR"}}
    body = await api.graphql(CREATE, variables, token=customer.token)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION_ERROR"
    ok = await api.graphql(
        CREATE, {"input": {"type": "payment", "amount": 10.1, "currency": "EUR"}}, customer.token
    )
    assert ok["data"]["createPayment"] == {"amount": "10.10", "currency": "EUR"}


async def test_extra_fields_and_wrong_type_fields_are_400(api: ApiClient, vendor: User) -> None:
    for body in (
        {"type": "initiate", "amount": "1.00", "surprise": True},
        {
            "type": "initiate",
            "amount": "1.00",
            "paysPaymentId": "00000000-0000-0000-0000-000000000000",
        },
        {"type": "refund", "amount": "1.00"},
        {"type": "initiate"},
        {"type": "payment", "amount": "1.00", "customerId": "00000000-0000-0000-0000-000000000000"},
        {"type": "initiate", "amount": "1.00", "description": "nul \u0000"},
    ):
        response = await api.http.post("/api/payments", json=body, headers=vendor.headers)
        assert response.status_code == 400, (body, response.text)


async def test_text_postgresql_cannot_store_is_replaced(api: ApiClient, vendor: User) -> None:
    body = (
        rb'{"type": "initiate", "amount": 1, "description": "a\udcffb", '
        rb'"metadata": {"k\u0000": "\ud800"}}'
    )
    response = await api.http.post(
        "/api/payments",
        content=body,
        headers={**vendor.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["description"] == "a\ufffdb"
    assert data["metadata"] == {"k\ufffd": "\ufffd"}


async def test_metadata_keeps_numbers_as_json_numbers(api: ApiClient, vendor: User) -> None:
    body = (
        '{"type": "initiate", "amount": 1, '
        '"metadata": {"rate": 0.5, "n": 123456789012, "big": 123456789012345678901234}}'
    )
    response = await api.http.post(
        "/api/payments",
        content=body,
        headers={**vendor.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    metadata = response.json()["data"]["metadata"]
    assert metadata == {"rate": 0.5, "n": 123456789012, "big": 1.2345678901234568e23}
