"""uvicorn with a drain phase: the one way every service (subgraphs and router) is served.

Unless told otherwise, a service runs on uvloop with httptools, and a response's bytes leave
in one write: uvicorn writes the status line and headers, then the body, each a `send` of its
own; `CoalescingHttpProtocol` gives it a transport that joins what one turn of the loop writes
into one."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.http.middleware import DrainState

logger = logging.getLogger(__name__)

KEEP_ALIVE_SECONDS = 5


class GracefulServer(uvicorn.Server):
    """uvicorn with a drain phase. On SIGTERM/SIGINT: `/ready` answers 503 and responses close
    their connection for `drain_seconds` (the balancer takes us out), then the listener closes,
    in-flight requests finish (at most `timeout_graceful_shutdown`), the lifespan closes the
    pools and the process exits 0. A second signal skips what is left of the drain."""

    def __init__(self, config: uvicorn.Config, drain_seconds: float = 0.0) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Unlike uvicorn's own handler, the signal is not re-raised after shutdown: exit 0.
        DrainState.start()
        if self.drain_deadline is None and self.drain_seconds > 0 and not self.should_exit:
            logger.info("draining", extra={"seconds": self.drain_seconds})
            self.drain_deadline = time.monotonic() + self.drain_seconds
            return
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True

    async def on_tick(self, counter: int) -> bool:
        if self.drain_deadline is not None and time.monotonic() >= self.drain_deadline:
            self.should_exit = True
        return await super().on_tick(counter)


class CoalescedWrites:
    """A transport whose writes during one turn of the loop go out as one write at its end
    (or when it closes); everything else is the wrapped transport's."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] | None = None

    def write(self, data: bytes) -> None:
        if self._pending is None:
            self._pending = [data]
            self._loop.call_soon(self._flush)
        else:
            self._pending.append(data)

    def _flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending and not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through `CoalescedWrites`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalesced = CoalescedWrites(transport, asyncio.get_running_loop())
        super().connection_made(coalesced)  # type: ignore[arg-type]


SERVICE_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": CoalescingHttpProtocol,
    "proxy_headers": False,
}
"""How every service is served, whether one process (`serve`) or uvicorn's workers."""


def server_config(
    application: Any, host: str, port: int, *, graceful_timeout: int = 20, **options: Any
) -> uvicorn.Config:
    """uvicorn's Config for a service. Extra `options` go to it (e.g. `loop="asyncio",
    http="h11"`). uvicorn's proxy headers are off: it would replace the peer with an address
    from `X-Forwarded-For` (it believes 127.0.0.1), and each service resolves that chain itself
    against `TRUSTED_PROXIES` (`shared.http.client_ip`), starting from the real peer."""
    options = {**SERVICE_OPTIONS, **options}
    return uvicorn.Config(
        application,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        **options,
        timeout_graceful_shutdown=graceful_timeout,
        # Longer than the balancer's upstream keep-alive (nginx: 4 s), so the balancer, not us,
        # closes idle connections; and shorter than a drain, so none is left when we close.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def serve(
    application: Any,
    host: str,
    port: int,
    *,
    drain_seconds: float = 0.0,
    graceful_timeout: int = 20,
    **options: Any,
) -> None:
    """Run an ASGI app (configured by `server_config`) until SIGTERM/SIGINT, draining as
    `GracefulServer` describes."""
    config = server_config(application, host, port, graceful_timeout=graceful_timeout, **options)
    GracefulServer(config, drain_seconds).run()
