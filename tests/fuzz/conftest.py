"""Fuzzing fixtures: the real subgraphs and a real router in front of them (rate limits raised,
see router_app.py), and the schemathesis CLI run against them with a fixed seed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from router.serve import SUPERGRAPH_ENV
from subgraphs.registry import SUBGRAPHS
from tests.harness import (
    ROOT,
    Platform,
    RunningProcess,
    free_port,
    process_env,
    wait_healthy,
    write_supergraph_config,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
QUICK = EXAMPLES is None
SEED = int(os.environ.get("FUZZ_SEED", "20261125"))
# `make test`: a bounded profile (few examples, the fuzzing phase only); `make fuzz`
# (FUZZ_EXAMPLES=200): every phase (examples, coverage, fuzzing, stateful).
QUICK_EXAMPLES = 5
QUICK_PHASES = "examples,fuzzing"
HOOKS = "tests.fuzz.hooks"


def profile_args() -> list[str]:
    if QUICK:
        return ["--max-examples", str(QUICK_EXAMPLES), "--phases", QUICK_PHASES]
    return ["--max-examples", str(EXAMPLES)]


def run_schemathesis(location: str, base_url: str, headers: dict[str, str]) -> str:
    """`schemathesis run` with every default check; fails the test on any failure or error."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--no-color",
        "run",
        location,
        "--url",
        base_url,
        "--seed",
        str(SEED),
        *profile_args(),
        "--generation-deterministic",
        "--request-timeout",
        "10",
        "--warnings",
        "off",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ, SCHEMATHESIS_HOOKS=HOOKS)
    result = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    print(f"{location}: {summary(output)}")  # the counts `pytest -s` shows (e.g. `make fuzz`)
    return output


def summary(output: str) -> str:
    """'N generated, N passed … in Ns' from schemathesis's closing lines."""
    lines = [line.strip() for line in output.splitlines()]
    counts = next((lines[i + 1] for i, line in enumerate(lines) if line == "Test cases:"), "")
    closing = next((line.strip("= ") for line in reversed(lines) if line.startswith("===")), "")
    return f"{counts} ({closing})"


@pytest.fixture(scope="session")
def fuzz_router(platform: Platform) -> RunningProcess:
    """A router (uvicorn, as `mfe router` serves it) in front of every real subgraph."""
    running = platform.running("fuzz-router")
    if running is not None:
        return running
    ports = {
        spec.name: (platform.running(spec.name) or platform.subgraph(spec.name)).port
        for spec in SUBGRAPHS
    }
    config = write_supergraph_config(platform.workdir / "fuzz-supergraph.yaml", ports)
    port = free_port()
    log_path = platform.workdir / f"fuzz-router-{port}.log"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "tests.fuzz.router_app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    env = process_env(platform.settings, **platform.env_extra, **{SUPERGRAPH_ENV: str(config)})
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    running = RunningProcess("fuzz-router", port, process, log_path)
    platform.processes.append(running)
    wait_healthy(running)
    return running
