"""The event hub: events are written to the outbox in the caller's transaction (`record_event`),
a relay moves them to Redis Streams (`relay.run_relay`), consumer groups handle them once in
effect (`consumer.run_consumers`)."""

from shared.events.envelope import Envelope
from shared.events.outbox import OutboxEvent, record_event
from shared.events.processed import ProcessedEvent

__all__ = ["Envelope", "OutboxEvent", "ProcessedEvent", "record_event"]
