"""Settings of the payments domain, read from the environment (`PAYMENTS_*`)."""

from __future__ import annotations

from enum import StrEnum

from pydantic_settings import BaseSettings, SettingsConfigDict


class ProcessorKind(StrEnum):
    INTERNAL = "internal"  # the internal ledger settles a customer payment at once
    EXTERNAL = "external"  # an outside processor reports outcomes through the signed webhook


class PaymentsSettings(BaseSettings):
    """`PAYMENTS_PROCESSOR` chooses the processor; `PAYMENTS_WEBHOOK_SECRET` is the secret the
    processor signs webhooks with (the webhook is refused while it is unset)."""

    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", env_file=".env", extra="ignore")

    processor: ProcessorKind = ProcessorKind.INTERNAL
    webhook_secret: str | None = None
    webhook_tolerance_seconds: int = 300
    idempotency_ttl_hours: int = 24
