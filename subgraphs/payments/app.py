"""The payments subgraph's ASGI app."""

from __future__ import annotations

from starlette.applications import Starlette

from shared.app import create_subgraph_app
from shared.config import Settings
from shared.graphql.context import Resources
from subgraphs.payments.rest import ROUTES
from subgraphs.payments.schema import create_schema
from subgraphs.payments.settings import PaymentsSettings
from subgraphs.payments.webhook import webhook_route

NAME = "payments"


def create_app(
    settings: Settings,
    resources: Resources | None = None,
    *,
    payments_settings: PaymentsSettings | None = None,
) -> Starlette:
    config = payments_settings or PaymentsSettings()
    return create_subgraph_app(
        name=NAME,
        schema=create_schema(settings, config),
        routes=ROUTES,
        settings=settings,
        resources=resources,
        extra_routes=[webhook_route(config)],
    )
