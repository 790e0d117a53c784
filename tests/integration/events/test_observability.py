"""Observability of a subgraph: `/metrics` carries pool, outbox, stream and rate-limit series;
a caller's `traceparent` continues into the request's span and its SQL spans, and log lines
carry the trace id beside the request id."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from redis.asyncio import Redis

from shared.config import Settings
from shared.events import catalog
from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from shared.logs import JsonFormatter
from shared.observability import tracing
from shared.observability.errors import configure_sentry
from shared.observability.metrics import serve_metrics
from shared.resources import open_resources
from subgraphs.auth.app import create_app
from tests.harness import free_port
from tests.integration.events.conftest import RecordEvents

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """Tracing on, into memory (the provider is process-wide, so it is installed once)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    monkeypatch.setitem(tracing._state, "enabled", True)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The JSON lines the access logger writes while the test runs."""
    output = io.StringIO()
    handler = logging.StreamHandler(output)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("access")
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    yield output
    access.removeHandler(handler)
    access.setLevel(level)


async def test_metrics_show_pools_outbox_streams_and_rate_limits(
    client_for: Callable[..., Any],
    resources: Resources,
    redis: Redis,
    record_payments: RecordEvents,
) -> None:
    await record_payments(2)
    await Relay(
        resources.session_factory,
        redis,
        EventSettings(relay_batch_size=1, _env_file=None),  # type: ignore[call-arg]
    ).publish_batch()
    await redis.xgroup_create("events:payment.created", "audit", id="0")
    hub = Resources(resources.settings, resources.session_factory, redis)

    async with client_for(lambda s, _: create_app(s, hub)) as api:
        body = (await api.http.get("/metrics")).text

    assert "db_pool_in_use" in body
    assert "db_pool_size" in body
    assert "outbox_unpublished 1.0" in body
    assert "outbox_lag_seconds" in body
    assert 'event_stream_pending{group="audit",stream="events:payment.created"} 0.0' in body
    assert "rate_limit_rejections_total" in body
    assert f'events_published_total{{topic="{catalog.PAYMENT_CREATED}"}}' in body


async def test_a_traceparent_continues_into_the_request_and_its_sql(
    settings: Settings, client_for: Callable[..., Any], spans: InMemorySpanExporter
) -> None:
    # The engine is made while tracing is on, as a service's is when it starts.
    async with (
        open_resources(settings) as traced,
        client_for(lambda s, _: create_app(s, traced)) as api,
    ):
        response = await api.http.get("/ready", headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200

    finished = spans.get_finished_spans()
    (server,) = [span for span in finished if span.kind is SpanKind.SERVER]
    sql = [span for span in finished if span.kind is SpanKind.CLIENT]
    assert server.name == "GET /ready"
    assert format(server.context.trace_id, "032x") == TRACE_ID
    assert server.parent is not None and server.parent.span_id == 0xB7AD6B7169203331
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 200
    assert sql, "no SQL span"
    assert all(span.context.trace_id == server.context.trace_id for span in sql)
    assert all(span.parent is not None for span in sql)
    assert sql[0].attributes is not None
    assert sql[0].attributes["db.statement"] == "SELECT 1"


async def test_log_lines_carry_the_trace_id_beside_the_request_id(
    client_for: Callable[..., Any], access_log: io.StringIO
) -> None:
    # Tracing is off here: the caller's trace id still reaches the log line.
    async with client_for(create_app) as api:
        await api.http.get("/health", headers={"traceparent": TRACEPARENT, "X-Request-ID": "req-1"})

    line = json.loads(access_log.getvalue().splitlines()[-1])
    assert line["request_id"] == "req-1"
    assert line["trace_id"] == TRACE_ID


def test_sentry_stays_off_without_a_dsn(settings: Settings) -> None:
    assert configure_sentry(settings, "auth") is False
    assert tracing.configure_tracing(settings, "auth") is False


async def test_the_relay_and_consumer_processes_can_serve_metrics() -> None:
    port = free_port()
    serve_metrics("127.0.0.1", port)  # a daemon thread, as in `mfe relay`
    async with httpx.AsyncClient() as http:
        body = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    assert "events_handled_total" in body
    assert "db_pool_in_use" in body
