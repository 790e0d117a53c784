"""The state of the hub at a glance (`mfe events`, and the backlog gauges of `/metrics`): each
stream's length, pending and unread messages per consumer group, dead letters, outbox backlog."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from shared.config import Settings
from shared.events.outbox import OutboxEvent
from shared.events.streams import DEAD_LETTER_PREFIX, TOPIC_PREFIX
from shared.graphql.context import Resources
from shared.models import utcnow
from shared.observability import metrics
from shared.resources import open_resources

logger = logging.getLogger("events.inspect")


@dataclass(frozen=True, slots=True)
class GroupStats:
    name: str
    consumers: int
    pending: int
    lag: int | None  # entries not yet read by the group (None when Redis cannot tell)


@dataclass(frozen=True, slots=True)
class StreamStats:
    stream: str
    length: int
    groups: list[GroupStats] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EventsReport:
    streams: list[StreamStats]
    dead_letters: dict[str, int]  # consumer → messages in its dead-letter stream
    outbox_unpublished: int
    outbox_lag_seconds: float

    @property
    def healthy(self) -> bool:
        """Nothing dead-lettered and nothing waiting long (a minute) in the outbox."""
        return not any(self.dead_letters.values()) and self.outbox_lag_seconds < 60

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}

    def render(self) -> str:
        """A plain-text table for a terminal."""
        lines = [f"{'STREAM':<40} {'LENGTH':>8}  {'GROUP':<16} {'PENDING':>8} {'LAG':>8}"]
        for stream in self.streams:
            groups = stream.groups or [GroupStats("-", 0, 0, None)]
            for index, group in enumerate(groups):
                name = stream.stream if index == 0 else ""
                length = str(stream.length) if index == 0 else ""
                lag = "?" if group.lag is None else str(group.lag)
                lines.append(
                    f"{name:<40} {length:>8}  {group.name:<16} {group.pending:>8} {lag:>8}"
                )
        if not self.streams:
            lines.append("(no event streams yet)")
        lines.append("")
        dead = ", ".join(f"{name}: {count}" for name, count in self.dead_letters.items())
        lines.append(f"dead letters: {dead or 'none'}")
        lines.append(
            f"outbox: {self.outbox_unpublished} unpublished, oldest {self.outbox_lag_seconds:.1f} s"
        )
        lines.append(f"status: {'healthy' if self.healthy else 'ATTENTION'}")
        return "\n".join(lines)


async def _streams(redis: Redis, prefix: str) -> list[str]:
    return sorted([key async for key in redis.scan_iter(match=f"{prefix}*", _type="STREAM")])


async def stream_stats(redis: Redis) -> list[StreamStats]:
    stats = []
    for stream in await _streams(redis, TOPIC_PREFIX):
        groups = [
            GroupStats(
                name=info["name"],
                consumers=int(info["consumers"]),
                pending=int(info["pending"]),
                lag=None if info.get("lag") is None else int(info["lag"]),
            )
            for info in await redis.xinfo_groups(stream)
        ]
        stats.append(StreamStats(stream, int(await redis.xlen(stream)), groups))
    return stats


async def dead_letter_counts(redis: Redis) -> dict[str, int]:
    return {
        stream.removeprefix(DEAD_LETTER_PREFIX): int(await redis.xlen(stream))
        for stream in await _streams(redis, DEAD_LETTER_PREFIX)
    }


async def outbox_backlog(session: AsyncSession) -> tuple[int, float]:
    """Unpublished rows and the age in seconds of the oldest (the partial index serves it)."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(col(OutboxEvent.created_at))).where(
                col(OutboxEvent.published_at).is_(None)
            )
        )
    ).one()
    return int(count), (utcnow() - oldest).total_seconds() if oldest else 0.0


async def collect_report(
    session_factory: async_sessionmaker[AsyncSession], redis: Redis
) -> EventsReport:
    """The report, also written to the backlog gauges of `/metrics`."""
    async with session_factory() as session:
        unpublished, lag = await outbox_backlog(session)
    report = EventsReport(
        await stream_stats(redis), await dead_letter_counts(redis), unpublished, lag
    )
    observe(report)
    return report


def observe(report: EventsReport) -> None:
    metrics.OUTBOX_UNPUBLISHED.set(report.outbox_unpublished)
    metrics.OUTBOX_LAG.set(report.outbox_lag_seconds)
    for stream in report.streams:
        metrics.STREAM_LENGTH.labels(stream.stream).set(stream.length)
        for group in stream.groups:
            metrics.STREAM_PENDING.labels(stream.stream, group.name).set(group.pending)
            if group.lag is not None:
                metrics.STREAM_LAG.labels(stream.stream, group.name).set(group.lag)
    for consumer, count in report.dead_letters.items():
        metrics.DEAD_LETTERS.labels(consumer).set(count)


async def events_report(settings: Settings) -> EventsReport:
    """Entry point of `mfe events`: `print(report.render())` or `report.as_dict()` as JSON."""
    async with open_resources(settings) as resources:
        return await collect_report(resources.session_factory, resources.redis)


BACKLOG_TIMEOUT_SECONDS = 2.0


async def refresh_backlog_metrics(resources: Resources) -> None:
    """Bring the outbox and stream gauges up to date before `/metrics` answers; a slow or
    unreachable database or Redis leaves them as they were rather than failing the scrape."""
    try:
        async with asyncio.timeout(BACKLOG_TIMEOUT_SECONDS):
            await collect_report(resources.session_factory, resources.redis)
    except (RedisError, SQLAlchemyError, OSError, TimeoutError) as exc:
        logger.warning("event backlog unavailable for metrics", extra={"error": repr(exc)})
