"""Run the router under uvicorn (uvloop + httptools): the entry point the CLI calls."""

from __future__ import annotations

import asyncio
import logging

from router.app import create_router_app
from router.supergraph.errors import SupergraphError
from router.supergraph.source import compose_from_config, read_supergraph_config
from shared.config import get_settings
from shared.http.server import serve

DEFAULT_SUPERGRAPH_CONFIG = "supergraph.yaml"


def run_router(
    host: str,
    port: int,
    supergraph_path: str | None = None,
    *,
    drain_seconds: float = 0.0,
    graceful_timeout: int = 20,
) -> None:
    """Serve the router on ``host:port``.

    ``supergraph_path`` is a supergraph SDL composed elsewhere (``--supergraph FILE``) or a
    ``supergraph.yaml``; None means ``supergraph.yaml`` in the working directory (composed at
    startup from the subgraphs that answer). Blocks until the server stops; SIGTERM drains
    (``/ready`` 503 for ``drain_seconds``), finishes in-flight requests and exits 0.
    """
    logging.basicConfig(level=logging.INFO)
    # One line per subgraph request would cost more than the request itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    app = create_router_app(settings, supergraph_path or DEFAULT_SUPERGRAPH_CONFIG)
    serve(
        app,
        host,
        port,
        drain_seconds=drain_seconds,
        graceful_timeout=graceful_timeout,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        proxy_headers=False,
    )


def compose_supergraph(config_path: str = DEFAULT_SUPERGRAPH_CONFIG) -> str:
    """The supergraph SDL for ``config_path`` (what ``mfe compose`` writes).

    Unlike the router's startup, every listed subgraph must answer: a missing one raises
    :class:`SupergraphError`, as does any composition error (``CompositionError``).
    """
    settings = get_settings()
    configs = read_supergraph_config(config_path)
    sdl, missing = asyncio.run(compose_from_config(configs, settings.subgraph_secret))
    if missing:
        detail = "; ".join(f"{name}: {reason}" for name, reason in missing.items())
        raise SupergraphError(f"subgraphs did not answer: {detail}")
    return sdl
