"""`maintenance_mode` closes every guarded operation to all but administrators, at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.config_store import MAINTENANCE_MODE, refresh
from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.admin.models import SystemConfig
from subgraphs.auth.app import create_app
from tests.factories import DEFAULT_PASSWORD


async def test_maintenance_mode_answers_only_administrators(
    client_for: Callable[..., Any], make_user: Callable[..., Any], resources: Resources
) -> None:
    customer = await make_user(Role.CUSTOMER)
    admin = await make_user(Role.ADMIN)
    async with client_for(create_app) as api:
        assert (await api.http.get("/api/auth/me", headers=customer.headers)).status_code == 200
        async with resources.session_factory() as session:
            session.add(SystemConfig(key=MAINTENANCE_MODE, value=True))
            await session.commit()
            await refresh(session, resources.redis)
        closed = await api.http.get("/api/auth/me", headers=customer.headers)
        assert closed.status_code == 503
        assert closed.json()["error"]["code"] == "MAINTENANCE"
        assert (await api.http.get("/api/auth/me", headers=admin.headers)).status_code == 200
        login = await api.http.post(
            "/api/auth/login", json={"email": admin.email, "password": DEFAULT_PASSWORD}
        )
        assert login.status_code == 200
