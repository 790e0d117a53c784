"""What `make bench-platform` measures: a PostgreSQL and a Redis of its own, and one platform
(every subgraph, a router, the relay and the consumers) per revision, each on free ports.

The PostgreSQL is pgserver's (a Unix socket in a temporary folder), so nothing here touches the
machine's PostgreSQL or Redis, nor anyone else's run. Each revision gets a database of its own
on it, migrated by that revision's own code. Every process connects as a role of its own
(`auth`, `payments`, …, `relay`), so the server log tells whose statements it ran."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from tests.harness import ROOT, RunningProcess, free_port, wait_healthy, write_supergraph_config

SUBGRAPHS = ("auth", "payments", "admin", "profile")
WORKERS = ("relay", "consumers")
DB_ROLES = (*SUBGRAPHS, *WORKERS, "bench")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
SECRET = "bench-platform-subgraph-secret-0123456789abcdef"
JWT_SECRET = "bench-platform-jwt-secret-0123456789abcdef-0123"
# Nothing but the platform's own work should limit a benchmark: the router's rate limits are
# raised out of the way (they still run: every request pays its Redis round trip).
UNLIMITED = str(10**9)


@dataclass
class Postgres:
    """pgserver's PostgreSQL in `directory`, statement logging switchable at run time."""

    directory: Path
    server: object | None = None

    def start(self) -> None:
        from pgserver.postgres_server import get_server

        self.directory.mkdir(parents=True, exist_ok=True)
        self.server = get_server(self.directory, cleanup_mode="stop")
        roles = "".join(f'CREATE ROLE "{role}" LOGIN SUPERUSER;' for role in DB_ROLES)
        self.psql(
            roles
            + "ALTER SYSTEM SET max_connections = 400;"
            + "ALTER SYSTEM SET log_line_prefix = '%u %d %p ';"
        )
        self._restart()  # max_connections needs a restart

    def _restart(self) -> None:
        from pgserver import _commands
        from pgserver.utils import PostmasterInfo

        user = getattr(self.server, "system_user", None)
        restart = ["-w", "-l", str(self.log_path), "restart"]
        _commands.pg_ctl(restart, pgdata=self.directory, user=user, timeout=30)  # type: ignore[attr-defined]
        self.server._postmaster_info = PostmasterInfo.read_from_pgdata(self.directory)  # type: ignore[attr-defined]

    @property
    def socket_dir(self) -> str:
        uri = self.uri("postgres")
        return uri.split("host=", 1)[1]

    def uri(self, database: str, role: str = "postgres") -> str:
        uri: str = self.server.get_uri(database=database)  # type: ignore[attr-defined]
        return uri.replace("postgresql://postgres:@", f"postgresql://{role}:@", 1)

    def psql(self, sql: str, database: str = "postgres") -> str:
        binary = Path(self._bin("psql"))
        out = subprocess.run(  # noqa: S603
            [binary, "-v", "ON_ERROR_STOP=1", "-Atq", self.uri(database)],
            input=sql,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    def _bin(self, name: str) -> str:
        from pgserver._commands import POSTGRES_BIN_PATH

        return str(POSTGRES_BIN_PATH / name)

    @property
    def pgbench(self) -> str:
        return self._bin("pgbench")

    @property
    def log_path(self) -> Path:
        return self.directory / "log"

    def log_statements(self, on: bool) -> None:
        """Every statement each backend runs goes to the log (on) or none (off)."""
        self.psql(f"ALTER SYSTEM SET log_statement = '{'all' if on else 'none'}';")
        self.psql("SELECT pg_reload_conf();")
        time.sleep(0.2)  # backends pick the reload up at their next command

    def pid(self) -> int:
        return int((self.directory / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()  # type: ignore[attr-defined]


@dataclass
class Redis:
    """A throw-away redis-server on a free port (no persistence)."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.directory), "--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Revision:
    """A source tree and the Python that runs it: HEAD (this checkout) or a base commit in a
    `git worktree` of its own, with its own virtual environment."""

    label: str
    root: Path
    python: Path
    commit: str

    @classmethod
    def head(cls) -> Revision:
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = " (+ uncommitted changes)" if _git("status", "--porcelain", "--", *_CODE) else ""
        return cls(f"HEAD {commit}{dirty}", ROOT, Path(sys.executable), commit)

    @classmethod
    def checkout(cls, rev: str, parent: Path) -> Revision:
        """A worktree of `rev` under `parent` with its locked dependencies (`uv sync`)."""
        commit = _git("rev-parse", "--short", rev)
        root = parent / f"base-{commit}"
        _git("worktree", "add", "--detach", str(root), commit)
        uv = shutil.which("uv")
        command = [uv] if uv else [sys.executable, "-m", "uv"]
        env = {k: v for k, v in os.environ.items() if k not in _VENV_VARIABLES}
        subprocess.run([*command, "sync", "--frozen", "--quiet"], cwd=root, env=env, check=True)  # noqa: S603
        return cls(f"base {commit}", root, root / ".venv" / "bin" / "python", commit)

    def remove(self) -> None:
        if self.root != ROOT:
            subprocess.run(  # noqa: S603
                ["git", "worktree", "remove", "--force", str(self.root)],  # noqa: S607
                cwd=ROOT,
                check=False,
                capture_output=True,
            )


_CODE = ("shared", "router", "subgraphs", "mfe", "migrations")
_VENV_VARIABLES = ("VIRTUAL_ENV", "PYTHONPATH", "UV_PROJECT_ENVIRONMENT")


def _git(*args: str) -> str:
    out = subprocess.run(  # noqa: S603
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@dataclass
class Stack:
    """One revision's running platform: processes by name, its database and Redis URL."""

    revision: Revision
    database: str
    redis_url: str
    workdir: Path
    postgres: Postgres
    processes: dict[str, RunningProcess] = field(default_factory=dict)

    def env(self, role: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _VENV_VARIABLES}
        env.update(
            APP_ENV="production",
            DATABASE_URL=self.postgres.uri(self.database, role),
            REDIS_URL=self.redis_url,
            SUBGRAPH_SECRET=SECRET,
            JWT_SECRET=JWT_SECRET,
            JWT_EXPIRES_IN="12h",
            BCRYPT_ROUNDS="12",
            RATE_LIMIT_ANONYMOUS=UNLIMITED,
            RATE_LIMIT_AUTHENTICATED=UNLIMITED,
            RATE_LIMIT_SENSITIVE=UNLIMITED,
            LOGIN_MAX_FAILURES=UNLIMITED,
            PYTHONUNBUFFERED="1",
        )
        return env

    def _spawn(self, name: str, args: list[str], role: str, port: int | None) -> RunningProcess:
        log_path = self.workdir / f"{name}.log"
        argv = [str(self.revision.python), "-m", "mfe.cli", *args]
        if port is not None:
            argv += ["--port", str(port)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                argv,
                cwd=self.revision.root,
                env=self.env(role),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        running = RunningProcess(name, port or 0, process, log_path)
        self.processes[name] = running
        return running

    def migrate(self) -> None:
        subprocess.run(  # noqa: S603
            [str(self.revision.python), "-m", "mfe.cli", "migrate"],
            cwd=self.revision.root,
            env=self.env("bench"),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        ports = {}
        for name in SUBGRAPHS:
            ports[name] = free_port()
            self._spawn(name, ["subgraph", name], name, ports[name])
        for name in SUBGRAPHS:
            wait_healthy(self.processes[name], 60)
        config = write_supergraph_config(self.workdir / "supergraph.yaml", ports)
        command = ["router", "--supergraph", str(config)]
        router = self._spawn("router", command, "bench", free_port())
        wait_healthy(router, 60)
        for name in WORKERS:
            self._spawn(name, [name], name, None)

    def url(self, name: str) -> str:
        return self.processes[name].url

    def pids(self) -> dict[str, int]:
        return {name: running.process.pid for name, running in self.processes.items()}

    def stop(self) -> None:
        for running in reversed(list(self.processes.values())):
            running.stop()


class CpuSampler:
    """CPU seconds (user + system) each group of process trees spends while it runs, sampled
    every 0.1 s so that children which exit meanwhile (a pgbench connection's backend, a
    pooled connection closed) still count with their last sample."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.owner: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self, initial: bool = False) -> None:
        for name, pids in self.groups.items():
            for pid in pids:
                try:
                    root = psutil.Process(pid)
                    processes = [root, *root.children(recursive=True)]
                except psutil.Error:
                    continue
                for process in processes:
                    try:
                        times = process.cpu_times()
                    except psutil.Error:
                        continue
                    spent = times.user + times.system
                    if process.pid not in self.first:
                        # A process born during the run counts from zero.
                        self.first[process.pid] = spent if initial else 0.0
                    self.last[process.pid] = spent
                    self.owner[process.pid] = name

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self._sample(initial=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def seconds(self) -> dict[str, float]:
        spent = dict.fromkeys(self.groups, 0.0)
        for pid, last in self.last.items():
            spent[self.owner[pid]] += last - self.first[pid]
        return spent
