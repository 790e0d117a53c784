"""Run the router under uvicorn (uvloop + httptools): the entry point the CLI calls."""

from __future__ import annotations

import logging

import uvicorn

from router.app import create_router_app
from shared.config import get_settings

DEFAULT_SUPERGRAPH_CONFIG = "supergraph.yaml"


def run_router(host: str, port: int, supergraph_path: str | None = None) -> None:
    """Serve the router on ``host:port``.

    ``supergraph_path`` is a supergraph SDL composed elsewhere (``--supergraph FILE``) or a
    ``supergraph.yaml``; None means ``supergraph.yaml`` in the working directory (composed at
    startup from the subgraphs that answer). Blocks until the server stops.
    """
    logging.basicConfig(level=logging.INFO)
    settings = get_settings()
    app = create_router_app(settings, supergraph_path or DEFAULT_SUPERGRAPH_CONFIG)
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        proxy_headers=False,
    )
