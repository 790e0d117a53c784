"""OpenTelemetry tracing with W3C `traceparent` propagation (router → subgraphs → SQL).

Spans are recorded and exported over OTLP/HTTP only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
Otherwise no tracer provider is installed and the API is a no-op, except that an incoming
`traceparent` still becomes the current context, so log lines carry the caller's trace id."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

if TYPE_CHECKING:  # SQLAlchemy only where an engine is instrumented (not on the router's path)
    from sqlalchemy.engine import Connection, ExceptionContext, ExecutionContext
    from sqlalchemy.ext.asyncio import AsyncEngine

    from shared.config import Settings

logger = logging.getLogger(__name__)

TRACER_NAME = "mfe"
_SPAN_ATTRIBUTE = "_mfe_span"
_state = {"enabled": False}


def configure_tracing(settings: Settings, service: str) -> bool:
    """Install the OTLP-exporting tracer provider when an endpoint is configured."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint or _state["enabled"]:
        return _state["enabled"]
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": service, "deployment.environment": settings.app_env.value}
        )
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _state["enabled"] = True
    logger.info("tracing to %s", endpoint)
    return True


def tracing_enabled() -> bool:
    return _state["enabled"]


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


@contextmanager
def server_span(
    carrier: Mapping[str, str],
    name: str,
    attributes: Mapping[str, Any] | None = None,
    kind: SpanKind = SpanKind.SERVER,
) -> Iterator[Span]:
    """The span of a request served (or an event consumed): child of the caller's
    `traceparent` when it sent one. When tracing is off only the caller's context is made
    current (for the log lines)."""
    parent = propagate.extract(carrier)
    token = context.attach(parent)
    try:
        if not tracing_enabled():
            yield trace.get_current_span()
            return
        with tracer().start_as_current_span(
            name, context=parent, kind=kind, attributes=dict(attributes or {})
        ) as span:
            yield span
    finally:
        context.detach(token)


def inject_trace_headers(headers: dict[str, str]) -> None:
    """Add `traceparent` (and `tracestate`) of the current span to outgoing `headers`."""
    propagate.inject(headers)


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, or None outside any trace."""
    headers: dict[str, str] = {}
    inject_trace_headers(headers)
    return headers.get("traceparent")


def current_trace_id() -> str | None:
    """The current trace id as 32 hex digits, or None outside any trace."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None


def instrument_engine(engine: AsyncEngine) -> None:
    """A client span per SQL statement (the statement text carries placeholders, never the
    bound values). Nothing is attached when tracing is off."""
    if not tracing_enabled():
        return
    from sqlalchemy import event

    target = engine.sync_engine

    @event.listens_for(target, "before_cursor_execute")
    def _start(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        execution: ExecutionContext,
        executemany: bool,
    ) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer().start_span(
            verb,
            kind=SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": statement[:2000]},
        )
        setattr(execution, _SPAN_ATTRIBUTE, span)

    @event.listens_for(target, "after_cursor_execute")
    def _end(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        execution: ExecutionContext,
        executemany: bool,
    ) -> None:
        span: Span | None = getattr(execution, _SPAN_ATTRIBUTE, None)
        if span is not None:
            span.end()

    @event.listens_for(target, "handle_error")
    def _failed(exception_context: ExceptionContext) -> None:
        execution = exception_context.execution_context
        span: Span | None = getattr(execution, _SPAN_ATTRIBUTE, None) if execution else None
        if span is not None:
            span.record_exception(exception_context.original_exception)
            span.set_status(Status(StatusCode.ERROR))
            span.end()
