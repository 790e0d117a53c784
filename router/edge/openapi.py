"""One OpenAPI document for every subgraph's REST routes (Swagger UI, to browse it, is
``shared.http.swagger``)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import orjson

from router.executor.clients import SubgraphClients

log = logging.getLogger("router.edge.openapi")
CACHE_SECONDS = 30.0


# The router rate-limits every route it forwards (router.edge.ratelimit): any operation can be
# answered 429, always with Retry-After; the router's own 429 also with the RateLimit-* headers.
_COUNT = {"type": "integer", "minimum": 0}
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "RateLimit-Limit": {"description": "Requests allowed per window", "schema": _COUNT},
    "RateLimit-Remaining": {"description": "Requests left in the window", "schema": _COUNT},
    "RateLimit-Reset": {
        "description": "Seconds until the window frees a request",
        "schema": _COUNT,
    },
}
RATE_LIMITED_RESPONSE: dict[str, Any] = {
    "description": "Too many requests (RATE_LIMITED)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["success", "error"],
                "properties": {
                    "success": {"const": False},
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"const": "RATE_LIMITED"},
                            "message": {"type": "string"},
                            "details": {},
                        },
                    },
                },
            }
        }
    },
}


def _document_rate_limit(operation: dict[str, Any]) -> None:
    """Declare the router's 429 (with its headers) on `operation`, whatever the subgraph said."""
    responses = operation.setdefault("responses", {})
    rate_limited = dict(responses.get("429") or RATE_LIMITED_RESPONSE)
    rate_limited["headers"] = {**(rate_limited.get("headers") or {}), **RATE_LIMIT_HEADERS}
    responses["429"] = rate_limited


def merge_documents(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Merge per-subgraph documents: paths side by side, component names kept (first wins,
    a clash is logged), each operation tagged with its subgraph when it has no tag and
    declaring the router's 429 (:data:`RATE_LIMIT_HEADERS`)."""
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "API", "version": "1.0.0"},
        "paths": {},
        "components": {},
    }
    for name, document in sorted(documents.items()):
        for path, item in (document.get("paths") or {}).items():
            for operation in item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation.setdefault("tags", [name])
                    _document_rate_limit(operation)
            merged["paths"].setdefault(path, {}).update(item)
        for section, entries in (document.get("components") or {}).items():
            target = merged["components"].setdefault(section, {})
            for key, value in entries.items():
                if key in target and target[key] != value:
                    log.warning("openapi component %s/%s differs in %s", section, key, name)
                    continue
                target[key] = value
    return merged


HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


def _segments_match(template: str, path: str) -> bool:
    expected, given = template.strip("/").split("/"), path.strip("/").split("/")
    return len(expected) == len(given) and all(
        e == g or (e.startswith("{") and e.endswith("}") and g)
        for e, g in zip(expected, given, strict=True)
    )


def _unversioned(path: str) -> str:
    return "/api/" + path.removeprefix("/api/v1/") if path.startswith("/api/v1/") else path


def declared_methods(document: dict[str, Any], path: str) -> frozenset[str] | None:
    """The methods `document` declares for the routes `path` matches (``/api/v1/...`` as
    ``/api/...``; a ``{param}`` matches one segment), with HEAD beside GET and OPTIONS (CORS
    preflight) always; None when no route matches, so the owning subgraph answers (404)."""
    path = _unversioned(path)
    methods: set[str] = set()
    matched = False
    for template, item in (document.get("paths") or {}).items():
        if isinstance(item, dict) and _segments_match(template, path):
            matched = True
            methods.update(m.upper() for m in item if m.upper() in HTTP_METHODS)
    if not matched:
        return None
    if "GET" in methods:
        methods.add("HEAD")
    return frozenset(methods | {"OPTIONS"})


def needs_caller(document: dict[str, Any], path: str, method: str) -> bool:
    """Whether the operation `method` `path` runs declares ``security`` (an authenticated
    caller). Of the routes `path` matches, the one with fewest ``{param}`` segments decides, as
    the subgraphs route (``/reports`` before ``/{id}``); HEAD is GET's. An operation that is not
    declared needs a caller: nothing is known to be public about it."""
    path = _unversioned(path)
    key = "get" if method == "HEAD" else method.lower()
    best: tuple[int, Any] | None = None
    for template, item in (document.get("paths") or {}).items():
        if isinstance(item, dict) and _segments_match(template, path):
            params = template.count("{")
            if best is None or params < best[0]:
                best = (params, item.get(key))
    operation = best[1] if best is not None else None
    return not isinstance(operation, dict) or bool(operation.get("security"))


class OpenAPIAggregator:
    """Fetches ``/api/<name>/openapi.json`` from each subgraph and merges them. The merge is
    kept for ``CACHE_SECONDS``; after that the stale one is still served while a single
    background refresh runs, so no request waits on the subgraphs except the very first."""

    def __init__(self, clients: SubgraphClients, graphs: list[str]) -> None:
        self.clients = clients
        self.graphs = graphs
        self._cached: tuple[float, dict[str, Any]] | None = None
        self._refresh: asyncio.Task[dict[str, Any]] | None = None

    async def document(self) -> dict[str, Any]:
        if self._refresh is None or self._refresh.done():
            fresh = self._cached and time.monotonic() - self._cached[0] < CACHE_SECONDS
            if not fresh:
                self._refresh = asyncio.ensure_future(self._fetch())
        if self._cached is not None:
            return self._cached[1]
        assert self._refresh is not None
        return await asyncio.shield(self._refresh)

    async def _fetch(self) -> dict[str, Any]:
        documents: dict[str, dict[str, Any]] = {}
        for graph in self.graphs:
            url = f"{self.clients.base_url(graph)}/api/{graph}/openapi.json"
            try:
                response = await self.clients.client(graph).get(url)
                if response.status_code == 200:
                    documents[graph] = orjson.loads(response.content)
            except (httpx.HTTPError, orjson.JSONDecodeError) as exc:
                log.warning("openapi of %s unavailable: %s", graph, exc)
        merged = merge_documents(documents)
        self._cached = (time.monotonic(), merged)
        return merged

    async def allowed_methods(self, path: str) -> frozenset[str] | None:
        """What :func:`declared_methods` says of `path` in the combined document: a request
        with a bad token for any other method gets the 405 (with ``Allow``) each subgraph
        would give, instead of a 401 for a method no route has."""
        return declared_methods(await self.document(), path)

    async def needs_caller(self, path: str, method: str) -> bool:
        """What :func:`needs_caller` says of `method` `path` in the combined document."""
        return needs_caller(await self.document(), path, method)
