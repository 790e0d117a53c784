"""Schemathesis against every subgraph's OpenAPI document, as each role, with all default
checks. `make test` runs a quick, seeded profile; `make fuzz` the full one (FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.registry import SUBGRAPHS
from tests.factories import create_user
from tests.harness import ROOT, Platform

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("FUZZ_SEED", "20261125"))


def run_schemathesis(base_url: str, openapi_path: str, headers: dict[str, str]) -> str:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "run",
        f"{base_url}{openapi_path}",
        "--url",
        base_url,
        "--seed",
        str(SEED),
        "--max-examples",
        str(EXAMPLES),
        "--generation-deterministic",
        "--request-timeout",
        "10",
        "--warnings",
        "off",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(  # noqa: S603
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value.lower())
@pytest.mark.parametrize("name", [spec.name for spec in SUBGRAPHS])
async def test_subgraph_openapi_survives_fuzzing(
    name: str, role: Role, platform: Platform, resources: Resources
) -> None:
    running = platform.running(name) or platform.subgraph(name)
    user = await create_user(resources, role)
    headers = {
        "X-Router-Secret": resources.settings.subgraph_secret,
        "Authorization": f"Bearer {user.token}",
    }
    run_schemathesis(running.url, f"/api/{name}/openapi.json", headers)
