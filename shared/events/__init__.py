"""The event hub's publishing side: events are written to the outbox in the caller's transaction."""

from shared.events.outbox import OutboxEvent, record_event

__all__ = ["OutboxEvent", "record_event"]
