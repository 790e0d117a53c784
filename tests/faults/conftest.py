"""A platform of the fault tests' own: an embedded PostgreSQL (pgserver, on a Unix socket in a
temporary folder) and a redis-server on a free 127.0.0.1 port, both of which a test may kill
with SIGKILL and restart — the machine's PostgreSQL and Redis are never touched — with the
auth, payments and profile subgraphs, a router, the event relay and the consumers on top."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import redis

from shared.config import Environment, Settings
from tests.harness import (
    ROOT,
    Platform,
    RunningProcess,
    free_port,
    process_env,
    write_supergraph_config,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SUBGRAPH_NAMES = ("auth", "payments", "profile")
FAST_HUB = {
    "EVENTS_RELAY_POLL_SECONDS": "0.05",
    "EVENTS_READ_BLOCK_MS": "100",
    "EVENTS_VISIBILITY_TIMEOUT": "2",
    "EVENTS_RETRY_BASE_SECONDS": "0.05",
    "EVENTS_RETRY_MAX_SECONDS": "0.5",
    "LOG_LEVEL": "INFO",
}


@dataclass
class OwnPostgres:
    """pgserver's PostgreSQL in `directory`; `kill()` is a crash of the whole server."""

    directory: Path
    server: Any = None

    def start(self) -> str:
        from pgserver.postgres_server import get_server

        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = get_server(self.directory, cleanup_mode="stop")
        self.server.psql("CREATE DATABASE faults;")
        uri: str = self.server.get_uri("faults")
        return uri

    def pid(self) -> int:
        return int((self.directory / "postmaster.pid").read_text().split()[0])

    def kill(self) -> None:
        postmaster = psutil.Process(self.pid())
        processes = [postmaster, *postmaster.children(recursive=True)]
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGKILL)
        psutil.wait_procs(processes, timeout=10)

    def restart(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()


@dataclass
class OwnRedis:
    """A redis-server of our own persisting every write (AOF, fsync always)."""

    port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.directory), "--save", ""),
                *("--appendonly", "yes", "--appendfsync", "always"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return
            except redis.RedisError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None


@dataclass
class Worker:
    """`mfe relay` / `mfe consumers`: long-lived, no port."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class FaultPlatform:
    settings: Settings
    postgres: OwnPostgres
    redis_server: OwnRedis
    platform: Platform
    router: RunningProcess
    subgraphs: dict[str, RunningProcess]
    workers: list[Worker] = field(default_factory=list)

    def restart_subgraph(self, name: str) -> RunningProcess:
        port = self.subgraphs[name].port
        self.subgraphs[name] = self.platform.subgraph(name, port=port)
        return self.subgraphs[name]

    def logs(self) -> str:
        parts = [p.log() for p in self.platform.processes]
        return "\n".join(parts + [w.log() for w in self.workers])


def _worker(settings: Settings, workdir: Path, name: str) -> Worker:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "mfe.cli", name],
            cwd=ROOT,
            env=process_env(settings, **FAST_HUB),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return Worker(name, process, log_path)


@pytest.fixture(scope="package")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultPlatform]:
    workdir = tmp_path_factory.mktemp("faults")
    postgres = OwnPostgres(workdir / "pg")
    redis_server = OwnRedis(free_port(), workdir / "redis")
    redis_server.directory.mkdir()
    platform: Platform | None = None
    workers: list[Worker] = []
    try:
        database_url = postgres.start()
        redis_server.start()
        settings = Settings(
            app_env=Environment.TEST,
            database_url=database_url,
            redis_url=redis_server.url,
            bcrypt_rounds=4,
            subgraph_secret="fault-test-subgraph-secret",
            _env_file=None,  # type: ignore[call-arg]
        )
        subprocess.run(
            [sys.executable, "-m", "mfe.cli", "migrate"],
            cwd=ROOT,
            env=process_env(settings),
            check=True,
            capture_output=True,
            timeout=60,
        )
        platform = Platform(settings, workdir, env_extra=FAST_HUB)
        subgraphs = {name: platform.subgraph(name) for name in SUBGRAPH_NAMES}
        config = write_supergraph_config(
            workdir / "supergraph.yaml", {n: p.port for n, p in subgraphs.items()}
        )
        router = platform.router(config)
        workers = [_worker(settings, workdir, "relay"), _worker(settings, workdir, "consumers")]
        yield FaultPlatform(settings, postgres, redis_server, platform, router, subgraphs, workers)
    finally:
        for worker in workers:
            worker.stop()
        if platform is not None:
            platform.stop_all()
        redis_server.kill()
        postgres.stop()
