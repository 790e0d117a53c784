"""Optional error reporting to Sentry, on only when `SENTRY_DSN` is set."""

from __future__ import annotations

from shared.config import Settings


def configure_sentry(settings: Settings, service: str) -> bool:
    if not settings.sentry_dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.app_env.value,
        server_name=service,
        send_default_pii=False,  # no client IPs, cookies or bodies
        traces_sample_rate=0.0,  # traces go to OpenTelemetry
    )
    sentry_sdk.set_tag("service", service)
    return True
