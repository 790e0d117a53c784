"""The admin subgraph's ASGI app."""

from __future__ import annotations

from starlette.applications import Starlette

from shared.app import create_subgraph_app
from shared.config import Settings
from shared.graphql.context import Resources
from subgraphs.admin.rest import ROUTES
from subgraphs.admin.schema import create_schema

NAME = "admin"


def create_app(settings: Settings, resources: Resources | None = None) -> Starlette:
    return create_subgraph_app(
        name=NAME,
        schema=create_schema(settings),
        routes=ROUTES,
        settings=settings,
        resources=resources,
    )
