"""The platform's registered consumers, fed through the real relay: security and payment
events become audit rows once; a config change drops the cached value."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import col

from shared.config_mirror import MIRROR_KEY
from shared.config_store import CACHE_KEY
from shared.db import transaction
from shared.events import catalog, record_event
from shared.events.consumer import ConsumerWorker, registered_consumers
from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from subgraphs.admin.models import AuditLog, SystemConfig
from subgraphs.auth.app import create_app as create_auth_app
from subgraphs.profile.models import UserProfile


def hub(resources: Resources, redis: Redis) -> Resources:
    return Resources(resources.settings, resources.session_factory, redis)


async def deliver(resources: Resources, name: str, options: EventSettings) -> None:
    """Publish what the outbox holds, then let consumer `name` handle it (twice over: the
    second pass sees every message again, as after a crash before XACK)."""
    while await Relay(resources.session_factory, resources.redis, options).publish_batch():
        pass
    (consumer,) = [c for c in registered_consumers(resources) if c.name == name]
    worker = ConsumerWorker(consumer, resources.session_factory, resources.redis, options, "t")
    await worker.ensure_groups()
    await worker.step(asyncio.Event())
    for stream in worker.streams:
        for _, fields in await resources.redis.xrange(stream):
            await worker.handle(stream, "0-1", fields, asyncio.Event())


def test_the_platform_runs_profile_audit_and_config_cache_consumers(
    resources: Resources, redis: Redis
) -> None:
    consumers = {c.name: c for c in registered_consumers(hub(resources, redis))}

    assert set(consumers) == {"profile", "audit", "config-cache"}
    assert consumers["profile"].topics == (catalog.USER_REGISTERED,)
    assert {
        catalog.LOGIN_FAILED,
        catalog.REFRESH_REUSE_DETECTED,
        catalog.PAYMENT_STATUS_CHANGED,
    } <= set(consumers["audit"].topics)
    assert consumers["config-cache"].topics == (catalog.CONFIG_CHANGED,)


async def test_security_events_become_one_audit_row_each(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    async with transaction(resources.session_factory) as session:
        event = await record_event(
            session,
            catalog.LOGIN_FAILED,
            catalog.LoginFailed(
                user_id=None,
                reason="unknown_email",
                client=catalog.ClientInfo(ip="203.0.113.7", user_agent="curl"),
            ),
            actor=None,
        )

    await deliver(hub(resources, redis), "audit", hub_options)

    async with resources.session_factory() as session:
        rows = (
            (await session.execute(select(AuditLog).where(col(AuditLog.event_id) == event.id)))
            .scalars()
            .all()
        )
        total = (await session.execute(select(func.count()).select_from(AuditLog))).scalar()
    assert total == 1
    (row,) = rows
    assert row.action == catalog.LOGIN_FAILED
    assert row.ip_address == "203.0.113.7"
    assert row.details == {"user_id": None, "reason": "unknown_email"}


async def test_the_events_of_one_read_become_one_audit_row_each(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    """Several events of a stream reach the audit consumer in one read (one statement for
    their rows); delivered again, none is added twice."""
    users = [uuid.uuid4() for _ in range(3)]
    async with transaction(resources.session_factory) as session:
        events = [
            await record_event(
                session,
                catalog.LOGIN_FAILED,
                catalog.LoginFailed(
                    user_id=user,
                    reason="wrong_password",
                    client=catalog.ClientInfo(ip=f"203.0.113.{n}", user_agent=None),
                ),
                actor=None,
            )
            for n, user in enumerate(users)
        ]

    await deliver(hub(resources, redis), "audit", hub_options)

    async with resources.session_factory() as session:
        rows = (await session.execute(select(AuditLog))).scalars().all()
    by_event = {row.event_id: row for row in rows}
    assert len(rows) == len(by_event) == 3
    for n, (event, user) in enumerate(zip(events, users, strict=True)):
        row = by_event[event.id]
        assert (row.action, row.resource_type, row.resource_id) == (
            catalog.LOGIN_FAILED,
            "user",
            user,
        )
        assert (row.user_id, row.ip_address, row.user_agent) == (None, f"203.0.113.{n}", None)
        assert row.details == {"user_id": str(user), "reason": "wrong_password"}
        assert row.created_at == event.created_at


async def test_a_config_change_refreshes_the_cached_values_and_the_mirror(
    resources: Resources, redis: Redis, hub_options: EventSettings
) -> None:
    await redis.set(CACHE_KEY, '{"maintenance_mode": false}')
    async with transaction(resources.session_factory) as session:
        session.add(SystemConfig(key="maintenance_mode", value=True))
        await record_event(
            session,
            catalog.CONFIG_CHANGED,
            catalog.ConfigChanged(key="maintenance_mode", value=True, changed_by=uuid.uuid4()),
            actor=None,
        )

    await deliver(hub(resources, redis), "config-cache", hub_options)

    assert json.loads(await redis.get(CACHE_KEY)) == {"maintenance_mode": True}
    assert await redis.hgetall(MIRROR_KEY) == {"maintenance_mode": "true"}


async def test_a_registration_gets_its_profile_and_audit_row_through_the_hub(
    resources: Resources,
    redis: Redis,
    hub_options: EventSettings,
    client_for: Callable[..., Any],
) -> None:
    async with client_for(create_auth_app) as api:
        response = await api.http.post(
            "/api/auth/register",
            json={"email": "ada@example.com", "password": "a long passphrase", "name": "Ada"},
        )
    assert response.status_code in (200, 201), response.text
    user_id = uuid.UUID(response.json()["data"]["user"]["id"])

    for name in ("profile", "audit"):
        await deliver(hub(resources, redis), name, hub_options)

    async with resources.session_factory() as session:
        profiles = (
            await session.execute(select(func.count()).where(col(UserProfile.user_id) == user_id))
        ).scalar()
        actions = (
            (
                await session.execute(
                    select(AuditLog.action).where(col(AuditLog.resource_id) == user_id)
                )
            )
            .scalars()
            .all()
        )
    assert profiles == 1
    assert actions == [catalog.USER_REGISTERED]
