"""The platform's rows that stop mattering, and when (read by `shared.purge`: the consumers
process, `mfe purge`)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col

from shared.events.outbox import OutboxEvent
from shared.events.processed import ProcessedEvent
from shared.purge import PurgeRule, PurgeSettings
from subgraphs.auth.models import PasswordResetToken, RefreshToken
from subgraphs.payments.models import IdempotencyKey, ProcessorEvent


def platform_purge_rules(options: PurgeSettings) -> list[PurgeRule]:
    def hours(n: int) -> timedelta:
        return timedelta(hours=n)

    return [
        # An expired key no longer answers a repeat (a new request may claim it again).
        PurgeRule(col(IdempotencyKey.expires_at), timedelta(0)),
        PurgeRule(col(ProcessedEvent.processed_at), hours(options.processed_events_hours)),
        PurgeRule(col(OutboxEvent.published_at), hours(options.published_events_hours)),
        PurgeRule(col(ProcessorEvent.received_at), hours(options.processor_events_hours)),
        PurgeRule(col(RefreshToken.expires_at), hours(options.expired_tokens_hours)),
        PurgeRule(col(PasswordResetToken.expires_at), hours(options.expired_tokens_hours)),
    ]
