"""Prometheus metrics of the router, in a registry of its own (one per app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


@dataclass
class RouterMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "router_http_requests_total",
            "HTTP requests by route kind and status",
            ["kind", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "router_http_request_seconds",
            "Request latency by route kind",
            ["kind"],
            registry=self.registry,
        )
        self.rate_limit_failures = Counter(
            "router_rate_limit_backend_failures_total",
            "Requests let through because the rate-limit backend failed",
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "router_rate_limited_total", "Requests refused with 429", registry=self.registry
        )

        self._latency: dict[str, Any] = {}
        self._requests: dict[tuple[str, int], Any] = {}

    def observe(self, kind: str, status: int, seconds: float) -> None:
        """Count one request of ``kind`` answered with ``status`` in ``seconds`` (the labelled
        children are looked up once, not on every request)."""
        latency = self._latency.get(kind)
        if latency is None:
            latency = self._latency[kind] = self.latency.labels(kind)
        latency.observe(seconds)
        requests = self._requests.get((kind, status))
        if requests is None:
            requests = self._requests[(kind, status)] = self.requests.labels(kind, str(status))
        requests.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
