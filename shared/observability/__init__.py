"""Metrics (Prometheus), traces (OpenTelemetry over OTLP) and error reports (Sentry) of every
process. `setup_observability` is called once per process; it costs nothing when the
endpoints are not configured."""

from __future__ import annotations

from shared.config import Settings
from shared.observability.errors import configure_sentry
from shared.observability.tracing import configure_tracing

_configured: set[str] = set()


def setup_observability(settings: Settings, service: str) -> None:
    """Tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, Sentry when `SENTRY_DSN` is."""
    if _configured:
        return
    _configured.add(service)
    configure_tracing(settings, service)
    configure_sentry(settings, service)
