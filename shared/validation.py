"""Turning transport inputs into validated domain commands (pydantic, camelCase field names)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from strawberry import UNSET

from shared.errors import ValidationFailed, validation_details

Command = TypeVar("Command", bound=BaseModel)
T = TypeVar("T")


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


def command_input(model: type[BaseModel]) -> Callable[[type[T]], type[T]]:
    """`@command_input(commands.Register)` on a class: a Strawberry input whose values the
    service receives as `model` (see `to_command`). The REST OpenAPI document describes the
    body with the model's JSON schema, so the documented constraints are the enforced ones."""

    def decorate(cls: type[T]) -> type[T]:
        cls.__command__ = model  # type: ignore[attr-defined]
        return strawberry.input(cls)

    return decorate


def command_of(input_class: type) -> type[BaseModel] | None:
    model = getattr(input_class, "__command__", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def to_command(value: Any) -> Any:
    """Validate a `command_input` value as its command model."""
    model = command_of(type(value))
    if model is None:
        raise TypeError(f"{type(value).__name__} is not a command input")
    return parse_command(model, value)


def parse_command(model: type[Command], data: Any) -> Command:
    """Validate `data` (a dict or a Strawberry input) as `model`; raise VALIDATION_ERROR with
    one detail per field otherwise."""
    try:
        return model.model_validate(_plain(data), by_alias=True)
    except ValidationError as exc:
        details = validation_details(exc.errors())  # type: ignore[arg-type]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise ValidationFailed(summary, details=details) from None
