"""Start test subgraphs, our router and Apollo's gateway as real processes on free ports."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.harness import free_port
from tests.router.subgraphs.apps import SECRET

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = Path(__file__).parent / "node"
ENV = {**os.environ, "SUBGRAPH_SECRET": SECRET, "APP_ENV": "test", "REDIS_URL": ""}
SUBGRAPHS = ("users", "products", "reviews")


def wait_until_up(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=0.5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


@contextmanager
def running(*commands: tuple[list[str], Path]) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run ``(argv, cwd)`` commands; terminate them all on exit."""
    # Fixed commands built in this module; node/npm come from PATH on purpose.
    processes = [subprocess.Popen(argv, cwd=cwd, env=ENV) for argv, cwd in commands]  # noqa: S603
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def subgraph_command(name: str, port: int) -> tuple[list[str], Path]:
    return [sys.executable, "-m", "tests.router.subgraphs.serve", name, str(port)], ROOT


def router_command(source: Path, port: int) -> tuple[list[str], Path]:
    code = f"from router.serve import run_router; run_router('127.0.0.1', {port}, {str(source)!r})"
    return [sys.executable, "-c", code], ROOT


def apollo_gateway_command(supergraph: Path, port: int) -> tuple[list[str], Path]:
    return ["node", "gateway.mjs", str(supergraph), str(port), SECRET], NODE_DIR


def supergraph_yaml(ports: dict[str, int]) -> str:
    lines = ["federation_version: =2.11.0", "subgraphs:"]
    for name, port in ports.items():
        url = f"http://127.0.0.1:{port}/graphql"
        lines += [
            f"  {name}:",
            f"    routing_url: {url}",
            "    schema:",
            f"      subgraph_url: {url}",
        ]
    return "\n".join(lines) + "\n"


@asynccontextmanager
async def served(app: ASGIApp, lifespan: str = "off") -> AsyncIterator[int]:
    """``app`` served by uvicorn in this event loop on a free port, for real sockets."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await task
