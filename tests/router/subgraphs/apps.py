"""ASGI apps of the test subgraphs, with a log of the GraphQL requests each one received."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from shared.http.swagger import swagger_asset, swagger_page
from tests.router.subgraphs import products, reviews, users

SCHEMAS: dict[str, Schema] = {
    "users": users.schema,
    "products": products.schema,
    "reviews": reviews.schema,
}
SECRET = "test-router-secret"
# What an operation of a subgraph's OpenAPI document declares: a caller needed, or none.
A_CALLER: dict[str, Any] = {"security": [{"bearerAuth": []}]}
NO_CALLER: dict[str, Any] = {}


@dataclass
class RecordingApp:
    """Wraps a subgraph: refuses requests without the router secret, records bodies."""

    name: str
    app: Any
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        if scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        if headers.get("x-router-secret") != SECRET:
            await send({"type": "http.response.start", "status": 403, "headers": []})
            await send({"type": "http.response.body", "body": b"forbidden"})
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and scope["path"] == "/graphql":
            self.requests.append(json.loads(body))
            self.headers.append(headers)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    def entity_calls(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if "_entities" in r["query"]]

    def clear(self) -> None:
        self.requests.clear()
        self.headers.clear()


def _rest_app(name: str) -> Starlette:
    """A few REST routes like the domain subgraphs serve under ``/api/<name>/``."""

    async def echo(request: Request) -> JSONResponse:
        content_type = request.headers.get("content-type", "")
        received: dict[str, Any] = {}
        if content_type.startswith("multipart/"):
            form = await request.form()
            for key, value in form.multi_items():
                if hasattr(value, "read"):
                    data = await value.read()
                    received[key] = {"filename": value.filename, "size": len(data)}
                else:
                    received[key] = value
        elif content_type.startswith("application/json"):
            received = await request.json()
        return JSONResponse(
            {
                "success": True,
                "data": {
                    "method": request.method,
                    "path": request.url.path,
                    "query": request.url.query,
                    "received": received,
                    "headers": {k: v for k, v in request.headers.items()},
                },
            },
            status_code=201 if request.method == "POST" else 200,
        )

    async def openapi(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "openapi": "3.1.0",
                "info": {"title": name, "version": "1"},
                "paths": {
                    # GET and POST need no caller, PUT and DELETE do.
                    f"/api/{name}/echo": {
                        method: {"responses": {"200": {}}, **private}
                        for method, private in (
                            ("get", NO_CALLER),
                            ("post", NO_CALLER),
                            ("put", A_CALLER),
                            ("delete", A_CALLER),
                        )
                    }
                },
                "components": {"schemas": {f"{name.title()}Echo": {"type": "object"}}},
            }
        )

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def docs(_: Request) -> Response:
        return swagger_page(f"{name} API")  # as shared.app's subgraphs do

    return Starlette(
        routes=[
            Route("/health", health),
            Route(f"/api/{name}/openapi.json", openapi),
            Route(f"/api/{name}/docs", docs),
            Route(f"/api/{name}/docs/{{name}}", swagger_asset),
            Route(f"/api/{name}/echo", echo, methods=["GET", "POST", "PUT", "DELETE"]),
            Route(f"/api/v1/{name}/echo", echo, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/graphql", GraphQL(SCHEMAS[name]), methods=["GET", "POST"]),
        ]
    )


def make_apps() -> dict[str, RecordingApp]:
    return {name: RecordingApp(name, _rest_app(name)) for name in SCHEMAS}


def transports(apps: dict[str, RecordingApp]) -> dict[str, httpx.AsyncBaseTransport]:
    return {name: httpx.ASGITransport(app=app) for name, app in apps.items()}


def url(name: str) -> str:
    return f"http://{name}.test/graphql"
