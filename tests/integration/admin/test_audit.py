"""Audit rows: one per admin action in the same transaction, filters and pages, append-only;
security events of other domains recorded once from their hub envelopes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from shared.events import catalog, record_event
from shared.events.catalog import ClientInfo
from shared.graphql.context import Resources
from shared.rbac import Role
from subgraphs.admin.consumers import record_audit_event
from subgraphs.admin.models import AuditLog
from tests.integration.conftest import ApiClient, executions_of, rows_read

BROWSER = {"User-Agent": "AdminConsole/1.0"}


async def _rows(resources: Resources) -> list[AuditLog]:
    async with resources.session_factory() as db:
        result = await db.execute(select(AuditLog).order_by(AuditLog.created_at))  # type: ignore[arg-type]
        return list(result.scalars())


async def test_every_admin_action_is_audited(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], resources: Resources
) -> None:
    headers = admin.headers | BROWSER
    customer = await make_user(Role.CUSTOMER)
    created = await api.http.post(
        "/api/admin/users",
        json={"email": "a@example.com", "name": "A", "role": "VENDOR"},
        headers=headers,
    )
    new_id = created.json()["data"]["id"]
    await api.http.put(f"/api/admin/users/{customer.id}", json={"name": "Z"}, headers=headers)
    await api.http.put(
        f"/api/admin/users/{customer.id}/role", json={"role": "VENDOR"}, headers=headers
    )
    await api.http.delete(f"/api/admin/users/{customer.id}", headers=headers)
    await api.http.put(
        "/api/admin/config", json={"values": {"maintenance_mode": True}}, headers=headers
    )

    rows = await _rows(resources)
    assert [row.action for row in rows] == [
        "admin.user_created",
        "admin.user_updated",
        "admin.role_changed",
        "admin.user_deactivated",
        "admin.config_updated",
    ]
    assert {row.user_id for row in rows} == {admin.id}
    assert {row.ip_address for row in rows} == {"203.0.113.10"}
    assert {row.user_agent for row in rows} == {"AdminConsole/1.0"}
    assert str(rows[0].resource_id) == new_id and rows[0].details == {
        "email": "a@example.com",
        "role": "VENDOR",
        "invited": True,
    }
    assert rows[1].details == {"changes": {"name": ["Test Customer", "Z"]}}
    assert rows[2].details == {"from": "CUSTOMER", "to": "VENDOR"}
    assert rows[4].resource_type == "config"
    assert rows[4].details == {"key": "maintenance_mode", "from": None, "to": True}


async def test_a_refused_action_leaves_no_audit_row(
    api: ApiClient, admin: Any, resources: Resources
) -> None:
    response = await api.http.put(
        f"/api/admin/users/{admin.id}/role", json={"role": "VENDOR"}, headers=admin.headers
    )
    assert response.status_code == 409
    assert await _rows(resources) == []


async def test_audit_logs_filter_and_page_newest_first(
    api: ApiClient, admin: Any, make_user: Callable[..., Any]
) -> None:
    users = [await make_user(Role.CUSTOMER) for _ in range(3)]
    for user in users:
        await api.http.put(f"/api/admin/users/{user.id}", json={"name": "N"}, headers=admin.headers)
    await api.http.delete(f"/api/admin/users/{users[0].id}", headers=admin.headers)

    async def logs(**params: Any) -> dict[str, Any]:
        """The envelope: `data` (the rows) and `pagination`."""
        response = await api.http.get("/api/admin/audit-logs", params=params, headers=admin.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def total(body: dict[str, Any]) -> int:
        count: int = body["pagination"]["total"]
        return count

    everything = await logs()
    assert total(everything) == 4
    assert everything["data"][0]["action"] == "admin.user_deactivated"
    first = await logs(action="admin.user_updated", limit=2)
    assert total(first) == 3 and len(first["data"]) == 2 and first["pagination"]["hasMore"]
    updates = await logs(
        action="admin.user_updated", limit=2, cursor=first["pagination"]["nextCursor"]
    )
    assert total(updates) == 3 and len(updates["data"]) == 1
    assert updates["pagination"]["hasMore"] is False
    assert updates["data"][0]["resourceId"] == str(users[0].id)  # the oldest update
    about_first = await logs(resourceType="user", resourceId=str(users[0].id))
    assert total(about_first) == 2
    assert total(await logs(userId=str(admin.id))) == 4
    assert total(await logs(since="2999-01-01T00:00:00Z")) == 0
    assert total(await logs(until="2000-01-01T00:00:00Z")) == 0
    bad = await api.http.get("/api/admin/audit-logs?since=yesterday", headers=admin.headers)
    assert bad.status_code == 400


async def test_a_page_of_an_actor_whose_rows_are_old_reads_a_page_of_the_table(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], resources: Resources
) -> None:
    """2,000 rows of one actor before 60,000 of another: with the filter's index on `user_id`
    alone, PostgreSQL walked `created_at` backwards through the other actor's rows for a page
    of the first. The filter's index now ends with the list's order."""
    actor = await make_user(Role.CUSTOMER)
    async with resources.session_factory() as db:
        for user_id, count, age in ((actor.id, 2_000, 400), (admin.id, 60_000, 1)):
            await db.execute(
                text(
                    "INSERT INTO admin.audit_logs (user_id, action, created_at) "
                    "SELECT :user_id, 'payment.created', "
                    "now() - make_interval(days => :age) + make_interval(secs => g) "
                    "FROM generate_series(1, :count) AS g"
                ),
                {"user_id": user_id, "count": count, "age": age},
            )
        await db.execute(text("ANALYZE admin.audit_logs"))
        newest = await db.execute(
            text(
                "SELECT id FROM admin.audit_logs WHERE user_id = :user_id "
                "ORDER BY created_at DESC, id DESC LIMIT 20"
            ),
            {"user_id": actor.id},
        )
        expected = [str(row_id) for row_id in newest.scalars()]
        await db.commit()

    with executions_of(resources) as reads:
        response = await api.http.get(
            "/api/admin/audit-logs",
            params={"userId": str(actor.id), "limit": 20},
            headers=admin.headers,
        )
    assert response.status_code == 200, response.text
    assert [row["id"] for row in response.json()["data"]] == expected
    assert response.json()["pagination"]["total"] == 2_000
    (statement, parameters) = next(
        read for read in reads if "audit_logs" in read[0] and "ORDER BY" in read[0]
    )
    assert await rows_read(resources, statement, parameters) <= 3 * 20


async def _tally(resources: Resources) -> int:
    async with resources.session_factory() as db:
        total = await db.execute(text("SELECT coalesce(sum(rows), 0) FROM admin.audit_log_tally"))
        return int(total.scalar_one())


async def test_the_unfiltered_total_is_read_from_the_tally_and_stays_exact(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], resources: Resources
) -> None:
    """`total` without a filter was a count of every audit row, on a table that only grows.
    It is the sum of `admin.audit_log_tally`, which the triggers keep equal to the count:
    bulk and concurrent inserts, an admin action, a rolled-back insert, a TRUNCATE."""
    insert = text(
        "INSERT INTO admin.audit_logs (user_id, action) "
        "SELECT :user_id, 'payment.created' FROM generate_series(1, :count)"
    )

    async def add(count: int, *, commit: bool = True) -> None:
        async with resources.session_factory() as db:
            await db.execute(insert, {"user_id": admin.id, "count": count})
            await (db.commit() if commit else db.rollback())

    await add(5_000)
    await asyncio.gather(*(add(count) for count in (3, 4, 5, 6)))
    await add(7, commit=False)
    customer = await make_user(Role.CUSTOMER)
    renamed = await api.http.put(
        f"/api/admin/users/{customer.id}", json={"name": "N"}, headers=admin.headers
    )
    assert renamed.status_code == 200, renamed.text

    with executions_of(resources) as reads:
        response = await api.http.get("/api/admin/audit-logs", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert response.json()["pagination"]["total"] == 5_019 == len(await _rows(resources))
    (statement, parameters) = next(
        read for read in reads if "audit_log" in read[0] and "ORDER BY" not in read[0]
    )
    assert await rows_read(resources, statement, parameters) <= 16

    async with resources.session_factory() as db:
        await db.execute(text("TRUNCATE admin.audit_logs"))
        await db.commit()
    assert await _tally(resources) == 0
    await add(2)
    emptied = await api.http.get("/api/admin/audit-logs", headers=admin.headers)
    assert emptied.json()["pagination"]["total"] == 2


async def test_audit_rows_cannot_be_changed_or_deleted(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], resources: Resources
) -> None:
    user = await make_user(Role.CUSTOMER)
    await api.http.delete(f"/api/admin/users/{user.id}", headers=admin.headers)
    for statement in (
        "UPDATE admin.audit_logs SET action = 'nothing'",
        "DELETE FROM admin.audit_logs",
    ):
        async with resources.session_factory() as db:
            with pytest.raises(DBAPIError, match="append-only"):
                await db.execute(text(statement))
    assert len(await _rows(resources)) == 1


def _client() -> ClientInfo:
    return ClientInfo(ip="198.51.100.7", user_agent="curl/8")


async def test_security_events_from_the_hub_are_recorded_once(
    make_user: Callable[..., Any], resources: Resources
) -> None:
    user = await make_user(Role.VENDOR)
    payment_id = uuid.uuid4()
    events: list[tuple[str, catalog.EventData, uuid.UUID | None]] = [
        (
            catalog.USER_REGISTERED,
            catalog.UserRegistered(
                user_id=user.id, email=user.email, name="V", role="VENDOR", client=_client()
            ),
            user.id,
        ),
        (
            catalog.LOGIN_SUCCEEDED,
            catalog.LoginSucceeded(user_id=user.id, client=_client()),
            user.id,
        ),
        (
            catalog.LOGIN_FAILED,
            catalog.LoginFailed(user_id=None, reason="unknown_email", client=_client()),
            None,
        ),
        (
            catalog.LOGGED_OUT,
            catalog.LoggedOut(user_id=user.id, all_sessions=True, client=_client()),
            user.id,
        ),
        (
            catalog.REFRESH_REUSE_DETECTED,
            catalog.RefreshReuseDetected(user_id=user.id, family_id=uuid.uuid4(), client=_client()),
            user.id,
        ),
        (
            catalog.PASSWORD_CHANGED,
            catalog.PasswordChanged(user_id=user.id, via="reset", client=_client()),
            user.id,
        ),
        (
            catalog.PAYMENT_CREATED,
            catalog.PaymentCreated(
                payment_id=payment_id,
                user_id=user.id,
                type="initiate",
                status="pending",
                amount=Decimal("12.50"),
                currency="EUR",
            ),
            user.id,
        ),
        (
            catalog.PAYMENT_STATUS_CHANGED,
            catalog.PaymentStatusChanged(
                payment_id=payment_id,
                user_id=user.id,
                from_status="pending",
                to_status="completed",
                actor_id=None,
                source="internal",
                amount=Decimal("12.50"),
                currency="EUR",
            ),
            None,
        ),
        # Audited where they happen (admin actions), so the consumer skips them.
        (
            catalog.USER_DEACTIVATED,
            catalog.UserDeactivated(user_id=user.id, deactivated_by=user.id),
            user.id,
        ),
    ]
    async with resources.session_factory() as db:
        envelopes = [
            (await _outboxed(db, event_type, data, actor)) for event_type, data, actor in events
        ]
        await db.rollback()
    for _ in range(2):  # the hub delivers at least once
        for envelope in envelopes:
            async with resources.session_factory() as db:
                await record_audit_event(db, envelope)
                await db.commit()

    rows = {row.action: row for row in await _rows(resources)}
    assert sorted(rows) == sorted(event_type for event_type, _, _ in events[:-1])
    assert await _tally(resources) == len(rows)  # a redelivered event's skipped row: not counted
    assert all(row.event_id is not None for row in rows.values())
    login = rows[catalog.LOGIN_SUCCEEDED]
    assert (login.user_id, login.resource_type, login.resource_id) == (user.id, "user", user.id)
    assert (login.ip_address, login.user_agent) == ("198.51.100.7", "curl/8")
    failed = rows[catalog.LOGIN_FAILED]
    assert failed.user_id is None and failed.details == {
        "user_id": None,
        "reason": "unknown_email",
    }
    status = rows[catalog.PAYMENT_STATUS_CHANGED]
    assert (status.resource_type, status.resource_id) == ("payment", payment_id)
    assert status.details is not None and status.details["to_status"] == "completed"


async def _outboxed(
    db: Any, event_type: str, data: catalog.EventData, actor: uuid.UUID | None
) -> dict[str, Any]:
    """The envelope exactly as `record_event` writes it to the outbox."""
    event = await record_event(db, event_type, data, actor=actor)
    payload: dict[str, Any] = event.payload
    return payload
