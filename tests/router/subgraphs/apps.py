"""ASGI apps of the test subgraphs, with a log of the GraphQL requests each one received."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from tests.router.subgraphs import products, reviews, users

SCHEMAS: dict[str, Schema] = {
    "users": users.schema,
    "products": products.schema,
    "reviews": reviews.schema,
}
SECRET = "test-router-secret"


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
        if body:
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


def make_apps() -> dict[str, RecordingApp]:
    return {name: RecordingApp(name, GraphQL(schema)) for name, schema in SCHEMAS.items()}


def transports(apps: dict[str, RecordingApp]) -> dict[str, httpx.AsyncBaseTransport]:
    return {name: httpx.ASGITransport(app=app) for name, app in apps.items()}


def url(name: str) -> str:
    return f"http://{name}.test/graphql"
