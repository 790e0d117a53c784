"""Builds a subgraph's ASGI app: GraphQL, the REST routes generated from it, OpenAPI, health."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from shared.config import Settings
from shared.errors import AppError, NotFound
from shared.events.inspect import refresh_backlog_metrics
from shared.graphql.context import RequestContext, Resources
from shared.graphql.schema import SubgraphSchema
from shared.http.client_ip import client_ip
from shared.http.middleware import DrainState, SubgraphEdgeMiddleware
from shared.http.responses import JSONResponse, failure
from shared.http.swagger import swagger_asset, swagger_page
from shared.logs import request_id_var
from shared.observability import setup_observability
from shared.resources import open_resources
from shared.rest.adapter import rest_routes
from shared.rest.openapi import openapi_document
from shared.rest.routes import RestRoute

logger = logging.getLogger(__name__)

PUBLIC_PATHS = ("/health", "/ready", "/metrics")


@dataclass
class SocketContext(RequestContext):
    """The context of a WebSocket (subscriptions). Browsers cannot set headers on one, so the
    token may come in the `connection_init` payload (`{"Authorization": "Bearer …"}`)."""

    connection_params: dict[str, Any] = field(default_factory=dict)


def request_context(
    request: HTTPConnection, kind: type[RequestContext] = RequestContext
) -> RequestContext:
    """The GraphQL context of an HTTP request. The direct peer is the router (it presented the
    router credential), so its `X-Forwarded-For` is believed up to the configured proxies."""
    resources: Resources = request.app.state.resources
    peer = request.client.host if request.client else None
    trusted = {*resources.settings.trusted_proxies, *([peer] if peer else [])}
    # The headers it reads, in one pass over the request's (the first of each, as
    # `request.headers.get` answers), rather than one pass each.
    found: dict[bytes, str] = {}
    for key, value in request.scope["headers"]:
        if key in _CONTEXT_HEADERS and key not in found:
            found[key] = value.decode("latin-1")
    return kind(
        resources,
        authorization=found.get(b"authorization"),
        client_ip=client_ip(peer, found.get(b"x-forwarded-for"), trusted),
        user_agent=found.get(b"user-agent"),
        request_id=request_id_var.get(),
        idempotency_key=found.get(b"idempotency-key"),
    )


_CONTEXT_HEADERS = frozenset(
    (b"authorization", b"x-forwarded-for", b"user-agent", b"idempotency-key")
)


class SubgraphGraphQL(GraphQL[RequestContext, None]):
    """Strawberry's view, with a short path for what the router sends: a POSTed JSON operation
    whose document the schema has prepared (`SubgraphSchema.documents`) is executed directly
    and its answer written with orjson, as Strawberry would answer it. Anything else (GET,
    GraphiQL, multipart, batches, WebSockets, a document that does not validate, a body
    Strawberry would refuse) is Strawberry's, unchanged."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        schema = self.schema
        if scope["type"] != "http" or scope["method"] != "POST" or not _is_json(scope):
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        if isinstance(schema, SubgraphSchema):
            response = await self._prepared_response(schema, request, body)
            if response is not None:
                await response(scope, receive, send)
                return
        # Strawberry's path, given the body again.
        await super().__call__(scope, _replaying(body, receive), send)

    async def _prepared_response(
        self, schema: SubgraphSchema, request: Request, body: bytes
    ) -> Response | None:
        """The answer to a POSTed operation of a prepared document, or None."""
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        query = data.get("query")
        variables = data.get("variables")
        operation_name = data.get("operationName")
        extensions = data.get("extensions")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(operation_name, str | None)
            or not isinstance(extensions, dict | None)
        ):
            return None
        prepared = schema.documents.get(query, operation_name)
        if prepared is None:
            return None
        context = request_context(request)
        result = await schema.execute_document(
            prepared, context, variables, operation_name, extensions
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        return Response(graphql_json(answer), media_type="application/json")

    async def get_context(self, request: Any, response: Any = None) -> RequestContext:
        if isinstance(request, WebSocket):
            return request_context(request, SocketContext)
        return request_context(request)

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """A token sent (in a header or the `connection_init` payload) must be valid for the
        connection to be accepted; the subscriptions' guards decide the rest."""
        if isinstance(context, SocketContext):
            token = context.connection_params.get("Authorization")
            if context.authorization is None and isinstance(token, str):
                context.authorization = token
        try:
            await context.viewer()
        except AppError as exc:
            raise ConnectionRejectionError({"code": exc.code}) from exc
        return cast(UnsetType, UNSET)


def _is_json(scope: Scope) -> bool:
    """A JSON body, as Strawberry reads the content type (other spellings are left to it)."""
    for key, value in scope["headers"]:
        if key == b"content-type":
            return bool(value == b"application/json" or value.startswith(b"application/json;"))
    return False


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for an app that reads the body again: `body` first, then `receive`'s."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def graphql_json(answer: dict[str, Any]) -> bytes:
    """A GraphQL answer as JSON, as Strawberry's `json.dumps` would write it (orjson writes
    UTF-8 where `json.dumps` escapes; both are the same JSON)."""
    try:
        return orjson.dumps(answer, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # what orjson refuses (an int over 64 bits, ...): the standard encoder
        return json.dumps(answer, separators=(",", ":")).encode()


def create_subgraph_app(
    *,
    name: str,
    schema: Any,
    routes: Sequence[RestRoute],
    settings: Settings,
    resources: Resources | None = None,
    extra_routes: Sequence[BaseRoute] = (),
    multipart_uploads: bool = False,
) -> Starlette:
    """The app of subgraph `name`. Without `resources` it opens its own at start-up.
    `extra_routes` are plain HTTP routes that are not GraphQL operations (e.g. a webhook);
    they are matched before the REST routes. `multipart_uploads` lets `/graphql` take the
    GraphQL multipart request spec (file uploads; no cookie auth here, so no CSRF exposure)."""
    setup_observability(settings, name)
    rest, compiled = rest_routes(
        schema,
        routes,
        prefix=name,
        make_context=request_context,
        max_body_bytes=settings.max_body_bytes,
    )
    document = openapi_document(f"{name} service", name, compiled)
    graphql = SubgraphGraphQL(
        schema,
        graphql_ide=None if settings.is_production else "graphiql",
        allow_queries_via_get=True,
        multipart_uploads_enabled=multipart_uploads,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    async def openapi(_: Request) -> Response:
        return JSONResponse(document)

    async def docs(_: Request) -> Response:
        return swagger_page(f"{name} API")

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": name})

    async def ready(request: Request) -> Response:
        if DrainState.active:
            return JSONResponse({"status": "draining"}, status_code=503)
        state: Resources = request.app.state.resources
        checks: dict[str, str] = {}
        try:
            async with state.session_factory() as session:
                await session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except (SQLAlchemyError, OSError) as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        try:
            await state.redis.ping()
            checks["redis"] = "ok"
        except (RedisError, OSError) as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
        healthy = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ready" if healthy else "unavailable", "checks": checks},
            status_code=200 if healthy else 503,
        )

    async def metrics(request: Request) -> Response:
        await refresh_backlog_metrics(request.app.state.resources)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if resources is not None:
            app.state.resources = resources
            yield
            return
        # No pre-ping on the request path (three round trips per checkout): a connection the
        # server closed is replaced at checkout without one (shared.db).
        async with open_resources(settings, pre_ping=False) as opened:
            app.state.resources = opened
            yield

    async def http_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return failure(NotFound("No such route"))
        error = AppError(
            exc.detail,
            code="METHOD_NOT_ALLOWED" if exc.status_code == 405 else None,
            headers=dict(exc.headers or {}),
        )
        error.status = exc.status_code  # type: ignore[misc]
        return failure(error)

    async def unexpected(_: Request, exc: Exception) -> Response:
        logger.exception("unhandled error", exc_info=exc)
        return failure(AppError(details={"requestId": request_id_var.get()}))

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics),
            Route(f"/api/{name}/openapi.json", openapi),
            Route(f"/api/{name}/docs", docs),
            Route(f"/api/{name}/docs/{{name}}", swagger_asset),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            *extra_routes,
            *rest,
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: unexpected},
    )
    app.state.openapi = document
    app.state.compiled_routes = compiled
    app.state.resources = resources
    app.add_middleware(
        SubgraphEdgeMiddleware,
        service=name,
        secret=settings.subgraph_secret,
        public_paths=PUBLIC_PATHS,
    )
    return app
