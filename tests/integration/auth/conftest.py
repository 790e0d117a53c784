from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from subgraphs.auth.app import create_app
from tests.integration.conftest import ApiClient

PASSWORD = "correct horse battery"


@pytest.fixture
async def api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    async with client_for(create_app) as client:
        yield client


@pytest.fixture
def register(api: ApiClient) -> Callable[..., Any]:
    """Register a user over REST and return the response's data (user + tokens)."""

    async def _register(
        email: str = "ada@example.com", role: str = "CUSTOMER", password: str = PASSWORD
    ) -> dict[str, Any]:
        response = await api.http.post(
            "/api/auth/register",
            json={"email": email, "password": password, "name": "Ada Lovelace", "role": role},
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    return _register
