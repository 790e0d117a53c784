from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import pytest

from shared.rbac import Role
from subgraphs.payments.app import create_app
from subgraphs.payments.settings import PaymentsSettings, ProcessorKind
from tests.factories import TestUser
from tests.integration.conftest import ApiClient

WEBHOOK_SECRET = "test-webhook-secret"


def payments_settings(processor: ProcessorKind) -> PaymentsSettings:
    return PaymentsSettings(
        processor=processor,
        webhook_secret=WEBHOOK_SECRET,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    """The subgraph with the internal ledger processor (customer payments settle at once)."""
    factory = partial(create_app, payments_settings=payments_settings(ProcessorKind.INTERNAL))
    async with client_for(factory) as client:
        yield client


@pytest.fixture
async def external_api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    """The subgraph with an external processor (customer payments stay pending)."""
    factory = partial(create_app, payments_settings=payments_settings(ProcessorKind.EXTERNAL))
    async with client_for(factory) as client:
        yield client


@pytest.fixture
async def vendor(make_user: Callable[..., Any]) -> TestUser:
    user: TestUser = await make_user(Role.VENDOR)
    return user


@pytest.fixture
async def customer(make_user: Callable[..., Any]) -> TestUser:
    user: TestUser = await make_user(Role.CUSTOMER)
    return user


@pytest.fixture
async def admin(make_user: Callable[..., Any]) -> TestUser:
    user: TestUser = await make_user(Role.ADMIN)
    return user


async def create(
    api: ApiClient, user: TestUser, body: dict[str, Any], key: str | None = None
) -> dict[str, Any]:
    """POST /api/payments, expecting 201; the payment."""
    headers = {**user.headers, **({"Idempotency-Key": key} if key else {})}
    response = await api.http.post("/api/payments", json=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def request_body(amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {"type": "initiate", "amount": amount, "currency": "USD", **extra}


def payment_body(amount: str = "25.50", **extra: Any) -> dict[str, Any]:
    return {"type": "payment", "amount": amount, "currency": "USD", **extra}
