from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from shared.rbac import Role
from subgraphs.admin.app import create_app
from subgraphs.auth.app import create_app as create_auth_app
from tests.factories import TestUser
from tests.integration.conftest import ApiClient


@pytest.fixture
async def api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    async with client_for(create_app) as client:
        yield client


@pytest.fixture
async def auth_api(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    async with client_for(create_auth_app) as client:
        yield client


@pytest.fixture
async def admin(make_user: Callable[..., Any]) -> TestUser:
    user: TestUser = await make_user(Role.ADMIN)
    return user
