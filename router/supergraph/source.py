"""Where a supergraph comes from: ``supergraph.yaml`` (composed here) or a supergraph SDL file.

A subgraph listed in ``supergraph.yaml`` whose SDL cannot be fetched is left out and logged
(``ComposedSupergraph.missing``): the router serves the subgraphs that answer, ``/ready``
reports the others. A composition error among the subgraphs that answered is fatal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import yaml

from router.executor.clients import ROUTER_SECRET_HEADER
from router.supergraph.compose import compose
from router.supergraph.errors import SupergraphError
from router.supergraph.loader import load_supergraph
from router.supergraph.model import Supergraph
from router.supergraph.subgraph import parse_subgraph

log = logging.getLogger("router.supergraph")

SDL_QUERY = "query SubgraphSdl { _service { sdl } }"


@dataclass(frozen=True)
class SubgraphConfig:
    """One entry of ``supergraph.yaml``."""

    name: str
    routing_url: str
    subgraph_url: str | None = None
    schema_file: Path | None = None


@dataclass
class ComposedSupergraph:
    """The loaded supergraph and the subgraphs that could not be included."""

    supergraph: Supergraph
    missing: dict[str, str] = field(default_factory=dict)
    configured: list[SubgraphConfig] = field(default_factory=list)


def read_supergraph_config(path: str | Path) -> list[SubgraphConfig]:
    """Parse rover's ``supergraph.yaml``; file paths are relative to the YAML file."""
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise SupergraphError(f"cannot read {path}: {exc}") from exc
    subgraphs = (document or {}).get("subgraphs")
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise SupergraphError(f"{path}: 'subgraphs' must map names to subgraph entries")
    configs: list[SubgraphConfig] = []
    for name, entry in subgraphs.items():
        schema = (entry or {}).get("schema") or {}
        routing_url = (entry or {}).get("routing_url") or schema.get("subgraph_url")
        if not routing_url:
            raise SupergraphError(f"{path}: subgraph '{name}' has no routing_url")
        schema_file = schema.get("file")
        configs.append(
            SubgraphConfig(
                name=str(name),
                routing_url=str(routing_url),
                subgraph_url=schema.get("subgraph_url") if not schema_file else None,
                schema_file=(path.parent / schema_file) if schema_file else None,
            )
        )
    return configs


async def fetch_sdl(
    config: SubgraphConfig,
    secret: str | None,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout_seconds: float = 5.0,
) -> str:
    """The subgraph's SDL from its file or from ``_service { sdl }``."""
    if config.schema_file is not None:
        return config.schema_file.read_text()
    url = config.subgraph_url or config.routing_url
    headers = {ROUTER_SECRET_HEADER: secret} if secret else {}
    async with httpx.AsyncClient(transport=transport, timeout=timeout_seconds) as client:
        response = await client.post(url, json={"query": SDL_QUERY}, headers=headers)
    if response.status_code != 200:
        raise SupergraphError(f"{url} answered HTTP {response.status_code}")
    payload = orjson.loads(response.content)
    sdl = ((payload.get("data") or {}).get("_service") or {}).get("sdl")
    if not isinstance(sdl, str):
        raise SupergraphError(f"{url} returned no _service.sdl: {payload.get('errors')}")
    return sdl


async def compose_from_config(
    configs: list[SubgraphConfig],
    secret: str | None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> tuple[str, dict[str, str]]:
    """Compose the subgraphs that answer; returns (supergraph SDL, missing name → reason)."""
    transports = transports or {}
    subgraphs = []
    missing: dict[str, str] = {}
    for config in configs:
        try:
            sdl = await fetch_sdl(config, secret, transports.get(config.name))
        except (httpx.HTTPError, SupergraphError, OSError, orjson.JSONDecodeError) as exc:
            reason = str(exc) or type(exc).__name__
            log.warning("subgraph %s left out of the supergraph: %s", config.name, reason)
            missing[config.name] = reason
            continue
        subgraphs.append(parse_subgraph(config.name, config.routing_url, sdl))
    if not subgraphs:
        raise SupergraphError("no subgraph answered; nothing to serve: " + repr(missing))
    return compose(subgraphs), missing


async def load_source(
    source: str | Path,
    secret: str | None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> ComposedSupergraph:
    """Load ``source``: a ``*.yaml``/``*.yml`` config is composed, anything else is read as a
    supergraph SDL composed elsewhere."""
    path = Path(source)
    if path.suffix in (".yaml", ".yml"):
        configs = read_supergraph_config(path)
        sdl, missing = await compose_from_config(configs, secret, transports)
        return ComposedSupergraph(load_supergraph(sdl), missing, configs)
    try:
        sdl = path.read_text()  # noqa: ASYNC240 - read once at startup, before serving
    except OSError as exc:
        raise SupergraphError(f"cannot read supergraph SDL {path}: {exc}") from exc
    supergraph = load_supergraph(sdl)
    configs = [SubgraphConfig(g.name, g.url) for g in supergraph.graphs.values()]
    return ComposedSupergraph(supergraph, {}, configs)
