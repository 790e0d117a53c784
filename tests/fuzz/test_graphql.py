"""Schemathesis's GraphQL support against the router's `/graphql` (through a running router in
front of the real subgraphs) and each subgraph's own, as each role, with every default check
that applies to GraphQL. How a GraphQL error is judged (by its HTTP-equivalent status, as over
REST) is in hooks.py; per-operation exceptions with reasons in schemathesis.toml."""

from __future__ import annotations

import pytest

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.registry import SUBGRAPHS
from tests.factories import create_user
from tests.fuzz.conftest import QUICK, run_schemathesis
from tests.harness import Platform, RunningProcess

ROLES = pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value.lower())


@ROLES
async def test_router_graphql_survives_fuzzing(
    role: Role, fuzz_router: RunningProcess, resources: Resources
) -> None:
    user = await create_user(resources, role)
    url = f"{fuzz_router.url}/graphql"
    run_schemathesis(url, url, {"Authorization": f"Bearer {user.token}"})


@pytest.mark.skipif(QUICK, reason="the full profile only (make fuzz): the router's run covers it")
@ROLES
@pytest.mark.parametrize("name", [spec.name for spec in SUBGRAPHS])
async def test_subgraph_graphql_survives_fuzzing(
    name: str, role: Role, platform: Platform, resources: Resources
) -> None:
    running = platform.running(name) or platform.subgraph(name)
    user = await create_user(resources, role)
    headers = {
        "X-Router-Secret": resources.settings.subgraph_secret,
        "Authorization": f"Bearer {user.token}",
    }
    url = f"{running.url}/graphql"
    run_schemathesis(url, url, headers)
