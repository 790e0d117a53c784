from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from shared.rbac import Role
from subgraphs.payments.app import create_app
from subgraphs.payments.settings import PaymentsSettings, ProcessorKind
from tests.factories import TestUser as User
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
async def vendor(make_user: Callable[..., Any]) -> User:
    user: User = await make_user(Role.VENDOR)
    return user


@pytest.fixture
async def customer(make_user: Callable[..., Any]) -> User:
    user: User = await make_user(Role.CUSTOMER)
    return user


@pytest.fixture
async def admin(make_user: Callable[..., Any]) -> User:
    user: User = await make_user(Role.ADMIN)
    return user


async def create(
    api: ApiClient, user: User, body: dict[str, Any], key: str | None = None
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


@dataclass
class World:
    """Two vendors, two customers and an admin; a request of `vendor` addressed to `customer`
    (initiated) and a payment of `customer` (pending: external processor)."""

    vendor: User
    other_vendor: User
    customer: User
    other_customer: User
    admin: User
    request: dict[str, Any]
    payment: dict[str, Any]

    def user(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)

    async def renew(self, api: ApiClient) -> None:
        """Fresh objects in their first status (after a cell changed them)."""
        self.request = await create(
            api, self.vendor, request_body(customerId=str(self.customer.id))
        )
        self.payment = await create(api, self.customer, payment_body())


@pytest.fixture
async def world(external_api: ApiClient, make_user: Callable[..., Any]) -> World:
    vendor, other_vendor = await make_user(Role.VENDOR), await make_user(Role.VENDOR)
    customer, other_customer = await make_user(Role.CUSTOMER), await make_user(Role.CUSTOMER)
    admin = await make_user(Role.ADMIN)
    world = World(vendor, other_vendor, customer, other_customer, admin, {}, {})
    await world.renew(external_api)
    return world


async def call(
    api: ApiClient,
    method: str,
    path: str,
    user: User | None,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> httpx.Response:
    headers = user.headers if user else {}
    return await api.http.request(method, path, json=body, params=params, headers=headers)
