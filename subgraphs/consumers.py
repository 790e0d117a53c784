"""The platform's event consumers: which service handles which events. Read by
`shared.events.consumer.run_consumers` (`mfe consumers`, and inside `mfe up`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.config_store import refresh
from shared.events import Envelope, catalog
from shared.events.consumer import Consumer, Handler
from shared.graphql.context import Resources
from subgraphs.admin.consumers import AUDITED_EVENTS, record_audit_event, record_audit_events
from subgraphs.profile.consumers import create_profile_for

DictHandler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]


def _on_dicts(handler: DictHandler) -> Handler:
    """Domain handlers that take the envelope as plain JSON (`{"id", "type", ..., "data"}`)."""

    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        await handler(session, envelope.model_dump(mode="json"))

    return handle


def platform_consumers(resources: Resources) -> list[Consumer]:
    async def refresh_cached_config(session: AsyncSession, _: Envelope) -> None:
        """The admin domain refreshes the cached values after its commit; this covers the
        case where that failed (Redis hiccup), so no reader keeps a stale value for long."""
        await refresh(session, resources.redis)

    return [
        Consumer("profile", (catalog.USER_REGISTERED,), _on_dicts(create_profile_for)),
        Consumer(
            "audit",
            tuple(AUDITED_EVENTS),
            _on_dicts(record_audit_event),
            handle_many=record_audit_events,
        ),
        Consumer("config-cache", (catalog.CONFIG_CHANGED,), refresh_cached_config),
    ]
