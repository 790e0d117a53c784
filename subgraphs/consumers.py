"""The platform's event consumers: which service handles which events. Read by
`shared.events.consumer.run_consumers` (`mfe consumers`, and inside `mfe up`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shared.config_store import forget_cached
from shared.events import Envelope, catalog
from shared.events.consumer import Consumer
from shared.graphql.context import Resources
from subgraphs.admin.consumers import AUDITED_EVENTS, record_audit_event


def platform_consumers(resources: Resources) -> list[Consumer]:
    async def audit(session: AsyncSession, envelope: Envelope) -> None:
        await record_audit_event(session, envelope.model_dump(mode="json"))

    async def drop_cached_config(session: AsyncSession, envelope: Envelope) -> None:
        """The admin domain drops the cached value after its commit; this covers the case
        where that drop failed (Redis hiccup), so no reader keeps a stale value for long."""
        await forget_cached(resources.redis, [envelope.payload(catalog.ConfigChanged).key])

    return [
        Consumer("audit", tuple(AUDITED_EVENTS), audit),
        Consumer("config-cache", (catalog.CONFIG_CHANGED,), drop_cached_config),
    ]
