"""How events sit in Redis: one stream per topic, one dead-letter stream per consumer, and the
fields of a stream entry."""

from __future__ import annotations

import json
from typing import Any

from shared.events.envelope import Envelope

TOPIC_PREFIX = "events:"
DEAD_LETTER_PREFIX = "deadletter:"


def topic_stream(topic: str) -> str:
    return f"{TOPIC_PREFIX}{topic}"


def dead_letter_stream(consumer: str) -> str:
    return f"{DEAD_LETTER_PREFIX}{consumer}"


def entry_fields(event_id: str, topic: str, envelope: dict[str, Any] | str) -> dict[str, str]:
    """What the relay XADDs: the event id (= outbox id) so a re-sent row is recognisable, and
    the envelope as JSON (given as a dict, or already as JSON text)."""
    text = envelope if isinstance(envelope, str) else json.dumps(envelope)
    return {"id": event_id, "type": topic, "envelope": text}


def parse_entry(fields: dict[str, str]) -> Envelope:
    """The envelope of a stream entry (raises ValueError/ValidationError on a malformed one)."""
    return Envelope.model_validate_json(fields["envelope"])
