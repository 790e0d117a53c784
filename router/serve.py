"""Run the router under uvicorn as every service runs (`shared.http.server`: uvloop, httptools,
a response in one write): the entry point the CLI calls."""

from __future__ import annotations

import asyncio
import logging
import os

import uvicorn
from starlette.applications import Starlette

from router.app import create_router_app
from router.edge.limits import GraphQLLimits
from router.supergraph.errors import SupergraphError
from router.supergraph.source import compose_from_config, read_supergraph_config
from shared.config import get_settings
from shared.heap import settle_heap
from shared.http.server import KEEP_ALIVE_SECONDS, SERVICE_OPTIONS, serve

DEFAULT_SUPERGRAPH_CONFIG = "supergraph.yaml"
SUPERGRAPH_ENV = "ROUTER_SUPERGRAPH"
INBOUND_DEDUP_ENV = "ROUTER_INBOUND_DEDUP"
SUBGRAPH_DEDUP_ENV = "ROUTER_SUBGRAPH_DEDUP"
MAX_COST_ENV = "ROUTER_MAX_COST"
WORKER_PING_TIMEOUT_SECONDS = 30


def _enabled(variable: str) -> bool:
    """An on/off environment variable, on by default: ``0``/``false``/``off``/``no`` is off."""
    return os.environ.get(variable, "1").strip().lower() not in ("0", "false", "off", "no")


def inbound_dedup_enabled() -> bool:
    """``ROUTER_INBOUND_DEDUP``: identical queries in flight share one execution."""
    return _enabled(INBOUND_DEDUP_ENV)


def limits_from_env() -> GraphQLLimits:
    """The GraphQL limits, ``max_cost`` from ``ROUTER_MAX_COST`` when set."""
    max_cost = os.environ.get(MAX_COST_ENV, "").strip()
    return GraphQLLimits(max_cost=int(max_cost)) if max_cost else GraphQLLimits()


def app_from_env() -> Starlette:
    """The router app from the environment: settings as usual, the supergraph path from
    ``ROUTER_SUPERGRAPH``, inbound deduplication from ``ROUTER_INBOUND_DEDUP`` and subgraph
    fetch deduplication from ``ROUTER_SUBGRAPH_DEDUP`` (both on unless ``0``), the query cost
    limit from ``ROUTER_MAX_COST`` (default 5000); the process's heap settled
    (``shared.heap.settle_heap``). The uvicorn
    factory each ``--workers`` process calls (``router.serve:app_from_env``)."""
    source = os.environ.get(SUPERGRAPH_ENV) or DEFAULT_SUPERGRAPH_CONFIG
    app = create_router_app(
        get_settings(),
        source,
        deduplicate=_enabled(SUBGRAPH_DEDUP_ENV),
        deduplicate_inbound=inbound_dedup_enabled(),
        limits=limits_from_env(),
    )
    settle_heap()
    return app


def run_router(
    host: str,
    port: int,
    supergraph_path: str | None = None,
    *,
    drain_seconds: float = 0.0,
    graceful_timeout: int = 20,
    workers: int = 1,
) -> None:
    """Serve the router on ``host:port``.

    ``supergraph_path`` is a supergraph SDL composed elsewhere (``--supergraph FILE``) or a
    ``supergraph.yaml``; None means ``supergraph.yaml`` in the working directory (composed at
    startup from the subgraphs that answer). Blocks until the server stops; SIGTERM drains
    (``/ready`` 503 for ``drain_seconds``), finishes in-flight requests and exits 0.
    ``workers`` > 1 runs that many uvicorn processes on the one socket (each builds its app
    through :func:`app_from_env`; uvicorn's supervisor handles signals, without the drain).
    """
    logging.basicConfig(level=logging.INFO)
    # One line per subgraph request would cost more than the request itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    os.environ[SUPERGRAPH_ENV] = supergraph_path or DEFAULT_SUPERGRAPH_CONFIG
    if workers > 1:
        uvicorn.run(
            "router.serve:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=graceful_timeout,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            # The supervisor kills a worker that misses a ping for this long; a worker still
            # importing on a busy machine would miss uvicorn's default 5 s and be restarted.
            timeout_worker_healthcheck=WORKER_PING_TIMEOUT_SECONDS,
            lifespan="on",
            **SERVICE_OPTIONS,
        )
        return
    serve(
        app_from_env(),
        host,
        port,
        drain_seconds=drain_seconds,
        graceful_timeout=graceful_timeout,
        lifespan="on",
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
