"""Prometheus metrics beyond the request counters of `shared.http.middleware`: database pools,
the outbox backlog, event streams and rate-limit rejections. Everything lands in the default
registry, which every subgraph's `/metrics` serves."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

EVENTS_PUBLISHED = Counter(
    "events_published_total", "Outbox events the relay published to a stream", ["topic"]
)
EVENTS_HANDLED = Counter(
    "events_handled_total",
    "Stream messages a consumer finished: processed, duplicate or dead_lettered",
    ["consumer", "outcome"],
)
EVENT_HANDLER_FAILURES = Counter(
    "event_handler_failures_total", "Handler attempts that raised", ["consumer"]
)
OUTBOX_UNPUBLISHED = Gauge("outbox_unpublished", "Outbox rows not yet published")
OUTBOX_LAG = Gauge(
    "outbox_lag_seconds", "Age of the oldest unpublished outbox row (0 when none is waiting)"
)
STREAM_LENGTH = Gauge("event_stream_length", "Entries in an event stream", ["stream"])
STREAM_PENDING = Gauge(
    "event_stream_pending", "Delivered but unacknowledged messages", ["stream", "group"]
)
STREAM_LAG = Gauge(
    "event_stream_lag", "Entries a consumer group has not read yet", ["stream", "group"]
)
DEAD_LETTERS = Gauge(
    "event_dead_letters", "Messages in a consumer's dead-letter stream", ["consumer"]
)
PURGED_ROWS = Counter(
    "purged_rows_total", "Rows deleted past their retention (shared.purge)", ["table"]
)
RATE_LIMIT_REJECTIONS = Counter(
    "rate_limit_rejections_total", "Requests refused by a rate limit or throttle", ["scope"]
)


class PoolCollector(Collector):
    """Connections in use, idle and overflowing, summed over the live engines of the process."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        in_use = idle = overflow = size = 0
        for engine in list(self.engines):
            pool = engine.sync_engine.pool
            if isinstance(pool, QueuePool):
                in_use += pool.checkedout()
                idle += pool.checkedin()
                overflow += max(pool.overflow(), 0)
                size += pool.size()
        yield GaugeMetricFamily("db_pool_size", "Configured pool size", value=size)
        yield GaugeMetricFamily("db_pool_in_use", "Connections checked out", value=in_use)
        yield GaugeMetricFamily("db_pool_idle", "Connections idle in the pool", value=idle)
        yield GaugeMetricFamily("db_pool_overflow", "Connections beyond the size", value=overflow)


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def serve_metrics(host: str, port: int | None) -> None:
    """Serve the default registry on `host:port` from a background thread (processes that
    have no HTTP app of their own: relay, consumers). Nothing when `port` is None."""
    if port is not None:
        start_http_server(port, addr=host)


def track_pool(engine: AsyncEngine) -> None:
    """Report `engine`'s pool in the `db_pool_*` gauges while the engine lives."""
    POOLS.engines.add(engine)
