"""Tables that would otherwise grow forever: rows past their retention are deleted in small
batches, each batch its own short transaction.

A batch is `DELETE … WHERE ctid = ANY(ARRAY(SELECT ctid … LIMIT n FOR UPDATE SKIP LOCKED))`:
one bounded statement (a TID scan), which never waits for a row another transaction holds
and re-checks the cut-off on the row it deletes (a key claimed again meanwhile stays). Each
rule's column is indexed, so finding a batch does not scan the table. Which tables and how
long they keep their rows is the platform's list (`subgraphs/purge.py`); the consumers
process runs a pass every `PURGE_INTERVAL_SECONDS`, `mfe purge` runs one now."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import (
    Column,
    ColumnElement,
    Interval,
    any_,
    delete,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import Settings
from shared.db import transaction
from shared.events.pacing import pause
from shared.observability import metrics
from shared.resources import open_resources
from shared.spec import resolve

logger = logging.getLogger("purge")


class PurgeSettings(BaseSettings):
    """How often a pass runs, how many rows one statement deletes, and how long each kind of
    row is kept past the moment it stopped mattering (`PURGE_*`)."""

    model_config = SettingsConfigDict(env_prefix="PURGE_", env_file=".env", extra="ignore")

    interval_seconds: float = Field(default=3600.0, gt=0)
    batch_size: int = Field(default=1000, ge=1, le=100_000)
    pause_seconds: float = Field(default=0.05, ge=0)  # between batches: room for other work
    # Consumers skip an event they find in processed_events: keep the rows longer than any
    # consumer may stay down and any dead letter may wait for its replay.
    processed_events_hours: int = Field(default=7 * 24, ge=1)
    published_events_hours: int = Field(default=72, ge=1)  # the streams hold them meanwhile
    processor_events_hours: int = Field(default=30 * 24, ge=1)  # webhook retries of a processor
    expired_tokens_hours: int = Field(default=7 * 24, ge=0)  # after their expiry


@dataclass(frozen=True, slots=True)
class PurgeRule:
    """Rows of `column`'s table whose `column` is older than `retention` go."""

    column: Column[object]
    retention: timedelta

    @property
    def table_name(self) -> str:
        table = self.column.table
        return f"{table.schema}.{table.name}" if table.schema else table.name


async def purge_batch(
    session_factory: async_sessionmaker[AsyncSession], rule: PurgeRule, batch_size: int
) -> int:
    """Delete at most `batch_size` rows past `rule`'s retention, in one transaction; how many."""
    table = rule.column.table
    cutoff = func.now() - literal(rule.retention, Interval())
    ctid: ColumnElement[Any] = literal_column("ctid")
    batch = (
        select(ctid)
        .select_from(table)
        .where(rule.column < cutoff)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    statement = delete(table).where(
        rule.column < cutoff, ctid == any_(func.array(batch.scalar_subquery()))
    )
    async with transaction(session_factory) as session:
        result = await session.execute(statement)
    deleted = int(result.rowcount)  # type: ignore[attr-defined]
    metrics.PURGED_ROWS.labels(rule.table_name).inc(deleted)
    return deleted


async def purge(
    session_factory: async_sessionmaker[AsyncSession],
    rules: list[PurgeRule],
    options: PurgeSettings,
    stop: asyncio.Event | None = None,
) -> dict[str, int]:
    """One pass: every rule's expired rows, batch after batch until a batch comes short (or
    `stop` is set). Rows deleted per table."""
    stop = stop or asyncio.Event()
    purged: dict[str, int] = {}
    for rule in rules:
        total = 0
        while not stop.is_set():
            deleted = await purge_batch(session_factory, rule, options.batch_size)
            total += deleted
            if deleted < options.batch_size:
                break
            await pause(stop, options.pause_seconds)
        purged[rule.table_name] = total
    return purged


async def run_purges(
    session_factory: async_sessionmaker[AsyncSession],
    rules: list[PurgeRule],
    options: PurgeSettings,
    stop: asyncio.Event,
) -> None:
    """A pass at start and every `interval_seconds` until `stop` is set. A failed pass (the
    database away) is logged and tried again at the next interval."""
    while not stop.is_set():
        try:
            purged = await purge(session_factory, rules, options, stop)
        except Exception as exc:
            logger.warning("purge failed", extra={"error": repr(exc)})
        else:
            if any(purged.values()):
                logger.info("purged", extra={"rows": purged})
        await pause(stop, options.interval_seconds)


async def purge_now(settings: Settings, options: PurgeSettings) -> dict[str, int]:
    """Entry point of `mfe purge`: one pass of the platform's rules."""
    async with open_resources(settings) as resources:
        return await purge(resources.session_factory, registered_rules(options), options)


PURGE_RULES_SPEC = "subgraphs.purge:platform_purge_rules"
"""Where the platform's rules are listed (`shared` never imports `subgraphs` directly)."""


def registered_rules(options: PurgeSettings) -> list[PurgeRule]:
    build: Callable[[PurgeSettings], list[PurgeRule]] = resolve(PURGE_RULES_SPEC)
    return build(options)
