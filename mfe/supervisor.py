"""Runs the platform's processes side by side and stops them together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

import httpx

HEALTH_TIMEOUT_SECONDS = 60.0


@dataclass
class Service:
    name: str
    argv: list[str]
    health_url: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self) -> None:
        # A session of its own: Ctrl-C reaches the supervisor, which stops children in order.
        self.process = subprocess.Popen(self.argv, start_new_session=True)  # noqa: S603

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def mfe_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mfe.cli", *args]


def wait_healthy(services: list[Service]) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    pending = [s for s in services if s.health_url]
    with httpx.Client(timeout=1.0) as client:
        while pending:
            for service in list(pending):
                if not service.is_running:
                    raise RuntimeError(f"{service.name} exited during start-up")
                try:
                    if client.get(service.health_url or "").status_code == 200:
                        pending.remove(service)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise RuntimeError(f"not healthy after {HEALTH_TIMEOUT_SECONDS:.0f} s: {names}")
            time.sleep(0.2)


def stop_all(services: list[Service], grace_seconds: float = 10.0) -> None:
    for service in reversed(services):
        if service.is_running and service.process:
            service.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for service in services:
        if service.process is None:
            continue
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


def run_until_interrupted(stages: list[list[Service]], on_ready: object = None) -> int:
    """Start each stage once the one before is healthy (subgraphs before the router that
    composes them), then run until Ctrl-C/SIGTERM or until a child dies."""
    services = [service for stage in stages for service in stage]
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for stage in stages:
            for service in stage:
                service.start()
            wait_healthy(stage)
        if callable(on_ready):
            on_ready()
        while not stopping:
            dead = [s for s in services if not s.is_running]
            if dead:
                print(f"{dead[0].name} exited; stopping the platform", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stop_all(services)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
