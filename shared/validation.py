"""Turning transport inputs into validated domain commands (pydantic, camelCase field names)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from strawberry import UNSET

from shared.errors import ValidationFailed, validation_details

Command = TypeVar("Command", bound=BaseModel)


class CommandModel(BaseModel):
    """A service input: validated once, field errors named as clients spell them (camelCase)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        str_strip_whitespace=False,
        frozen=True,
    )


def _plain(value: Any) -> Any:
    """A Strawberry input (a dataclass) as a dict keyed as clients spell it, unset fields out."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel(field.name): _plain(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def parse_command(model: type[Command], data: Any) -> Command:
    """Validate `data` (a dict or a Strawberry input) as `model`; raise VALIDATION_ERROR with
    one detail per field otherwise."""
    try:
        return model.model_validate(_plain(data), by_alias=True)
    except ValidationError as exc:
        details = validation_details(exc.errors())  # type: ignore[arg-type]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise ValidationFailed(summary, details=details) from None
