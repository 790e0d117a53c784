"""The design's front-end flow through the router, run by the design's own client code shapes
(``frontend/flow.mjs``: axios with its interceptors, TanStack Query's ``usePayments``, Apollo
Client): login → create payment → the list contains it → 401 on an expired access token,
refresh, retry → ``me { payments }`` contains it → logout, after which the token is refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from shared.config import Settings
from shared.graphql.context import Resources
from shared.rbac import Role
from shared.security.tokens import issue_access_token
from tests.harness import RunningProcess, npm_ci

FRONTEND_DIR = Path(__file__).parent / "frontend"
PASSWORD = "a fine passphrase"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the front-end flow runs in Node: needs `node` and `npm` on PATH",
)


def _run_flow(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    npm_ci(FRONTEND_DIR)
    return subprocess.run(
        ["node", "flow.mjs"],  # noqa: S607
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        cwd=FRONTEND_DIR,
        timeout=120,
        check=False,
    )


async def test_the_designs_frontend_flow(
    client: httpx.AsyncClient, gateway: RunningProcess, settings: Settings, resources: Resources
) -> None:
    email = f"vendor-{uuid.uuid4().hex[:8]}@example.com"
    registered = await client.post(
        "/api/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Front End", "role": "VENDOR"},
    )
    assert registered.status_code == 201, registered.text
    user_id = uuid.UUID(registered.json()["data"]["user"]["id"])
    expired, _ = issue_access_token(
        settings.model_copy(update={"jwt_expires_in": timedelta(seconds=-5)}),
        user_id=user_id,
        email=email,
        role=Role.VENDOR,
    )

    completed = _run_flow(  # the platform runs in its own processes: blocking here is fine
        {
            "BASE_URL": gateway.url,
            "EMAIL": email,
            "PASSWORD": PASSWORD,
            "EXPIRED_ACCESS_TOKEN": expired,
        }
    )
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)

    assert seen["login"] == {"email": email, "role": "VENDOR"}
    payment = seen["created"]["id"]
    assert seen["created"] == {"id": payment, "amount": 42.5, "status": "initiated"}
    assert seen["list"] == {"isArray": True, "ids": [payment]}
    assert seen["afterExpiry"] == {
        "refreshes": [{"after": "TOKEN_EXPIRED"}],
        "refreshTokenRotated": True,
        "ids": [payment],
    }
    assert seen["graphql"] == {"email": email, "ids": [payment]}
    assert seen["afterLogout"] == {"me": 401, "refresh": 401}
