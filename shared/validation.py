"""Turning transport inputs into validated domain commands (pydantic, camelCase field names)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel
from strawberry import UNSET

from shared.errors import ValidationFailed, validation_details

Command = TypeVar("Command", bound=BaseModel)
T = TypeVar("T")


# PostgreSQL text cannot hold NUL (U+0000): refused in every command, and documented so.
NO_NUL = r"^[^\u0000]*$"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def document_no_nul(schema: Any) -> None:
    """Add the NO_NUL pattern to every free-text string of a JSON schema (in place)."""
    if isinstance(schema, list):
        for item in schema:
            document_no_nul(item)
        return
    if not isinstance(schema, dict):
        return
    free_text = schema.get("type") == "string" and not {"format", "enum", "const"} & set(schema)
    if free_text and schema.get("pattern") != NO_NUL:
        if "pattern" in schema:
            schema.setdefault("allOf", []).append({"pattern": NO_NUL})
        else:
            schema["pattern"] = NO_NUL
    for key, value in schema.items():
        if key not in ("enum", "const", "default", "examples"):
            document_no_nul(value)


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

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("Text may not contain NUL (U+0000) characters")
        return value

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema = super().model_json_schema(*args, **kwargs)
        document_no_nul(schema)
        return schema


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
