"""uvicorn with a drain phase: the one way every service (subgraphs and router) is served."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

import uvicorn

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


def serve(
    application: Any,
    host: str,
    port: int,
    *,
    drain_seconds: float = 0.0,
    graceful_timeout: int = 20,
    **options: Any,
) -> None:
    """Run an ASGI app until SIGTERM/SIGINT, draining as `GracefulServer` describes. Extra
    `options` go to uvicorn's Config (e.g. `loop="uvloop", http="httptools"`)."""
    config = uvicorn.Config(
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
    GracefulServer(config, drain_seconds).run()
