"""The router's ASGI app: GraphQL, REST forwarding, docs, health and metrics behind the edge.

A request passes, in order: request id + security headers → CORS → body limit →
authentication (JWT once) → rate limit → GraphQL limits/validation → plan → execute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from router.edge.auth import needed_a_caller, revoked, verified_claims
from router.edge.forwarding import request_client_ip, subgraph_headers
from router.edge.graphiql import ASSET_PATH, GRAPHIQL_HTML, graphiql_asset, wants_html
from router.edge.headers import GRAPHIQL_CSP, EdgeHeadersMiddleware
from router.edge.inflight import InflightRequests, request_key
from router.edge.limits import GraphQLLimits, make_limit_check
from router.edge.metrics import RouterMetrics
from router.edge.openapi import OpenAPIAggregator
from router.edge.ratelimit import RateLimiter, RateLimits
from router.edge.redis_guard import RedisGuard
from router.edge.rest import domain_of, forward
from router.edge.subscriptions import PROTOCOL, OperationAdmission, SubscriptionProxy
from router.executor.clients import SubgraphUnavailable
from router.gateway import Gateway
from router.planner.planner import OperationError
from router.supergraph.source import ComposedSupergraph, load_source
from shared.config import Settings
from shared.errors import (
    AppError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
)
from shared.http.body import read_body
from shared.http.middleware import DrainState
from shared.http.responses import failure
from shared.http.swagger import swagger_asset, swagger_page
from shared.redis_client import make_redis

log = logging.getLogger("router")

UPLOAD_BODY_FACTOR = 10


@dataclass
class RouterState:
    """Everything a request needs, built once at startup."""

    settings: Settings
    composed: ComposedSupergraph
    gateway: Gateway
    limiter: RateLimiter
    limits: GraphQLLimits
    metrics: RouterMetrics
    openapi: OpenAPIAggregator
    redis: Redis | None
    redis_guard: RedisGuard
    inflight: InflightRequests | None = None


def _json(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(content), status_code=status, headers=headers, media_type="application/json"
    )


def _error_body(error: AppError) -> dict[str, Any]:
    return {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}


def _graphql_error(error: AppError) -> Response:
    return _json(_error_body(error), error.status, error.headers or None)


def _build_state(
    settings: Settings,
    composed: ComposedSupergraph,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None,
    redis: Redis | None,
    limits: GraphQLLimits,
    rate_limits: RateLimits,
    deduplicate: bool,
    deduplicate_inbound: bool = True,
) -> RouterState:
    supergraph = composed.supergraph
    rules = [NoSchemaIntrospectionCustomRule] if settings.is_production else []
    gateway = Gateway(
        supergraph,
        settings.subgraph_secret,
        transports=transports,
        rules=rules,
        checks=[make_limit_check(supergraph.api_schema, limits)],
        extra_urls={c.name: c.routing_url for c in composed.configured},
        deduplicate=deduplicate,
        hide_suggestions=settings.is_production,
    )
    metrics = RouterMetrics()
    guard = RedisGuard()
    names = sorted(gateway.clients.urls)
    return RouterState(
        settings=settings,
        composed=composed,
        gateway=gateway,
        limiter=RateLimiter(redis, rate_limits, metrics.rate_limit_failures, guard),
        limits=limits,
        metrics=metrics,
        openapi=OpenAPIAggregator(gateway.clients, names),
        redis=redis,
        redis_guard=guard,
        inflight=InflightRequests() if deduplicate_inbound else None,
    )


def _state(request: Request) -> RouterState:
    state: RouterState = request.app.state.router
    return state


async def _run_as_anonymous(_: Request) -> bool:
    """GraphQL: whether an operation needs a caller is known once it ran (:func:`_run_one`)."""
    return False


async def _admit(
    request: Request, state: RouterState, needs_caller: Callable[[Request], Awaitable[bool]]
) -> tuple[dict[str, str], Unauthorized | None]:
    """Authenticate (token, then deny-list and rate limit in one Redis call); returns the
    RateLimit-* headers and, when the token was refused but ``needs_caller`` says the request
    may go on as anonymous, that refusal (the token is then not forwarded); raises
    :class:`AppError`."""
    return await _admit_caller(
        state,
        request.headers.get("authorization"),
        request_client_ip(request, state.settings.trusted_proxies),
        request.scope["path"],
        lambda: needs_caller(request),
    )


async def _admit_caller(
    state: RouterState,
    authorization: str | None,
    ip: str,
    path: str,
    needs_caller: Callable[[], Awaitable[bool]],
) -> tuple[dict[str, str], Unauthorized | None]:
    """:func:`_admit` for a caller known by its Authorization header and IP."""
    refused: Unauthorized | None = None
    try:
        claims = verified_claims(authorization, state.settings)
    except Unauthorized as exc:
        if await needs_caller():
            raise
        claims, refused = None, exc
    decision = await state.limiter.check(path, ip, claims)
    if decision is not None and decision.revoked:
        refused = revoked()
        if await needs_caller():
            raise refused
        decision = await state.limiter.check(path, ip, None)
    if decision is None:
        return {}, refused
    if not decision.allowed:
        state.metrics.rate_limited.inc()
        error = RateLimited(decision.reset_seconds)
        error.headers.update(decision.headers())
        raise error
    return decision.headers(), refused


async def _a_caller_is_needed() -> bool:
    return True


def _operation_admission(websocket: WebSocket, state: RouterState) -> OperationAdmission:
    """Over the WebSocket, each operation (``subscribe`` message) is admitted as one HTTP
    request: the connection's token verified (refused once no longer valid: the client
    reconnects with a fresh one), the deny-list and the caller's rate limit."""
    ip = request_client_ip(websocket, state.settings.trusted_proxies)
    path = websocket.scope["path"]

    async def admit(authorization: str | None) -> None:
        await _admit_caller(state, authorization, ip, path, _a_caller_is_needed)

    return admit


# GraphQL ------------------------------------------------------------------------------------


def _parse_request(payload: Any) -> tuple[str, str | None, dict[str, Any] | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        raise ValueError("The request needs a 'query' string")
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("'variables' must be an object")
    name = payload.get("operationName")
    return payload["query"], name if isinstance(name, str) else None, variables


async def _run_one(
    state: RouterState,
    request: Request,
    payload: Any,
    refused: Unauthorized | None,
    get: bool = False,
) -> tuple[dict[str, Any], int]:
    """One operation's answer and status. With a ``refused`` token it runs as anonymous; if
    some field then wanted a caller, the answer is the token's refusal (401)."""
    result, status = await _execute_one(state, request, payload, refused is not None, get)
    if refused is not None and needed_a_caller(result):
        return _error_body(refused), refused.status
    return result, status


async def _execute_one(
    state: RouterState, request: Request, payload: Any, anonymous: bool, get: bool
) -> tuple[dict[str, Any], int]:
    try:
        query, operation_name, variables = _parse_request(payload)
    except ValueError as exc:
        return {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}]}, 400
    try:
        prepared = state.gateway.prepare(query, operation_name)
    except OperationError as exc:
        return {"errors": [e.formatted for e in exc.errors]}, 400
    if get and prepared.kind != "query":
        error = GraphQLError(
            "Only queries may be sent with GET; use POST for mutations",
            extensions={"code": "METHOD_NOT_ALLOWED"},
        )
        return {"errors": [error.formatted]}, 405
    headers = subgraph_headers(request, state.settings.trusted_proxies, anonymous=anonymous)
    if state.inflight is not None and prepared.kind == "query":
        key = request_key(query, operation_name, variables, headers.get("authorization"))
        result = await state.inflight.run(
            key, lambda: state.gateway.execute(query, operation_name, variables, headers)
        )
    else:
        result = await state.gateway.execute(query, operation_name, variables, headers)
    return result, 200 if "data" in result else 400


async def graphql_post(request: Request) -> Response:
    state = _state(request)
    try:
        body = await read_body(request, state.settings.max_body_bytes)
        rate_headers, refused = await _admit(request, state, _run_as_anonymous)
    except AppError as exc:
        return _graphql_error(exc)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        error = {"message": "The body is not valid JSON", "extensions": {"code": "BAD_REQUEST"}}
        return _json({"errors": [error]}, 400)
    if isinstance(payload, list):
        if not payload or len(payload) > state.limits.max_batch:
            message = f"A batch holds 1 to max_batch {state.limits.max_batch} operations"
            error = {"message": message, "extensions": {"code": "BATCH_LIMIT_EXCEEDED"}}
            return _json({"errors": [error]}, 400, rate_headers)
        results = await asyncio.gather(*(_run_one(state, request, p, refused) for p in payload))
        return _json([r for r, _ in results], 200, rate_headers)
    result, status = await _run_one(state, request, payload, refused)
    return _json(result, status, rate_headers)


async def graphql_get(request: Request) -> Response:
    state = _state(request)
    query = request.query_params.get("query")
    if query is None:
        if wants_html(request.headers.get("accept")) and not state.settings.is_production:
            return HTMLResponse(GRAPHIQL_HTML, headers={"content-security-policy": GRAPHIQL_CSP})
        error = {"message": "Missing 'query' parameter", "extensions": {"code": "BAD_REQUEST"}}
        return _json({"errors": [error]}, 400)
    try:
        rate_headers, refused = await _admit(request, state, _run_as_anonymous)
    except AppError as exc:
        return _graphql_error(exc)
    payload: dict[str, Any] = {"query": query}
    if "operationName" in request.query_params:
        payload["operationName"] = request.query_params["operationName"]
    if "variables" in request.query_params:
        try:
            payload["variables"] = orjson.loads(request.query_params["variables"])
        except orjson.JSONDecodeError:
            error = {"message": "'variables' is not JSON", "extensions": {"code": "BAD_REQUEST"}}
            return _json({"errors": [error]}, 400)
    result, status = await _run_one(state, request, payload, refused, get=True)
    headers = dict(rate_headers)
    if status == 405:
        headers["allow"] = "POST"
    return _json(result, status, headers)


async def graphql_ws(websocket: WebSocket) -> None:
    """graphql-transport-ws: subscriptions proxied to the owning subgraph."""
    state: RouterState = websocket.app.state.router
    if PROTOCOL not in websocket.scope.get("subprotocols", []):
        await websocket.close(4406, "Subprotocol not acceptable")
        return
    await websocket.accept(PROTOCOL)
    headers = subgraph_headers(websocket, state.settings.trusted_proxies)
    proxy = SubscriptionProxy(
        websocket,
        state.gateway,
        state.settings.subgraph_secret,
        headers,
        admit=_operation_admission(websocket, state),
    )
    await proxy.run()


# REST -----------------------------------------------------------------------------------------


async def rest(request: Request) -> Response:
    state = _state(request)
    path = request.scope["path"]
    if path in ("/api/openapi.json", "/api/v1/openapi.json"):
        return _json(await state.openapi.document())
    if path == "/api/docs":
        return swagger_page("API docs")
    if path == "/api/docs/":  # the page's relative URLs need the one without the slash
        return RedirectResponse("../docs", status_code=308)
    domain = domain_of(path)
    if domain is None or domain not in state.gateway.clients.urls:
        return failure(NotFound(f"No API route matches {request.method} {path}"))
    try:
        _check_declared_size(request, state.settings.max_body_bytes)
        rate_headers, refused = await _admit(request, state, _rest_needs_caller)
    except AppError as exc:
        if exc.status == 401:
            # A stale token is no reason to hide that no route has this method: answer the
            # 405 the subgraph gives any caller (the combined OpenAPI document says).
            allowed = await state.openapi.allowed_methods(path)
            if allowed is not None and request.method not in allowed:
                return failure(MethodNotAllowed(path, allowed))
        return failure(exc)
    try:
        response = await forward(
            request,
            domain,
            state.gateway.clients,
            state.settings.trusted_proxies,
            state.settings.max_body_bytes,
            anonymous=refused is not None,
        )
    except (httpx.HTTPError, SubgraphUnavailable) as exc:
        log.warning("REST forward to %s failed: %s", domain, exc)
        return failure(ServiceUnavailable(f"The {domain} service is unavailable"))
    response.headers.update(rate_headers)
    return response


async def _rest_needs_caller(request: Request) -> bool:
    return await _state(request).openapi.needs_caller(request.scope["path"], request.method)


def _check_declared_size(request: Request, limit: int) -> None:
    """Refuse a declared body over the limit (uploads get ``UPLOAD_BODY_FACTOR`` times more)."""
    declared = request.headers.get("content-length", "")
    if request.headers.get("content-type", "").startswith("multipart/"):
        limit *= UPLOAD_BODY_FACTOR
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(
            f"The request body exceeds {limit} bytes", details={"maxBytes": limit}
        )


# Operations -----------------------------------------------------------------------------------


async def health(_: Request) -> Response:
    return _json({"status": "ok"})


async def ready(request: Request) -> Response:
    if DrainState.active:
        return _json({"status": "draining"}, 503)
    state = _state(request)
    clients = state.gateway.clients

    async def probe(name: str) -> tuple[str, str]:
        try:
            response = await clients.client(name).get(clients.base_url(name) + "/health")
        except httpx.HTTPError as exc:
            return name, type(exc).__name__
        return name, "ok" if response.status_code == 200 else f"HTTP {response.status_code}"

    results = dict(await asyncio.gather(*(probe(n) for n in sorted(clients.urls))))
    for name, reason in state.composed.missing.items():
        if results.get(name) == "ok":
            results[name] = f"not in the supergraph: {reason}"
    is_ready = all(v == "ok" for v in results.values())
    body = {"status": "ready" if is_ready else "not ready", "subgraphs": results}
    return _json(body, 200 if is_ready else 503)


async def metrics(request: Request) -> Response:
    return Response(_state(request).metrics.render(), media_type="text/plain; version=0.0.4")


def _timed(kind: str, handler: Callable[[Request], Awaitable[Response]]) -> Any:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        response = await handler(request)
        elapsed = time.perf_counter() - started
        _state(request).metrics.observe(kind, response.status_code, elapsed)
        return response

    return endpoint


async def _not_found(request: Request, _: Exception) -> Response:
    """No route matched (e.g. a path with a newline, which `{rest:path}` does not match): the
    JSON error envelope, as for every other refusal, not Starlette's text/plain."""
    return failure(NotFound("No route matches this path"))


ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def create_router_app(
    settings: Settings,
    supergraph_source: str | Path | ComposedSupergraph,
    *,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    redis: Redis | None = None,
    limits: GraphQLLimits | None = None,
    rate_limits: RateLimits | None = None,
    deduplicate: bool = True,
    deduplicate_inbound: bool = True,
) -> Starlette:
    """The router app.

    ``supergraph_source`` is a ``supergraph.yaml`` (composed at startup), a supergraph SDL
    file, or an already loaded :class:`ComposedSupergraph`. Redis comes from ``redis`` or else
    ``settings.redis_url`` (no Redis: no rate limits and no deny-list check at the edge).
    ``transports`` maps subgraph names to httpx transports (tests run subgraphs in-process).
    ``deduplicate`` sends identical in-flight query fetches to a subgraph once;
    ``deduplicate_inbound`` lets identical queries in flight (same document, operation name,
    variables and ``Authorization``) share one execution and its answer.
    """
    limits = limits or GraphQLLimits()
    rate_limits = rate_limits or RateLimits.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not hasattr(app.state, "router"):
            await _startup(app)
        try:
            yield
        finally:
            state: RouterState = app.state.router
            await state.gateway.aclose()
            state.limiter.close()
            if state.redis is not None and redis is None:
                await state.redis.aclose()

    async def _startup(app: Starlette) -> None:
        composed = await load_source(
            supergraph_source,  # type: ignore[arg-type]
            settings.subgraph_secret,
            transports,
        )
        for name, reason in composed.missing.items():
            log.warning("starting without subgraph %s: %s", name, reason)
        client = (
            redis if redis is not None else (make_redis(settings) if settings.redis_url else None)
        )
        app.state.router = _build_state(
            settings,
            composed,
            transports,
            client,
            limits,
            rate_limits,
            deduplicate,
            deduplicate_inbound,
        )

    # The hot routes first: Starlette tries each route in turn.
    routes = [
        Route("/graphql", _timed("graphql", graphql_post), methods=["POST"]),
        Route("/api/docs/{name}", swagger_asset, methods=["GET"]),
        Route("/api/{rest:path}", _timed("rest", rest), methods=ALL_METHODS),
        Route("/graphql", _timed("graphql", graphql_get), methods=["GET"]),
        WebSocketRoute("/graphql", graphql_ws),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    if not settings.is_production:  # GraphiQL's own assets, like its page, only off production
        routes.append(Route(ASSET_PATH, graphiql_asset, methods=["GET"]))
    middleware = [
        Middleware(EdgeHeadersMiddleware, production=settings.is_production),
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin,
            allow_credentials=True,
            allow_methods=ALL_METHODS,
            allow_headers=[
                "authorization",
                "content-type",
                "x-request-id",
                "accept",
                "idempotency-key",
            ],
            expose_headers=[
                "x-request-id",
                "link",
                "retry-after",
                "ratelimit-limit",
                "ratelimit-remaining",
                "ratelimit-reset",
            ],
            max_age=600,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={404: _not_found},
    )
    if isinstance(supergraph_source, ComposedSupergraph):
        client = (
            redis if redis is not None else (make_redis(settings) if settings.redis_url else None)
        )
        app.state.router = _build_state(
            settings,
            supergraph_source,
            transports,
            client,
            limits,
            rate_limits,
            deduplicate,
            deduplicate_inbound,
        )
    return app
