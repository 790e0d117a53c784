"""Prometheus metrics of the router, in a registry of its own (one per app)."""

from __future__ import annotations

from dataclasses import dataclass, field

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

    def render(self) -> bytes:
        return generate_latest(self.registry)
