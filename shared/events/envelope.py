"""The envelope every event travels in (what `record_event` writes and consumers receive)."""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from shared.events.catalog import PAYLOADS, EventData

DataT = TypeVar("DataT", bound=EventData)


class UnknownEventType(LookupError):
    """An envelope whose type has no payload model in the catalog."""


class Envelope(BaseModel):
    """id (UUID, also the outbox row's id), type, version, occurred_at, actor, data; and the
    W3C `traceparent` of the request that caused the event, when there was a trace."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    actor: uuid.UUID | None = None
    data: dict[str, Any]
    traceparent: str | None = None

    def payload(self, model: builtins.type[DataT]) -> DataT:
        """The data validated as `model` (a handler that knows which event it handles)."""
        return model.model_validate(self.data)

    def typed(self) -> EventData:
        """The data validated as the catalog's model for this envelope's type."""
        model = PAYLOADS.get(self.type)
        if model is None:
            raise UnknownEventType(self.type)
        return model.model_validate(self.data)
