"""The envelope and the catalog: every event type the hub carries has a typed payload."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from shared.events import Envelope, catalog
from shared.events.envelope import UnknownEventType
from shared.events.streams import entry_fields, parse_entry

ISSUE_EVENT_TYPES = {
    "user.registered",
    "user.role_changed",
    "user.deactivated",
    "auth.login_failed",
    "auth.login_succeeded",
    "auth.refresh_reuse_detected",
    "auth.password_changed",
    "payment.created",
    "payment.status_changed",
}


def envelope(event_type: str, data: dict[str, object]) -> Envelope:
    return Envelope(
        id=uuid.uuid4(),
        type=event_type,
        version=1,
        occurred_at="2026-11-25T05:00:00+00:00",  # type: ignore[arg-type]
        actor=None,
        data=data,
    )


def test_every_event_type_has_a_payload_model() -> None:
    assert set(catalog.PAYLOADS) >= ISSUE_EVENT_TYPES
    assert all(issubclass(model, catalog.EventData) for model in catalog.PAYLOADS.values())


def test_typed_data_is_validated_against_the_catalog() -> None:
    user_id = uuid.uuid4()
    event = envelope(
        catalog.USER_DEACTIVATED,
        {"user_id": str(user_id), "deactivated_by": str(uuid.uuid4())},
    )

    data = event.typed()

    assert isinstance(data, catalog.UserDeactivated)
    assert data.user_id == user_id
    assert event.payload(catalog.UserDeactivated) == data


def test_invalid_or_unknown_data_is_refused() -> None:
    with pytest.raises(ValidationError):
        envelope(catalog.USER_DEACTIVATED, {"user_id": "nope"}).typed()
    with pytest.raises(UnknownEventType):
        envelope("nobody.knows", {}).typed()


def test_a_stream_entry_round_trips_the_envelope() -> None:
    original = envelope(catalog.USER_DEACTIVATED, {"user_id": str(uuid.uuid4())})
    fields = entry_fields(str(original.id), original.type, original.model_dump(mode="json"))

    assert fields["id"] == str(original.id)
    assert parse_entry(fields) == original
