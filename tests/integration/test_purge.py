"""Rows past their retention are purged in bounded batches; live rows stay; a pass twice is a
pass once; the consumers process runs the purge on its own; `mfe purge` runs it now."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from shared.config import Settings
from shared.db import transaction
from shared.events.consumer import run_consumers
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from shared.purge import PurgeSettings, purge, purge_batch
from subgraphs.purge import platform_purge_rules
from tests.factories import create_user
from tests.harness import ROOT, process_env

OPTIONS = PurgeSettings(
    batch_size=2,
    pause_seconds=0,
    processed_events_hours=24,
    published_events_hours=24,
    processor_events_hours=24,
    expired_tokens_hours=24,
    _env_file=None,  # type: ignore[call-arg]
)

# Ages of a row's timestamp, relative to now (the retentions above are 24 hours).
OLD, RECENT, FUTURE = timedelta(hours=-25), timedelta(hours=-23), timedelta(hours=1)


async def _sql(resources: Resources, statement: str, **params: Any) -> Any:
    async with transaction(resources.session_factory) as session:
        return await session.execute(text(statement), params)


async def _seed(resources: Resources) -> dict[str, set[str]]:
    """For each purged table: rows that must go ('old…') and rows that must stay."""
    user = await create_user(resources)
    payment = uuid.uuid4()
    await _sql(
        resources,
        "INSERT INTO payments.payments (id, user_id, amount, currency, status, type)"
        " VALUES (:id, :user, 1, 'USD', 'pending', 'payment')",
        id=payment,
        user=user.id,
    )
    for name, expires in [
        ("old-1", timedelta(seconds=-1)),
        ("old-2", timedelta(days=-30)),
        ("live", FUTURE),
    ]:
        await _sql(
            resources,
            "INSERT INTO payments.idempotency_keys (user_id, idempotency_key, fingerprint,"
            " expires_at) VALUES (:user, :key, 'f', now() + :age)",
            user=user.id,
            key=name,
            age=expires,
        )
    for name, age in [("old", OLD), ("recent", RECENT)]:
        await _sql(
            resources,
            "INSERT INTO events.processed_events (consumer, event_id, processed_at)"
            " VALUES (:name, gen_random_uuid(), now() + :age)",
            name=name,
            age=age,
        )
        await _sql(
            resources,
            "INSERT INTO payments.processor_events (event_id, payment_id, status, received_at)"
            " VALUES (:name, :payment, 'completed', now() + :age)",
            name=name,
            payment=payment,
            age=age,
        )
        for table in ("refresh_tokens", "password_reset_tokens"):
            column = "token" if table == "refresh_tokens" else "token_hash"
            family = ", family_id" if table == "refresh_tokens" else ""
            family_value = ", gen_random_uuid()" if table == "refresh_tokens" else ""
            await _sql(
                resources,
                f"INSERT INTO auth.{table} (user_id, {column}, expires_at{family})"  # noqa: S608
                f" VALUES (:user, :name, now() + :age{family_value})",
                user=user.id,
                name=name,
                age=age,
            )
    for name, published in [("old", OLD), ("recent", RECENT), ("unpublished", None)]:
        await _sql(
            resources,
            "INSERT INTO events.outbox (id, topic, key, payload, created_at, published_at)"
            " VALUES (gen_random_uuid(), 't', :name, '{}', now() - interval '30 days',"
            " now() + :age)",
            name=name,
            age=published,
        )
    return await _remaining(resources)


async def _remaining(resources: Resources) -> dict[str, set[str]]:
    queries = {
        "payments.idempotency_keys": "SELECT idempotency_key FROM payments.idempotency_keys",
        "events.processed_events": "SELECT consumer FROM events.processed_events",
        "events.outbox": "SELECT key FROM events.outbox",
        "payments.processor_events": "SELECT event_id FROM payments.processor_events",
        "auth.refresh_tokens": "SELECT token FROM auth.refresh_tokens",
        "auth.password_reset_tokens": "SELECT token_hash FROM auth.password_reset_tokens",
    }
    remaining = {}
    for table, query in queries.items():
        rows = await _sql(resources, query)
        remaining[table] = {str(row[0]) for row in rows}
    return remaining


def _purged_metric(table: str) -> float:
    return REGISTRY.get_sample_value("purged_rows_total", {"table": table}) or 0.0


async def test_rows_past_their_retention_go_and_the_others_stay(resources: Resources) -> None:
    before = await _seed(resources)
    metric = _purged_metric("events.outbox")
    purged = await purge(resources.session_factory, platform_purge_rules(OPTIONS), OPTIONS)
    after = await _remaining(resources)
    assert after == {
        table: {r for r in rows if not r.startswith("old")} for table, rows in before.items()
    }
    assert purged == {
        "payments.idempotency_keys": 2,
        "events.processed_events": 1,
        "events.outbox": 1,
        "payments.processor_events": 1,
        "auth.refresh_tokens": 1,
        "auth.password_reset_tokens": 1,
    }
    assert _purged_metric("events.outbox") == metric + 1

    again = await purge(resources.session_factory, platform_purge_rules(OPTIONS), OPTIONS)
    assert set(again.values()) == {0}
    assert await _remaining(resources) == after


async def _expired_keys(resources: Resources, count: int) -> None:
    user = await create_user(resources)
    for n in range(count):
        await _sql(
            resources,
            "INSERT INTO payments.idempotency_keys (user_id, idempotency_key, fingerprint,"
            " expires_at) VALUES (:user, :key, 'f', now() - interval '1 minute')",
            user=user.id,
            key=f"k{n}",
        )


async def test_one_statement_deletes_at_most_a_batch(resources: Resources) -> None:
    await _expired_keys(resources, 5)
    keys = platform_purge_rules(OPTIONS)[0]
    batches = [await purge_batch(resources.session_factory, keys, 2) for _ in range(4)]
    assert batches == [2, 2, 1, 0]


async def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
    resources: Resources,
) -> None:
    await _expired_keys(resources, 3)
    keys = platform_purge_rules(OPTIONS)[0]
    async with resources.session_factory() as holder:
        await holder.execute(
            text("SELECT 1 FROM payments.idempotency_keys WHERE idempotency_key = 'k0' FOR UPDATE")
        )
        deleted = await asyncio.wait_for(
            purge_batch(resources.session_factory, keys, 10), timeout=5
        )
        await holder.rollback()
    assert deleted == 2
    assert (await _remaining(resources))["payments.idempotency_keys"] == {"k0"}


async def test_the_consumers_process_purges_on_its_own(resources: Resources) -> None:
    await _expired_keys(resources, 3)
    stop = asyncio.Event()
    options = PurgeSettings(interval_seconds=0.1, _env_file=None)  # type: ignore[call-arg]
    hub = EventSettings(read_block_ms=50, _env_file=None)  # type: ignore[call-arg]
    running = asyncio.create_task(
        run_consumers(resources.settings, stop, consumers=[], options=hub, purge_options=options)
    )
    try:
        for _ in range(100):
            if not (await _remaining(resources))["payments.idempotency_keys"]:
                break
            await asyncio.sleep(0.1)
        assert not (await _remaining(resources))["payments.idempotency_keys"]
    finally:
        stop.set()
        await asyncio.wait_for(running, timeout=10)


@pytest.mark.usefixtures("resources")
async def test_mfe_purge_runs_a_pass_now(settings: Settings, resources: Resources) -> None:
    await _expired_keys(resources, 2)
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "mfe.cli", "purge", "--json"],
        cwd=ROOT,
        env=process_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["payments.idempotency_keys"] == 2
