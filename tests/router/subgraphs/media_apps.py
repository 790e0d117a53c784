"""The entity-interface test subgraphs (media, ratings, inventory) as recorded ASGI apps;
``python -m tests.router.subgraphs.media_apps NAME PORT`` serves one with uvicorn."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from tests.router.subgraphs import inventory, media, ratings
from tests.router.subgraphs.apps import RecordingApp

MEDIA_SCHEMAS: dict[str, Schema] = {
    "media": media.schema,
    "ratings": ratings.schema,
    "inventory": inventory.schema,
}


def media_url(name: str) -> str:
    return f"http://{name}.test/graphql"


def _app(name: str) -> Starlette:
    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/graphql", GraphQL(MEDIA_SCHEMAS[name]), methods=["GET", "POST"]),
        ]
    )


def make_media_apps() -> dict[str, RecordingApp]:
    return {name: RecordingApp(name, _app(name)) for name in MEDIA_SCHEMAS}


def main() -> None:
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(make_media_apps()[name], host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
