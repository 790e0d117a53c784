"""The platform's `payments.max_amount` setting bounds new payments at run time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from shared.config_store import PAYMENTS_MAX_AMOUNT, refresh
from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.admin.models import SystemConfig
from subgraphs.payments.app import create_app
from tests.integration.conftest import ApiClient


@pytest.fixture
async def api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    async with client_for(create_app) as client:
        yield client


async def test_amounts_above_the_setting_are_refused(
    api: ApiClient, make_user: Callable[..., Any], resources: Resources
) -> None:
    customer = await make_user(Role.CUSTOMER)
    body = {"type": "payment", "amount": 500.00, "currency": "USD"}
    allowed = await api.http.post("/api/payments", json=body, headers=customer.headers)
    assert allowed.status_code == 201, allowed.text
    async with resources.session_factory() as session:
        session.add(SystemConfig(key=PAYMENTS_MAX_AMOUNT, value="100.00"))
        await session.commit()
        await refresh(session, resources.redis)
    refused = await api.http.post("/api/payments", json=body, headers=customer.headers)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "AMOUNT_ABOVE_LIMIT"
    assert refused.json()["error"]["details"] == {"maxAmount": "100.00"}
