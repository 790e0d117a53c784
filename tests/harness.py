"""Running the platform's real processes in tests: subgraphs and routers on free local ports,
against the test database and Redis, stopped with the signal a test chooses."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from shared.config import Settings

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a platform process needs to join the test's database and Redis."""
    env = dict(os.environ)
    env.update(
        APP_ENV="test",
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        SUBGRAPH_SECRET=settings.subgraph_secret,
        JWT_SECRET=settings.jwt_secret,
        BCRYPT_ROUNDS=str(settings.bcrypt_rounds),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def write_supergraph_config(path: Path, ports: dict[str, int]) -> Path:
    """A supergraph.yaml (rover's format) naming each subgraph at its local port."""
    config = {
        "federation_version": "=2.11.0",
        "subgraphs": {
            name: {
                "routing_url": f"http://127.0.0.1:{port}/graphql",
                "schema": {"subgraph_url": f"http://127.0.0.1:{port}/graphql"},
            }
            for name, port in ports.items()
        },
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@dataclass
class RunningProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.is_running():
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass
class Platform:
    """Starts `mfe` processes; `stop_all()` ends whatever is still running."""

    settings: Settings
    workdir: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    processes: list[RunningProcess] = field(default_factory=list)
    start_timeout: float = START_TIMEOUT_SECONDS  # per process, until /health answers

    def start(self, name: str, *args: str, port: int | None = None) -> RunningProcess:
        port = port or free_port()
        log_path = self.workdir / f"{name}-{port}.log"
        command = [sys.executable, "-m", "mfe.cli", *args, "--port", str(port)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=process_env(self.settings, **self.env_extra),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running = RunningProcess(name, port, process, log_path)
        self.processes.append(running)
        wait_healthy(running, self.start_timeout)
        return running

    def running(self, name: str) -> RunningProcess | None:
        """The first live process of that name, if any."""
        return next((p for p in self.processes if p.name == name and p.is_running()), None)

    def subgraph(self, name: str, port: int | None = None) -> RunningProcess:
        return self.start(name, "subgraph", name, port=port)

    def router(self, supergraph_config: Path, port: int | None = None) -> RunningProcess:
        return self.start("router", "router", "--supergraph", str(supergraph_config), port=port)

    def stop_all(self) -> None:
        for running in reversed(self.processes):
            running.stop()


def wait_healthy(running: RunningProcess, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if not running.is_running():
                raise RuntimeError(f"{running.name} exited during start-up:\n{running.log()}")
            try:
                if client.get(f"{running.url}/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    running.stop(signal.SIGKILL)
    raise RuntimeError(f"{running.name} not healthy after {timeout} s:\n{running.log()}")


def npm_ci(directory: Path) -> None:
    """``npm ci`` in a directory unless its node_modules was installed from this very lock (by
    content: a git checkout touches the lock's time without changing it, and ``npm ci`` takes
    minutes)."""
    marker = directory / "node_modules" / ".installed-lock.sha256"
    digest = hashlib.sha256((directory / "package-lock.json").read_bytes()).hexdigest()
    if marker.exists() and marker.read_text() == digest:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],  # noqa: S607
        cwd=directory,
        check=True,
    )
    marker.write_text(digest)
