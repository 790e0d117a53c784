"""Schemathesis against every OpenAPI document, as each role, with all default checks: each
subgraph's own, and the router's combined one (`/api/openapi.json`) through a running router in
front of the real subgraphs. `make test` runs a quick, seeded profile; `make fuzz` the full one
(FUZZ_EXAMPLES)."""

from __future__ import annotations

import pytest

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.registry import SUBGRAPHS
from tests.factories import create_user
from tests.fuzz.conftest import QUICK, run_schemathesis
from tests.harness import Platform, RunningProcess

ROLES = pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value.lower())
# The quick profile fuzzes each subgraph's own document as one role (every route is fuzzed as
# each role through the router's combined document); the full profile as each role.
QUICK_ROLE = {"auth": Role.CUSTOMER, "payments": Role.VENDOR, "admin": Role.ADMIN}


@ROLES
@pytest.mark.parametrize("name", [spec.name for spec in SUBGRAPHS])
async def test_subgraph_openapi_survives_fuzzing(
    name: str, role: Role, platform: Platform, resources: Resources
) -> None:
    if QUICK and role is not QUICK_ROLE.get(name, Role.CUSTOMER):
        pytest.skip("the quick profile fuzzes a subgraph's own document as one role")
    running = platform.running(name) or platform.subgraph(name)
    user = await create_user(resources, role)
    headers = {
        "X-Router-Secret": resources.settings.subgraph_secret,
        "Authorization": f"Bearer {user.token}",
    }
    run_schemathesis(f"{running.url}/api/{name}/openapi.json", running.url, headers)


@ROLES
async def test_router_openapi_survives_fuzzing(
    role: Role, fuzz_router: RunningProcess, resources: Resources
) -> None:
    user = await create_user(resources, role)
    headers = {"Authorization": f"Bearer {user.token}"}
    run_schemathesis(f"{fuzz_router.url}/api/openapi.json", fuzz_router.url, headers)
