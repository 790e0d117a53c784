"""The deployment files hold together: docker-compose.yml is valid (compose-spec schema, and
Debian's docker-compose when it can be had), every long-running service has a healthcheck,
.env.example names every variable, the committed nginx configs are the renderer's output and
nginx accepts a rendered config, the Dockerfile has the promised shape. No network needed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deploy.healthcheck import main as healthcheck
from deploy.render_nginx import (
    COMPOSE_SUBGRAPHS,
    NginxConfig,
    compose_configs,
    compose_services,
    render,
)
from shared.config import Settings
from tests.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA = Path(__file__).with_name("compose_spec.json")
# The design's §10.2 (NODE_ENV is APP_ENV here) and what this platform adds.
REQUIRED_VARIABLES = {
    "DATABASE_URL",
    "JWT_SECRET",
    "JWT_EXPIRES_IN",
    "JWT_REFRESH_EXPIRES_IN",
    "REDIS_URL",
    "API_PORT",
    "APP_ENV",
    "CORS_ORIGIN",
    "SUBGRAPH_SECRET",
    "TRUSTED_PROXIES",
    "MAX_BODY_BYTES",
    "BCRYPT_ROUNDS",
}
ANY_ADDRESS = ".".join("0000")  # services listen on every interface in containers
CLI_VARIABLES = {"DRAIN_SECONDS", "GRACEFUL_TIMEOUT"}  # options of `mfe subgraph`/`mfe router`


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # resolves `<<: *anchor` merges
    return data


def _env_example() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {key.strip(): value.strip() for key, value in pairs}


def _one_shot(compose: dict[str, Any]) -> set[str]:
    """Services others wait for to *complete*: they run once and exit."""
    return {
        name
        for service in compose["services"].values()
        for name, condition in (service.get("depends_on") or {}).items()
        if isinstance(condition, dict)
        and condition.get("condition") == "service_completed_successfully"
    }


def test_compose_file_matches_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


def test_docker_compose_parses_the_file(docker_compose_binary: Path) -> None:
    files = ["--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE)]
    result = subprocess.run(  # noqa: S603
        [str(docker_compose_binary), *files, "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_every_long_running_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    one_shot = _one_shot(compose)
    assert one_shot == {"migrate"}
    missing = [
        name
        for name, service in compose["services"].items()
        if name not in one_shot and not service.get("healthcheck", {}).get("test")
    ]
    assert not missing, f"no healthcheck: {missing}"
    subgraphs = [service for name in COMPOSE_SUBGRAPHS for service in compose_services(name)]
    for name in (*subgraphs, "router-1", "router-2"):
        test = " ".join(compose["services"][name]["healthcheck"]["test"])
        assert "/ready" in test, name


def test_start_order_and_state(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    assert any(v.startswith("redisdata:") for v in services["redis"]["volumes"])
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    subgraphs = [service for name in COMPOSE_SUBGRAPHS for service in compose_services(name)]
    for name in COMPOSE_SUBGRAPHS:
        for service_name in compose_services(name):
            service = services[service_name]
            assert service["command"][:2] == ["subgraph", name]
            assert ANY_ADDRESS in service["command"]  # reachable from the other containers
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert compose_services("payments") == ["payments-1", "payments-2"]  # scaled out
    assert set(services["nginx-subgraphs"]["depends_on"]) == set(subgraphs)
    routers = [n for n, s in services.items() if s.get("command", [""])[0] == "router"]
    assert sorted(routers) == ["router-1", "router-2"]
    for name in routers:
        assert ANY_ADDRESS in services[name]["command"]
    assert services["nginx"]["ports"] == ["${HTTP_PORT:-80}:80"]
    assert set(services["nginx"]["depends_on"]) == {"router-1", "router-2"}
    # One image for every service of ours.
    images = {services[n]["image"] for n in [*subgraphs, *routers, "migrate"]}
    assert len(images) == 1


def test_env_example_names_every_variable(compose: dict[str, Any]) -> None:
    example = _env_example()
    assert set(example) >= REQUIRED_VARIABLES, REQUIRED_VARIABLES - set(example)
    referenced = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", COMPOSE.read_text()))
    assert referenced <= set(example), f"not in .env.example: {referenced - set(example)}"
    # Every variable the services get is one the platform reads (no typo goes unnoticed).
    app_env = compose["services"]["auth"]["environment"]
    unknown = {k for k in app_env if k.lower() not in Settings.model_fields} - CLI_VARIABLES
    assert not unknown, f"not a setting: {unknown}"


def test_env_example_is_a_valid_production_configuration(no_env: None) -> None:
    values = {k.lower(): v for k, v in _env_example().items() if k.lower() in Settings.model_fields}
    settings = Settings(**values, _env_file=None)  # type: ignore[arg-type]
    assert settings.is_production
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.trusted_proxies == ["172.30.0.10", "172.30.0.11"]


def test_committed_nginx_configs_are_rendered_from_the_template() -> None:
    for path, text in compose_configs().items():
        stale = f"{path.name} is stale: python -m deploy.render_nginx --compose"
        assert path.read_text() == text, stale


def test_nginx_config_shape() -> None:
    edge = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server router-1:3000 max_fails=3 fail_timeout=10s;" in edge
    assert "server router-2:3000 max_fails=3 fail_timeout=10s;" in edge
    assert re.search(r"keepalive \d+;", edge)
    assert "proxy_set_header X-Request-ID $mfe_request_id;" in edge
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in edge
    assert "proxy_set_header Upgrade $http_upgrade;" in edge
    assert "client_max_body_size 1m;" in edge  # the apps' 1 MiB
    assert "proxy_next_upstream error timeout http_502 http_503;" in edge
    assert "non_idempotent" not in edge.replace("`non_idempotent`", "")
    inner = (ROOT / "deploy" / "nginx-subgraphs.conf").read_text()
    for name, port in COMPOSE_SUBGRAPHS.items():
        for service in compose_services(name):
            assert f"server {service}:{port} " in inner
        assert f"listen {port};" in inner
    assert "error_page 502 503 504 = @unavailable;" in inner  # a JSON 503, never nginx's HTML
    assert "keepalive_timeout 0;" in inner  # a reload never closes a router's idle connection
    supergraph = yaml.safe_load((ROOT / "deploy" / "supergraph.compose.yaml").read_text())
    assert set(supergraph["subgraphs"]) == set(COMPOSE_SUBGRAPHS)
    for name, entry in supergraph["subgraphs"].items():
        port = COMPOSE_SUBGRAPHS[name]
        assert entry["routing_url"] == f"http://nginx-subgraphs:{port}/graphql"
    repository_config = ROOT / "supergraph.yaml"
    if repository_config.exists():
        names = set(yaml.safe_load(repository_config.read_text())["subgraphs"])
        assert names == set(supergraph["subgraphs"])


def test_nginx_accepts_a_rendered_local_config(nginx_binary: Path, tmp_path: Path) -> None:
    config = NginxConfig(
        edge_listen=f"127.0.0.1:{free_port()}",
        routers=["127.0.0.1:1", "127.0.0.1:2"],
        subgraphs={
            "auth": (f"127.0.0.1:{free_port()}", ["127.0.0.1:3"]),
            "payments": (f"127.0.0.1:{free_port()}", ["127.0.0.1:4", "127.0.0.1:5"]),
        },
        runtime_dir=str(tmp_path),
        foreground=True,
        proxy_bind="127.0.0.2",
    )
    (tmp_path / "nginx.conf").write_text(render(config))
    result = subprocess.run(  # noqa: S603
        [str(nginx_binary), "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()


def test_dockerfile_shape() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\w+)", text, re.MULTILINE)
    assert stages == ["builder", "runtime"]
    builder, runtime = text.split("AS runtime", 1)
    assert "uv sync --frozen --no-default-groups" in builder  # no dev tools, no embedded servers
    assert "COPY --from=builder /app /app" in runtime
    user = re.findall(r"^USER\s+(\S+)", runtime, re.MULTILINE)
    assert user and not user[-1].startswith(("0", "root"))
    for tool in ("apt-get install", "gcc", "build-essential", "pip install"):
        assert tool not in runtime
    assert 'ENTRYPOINT ["mfe"]' in runtime
    ignored = (ROOT / ".dockerignore").read_text()
    assert ignored.splitlines()[1] == "**"  # an allowlist: no .env, .git or .venv in the image


def test_healthcheck_script_fails_on_a_closed_port() -> None:
    assert healthcheck(f"http://127.0.0.1:{free_port()}/ready") == 1
