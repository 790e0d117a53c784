"""Compile a route declaration against the schema: the GraphQL document it runs, how request
parts become variables, and how the result becomes JSON (Decimal scalars as exact numbers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

import orjson
from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_non_null_type,
    validate_input_value,
)
from strawberry.types.field import StrawberryField

from shared.errors import ValidationFailed
from shared.graphql.permissions import access_of
from shared.graphql.prepared import PreparedOperation
from shared.graphql.schema import without_echoed_values
from shared.rbac import Access
from shared.rest.routes import RestRoute

MAX_SELECTION_DEPTH = 4
DECIMAL_SCALAR = "Decimal"

OperationType = Literal["query", "mutation"]


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    route: RestRoute
    operation_type: OperationType
    field: GraphQLField
    access: Access
    document: str
    prepared: PreparedOperation  # `document`, parsed and validated once

    @property
    def output_type(self) -> GraphQLOutputType:
        return self.field.type


def compile_route(schema: Any, route: RestRoute) -> CompiledRoute:
    """Compile against a Strawberry schema whose root field `route.field` declares its access."""
    graphql_schema: GraphQLSchema = schema._schema
    operation_type: OperationType
    root: GraphQLObjectType | None
    if route.method == "GET":
        operation_type, root = "query", graphql_schema.query_type
    else:
        operation_type, root = "mutation", graphql_schema.mutation_type
    if root is None or route.field not in root.fields:
        raise LookupError(f"{route.method} {route.path}: no {operation_type} field {route.field!r}")
    field = root.fields[route.field]
    strawberry_field = schema.get_field_for_type(route.field, root.name)
    access = access_of(strawberry_field) if isinstance(strawberry_field, StrawberryField) else None
    if access is None:
        raise LookupError(f"{route.field}: the field declares no access (use guard(...))")
    named = [route.body_arg, route.query_arg, route.upload_arg]
    for name in [*route.path_params, *named, *route.headers.values()]:
        if name is not None and name not in field.args:
            raise LookupError(
                f"{route.method} {route.path}: {route.field} has no argument {name!r}"
            )
    declarations = ", ".join(f"${name}: {arg.type}" for name, arg in field.args.items())
    arguments = ", ".join(f"{name}: ${name}" for name in field.args)
    selection = route.selection or selection_for(field.type)
    document = (
        f"{operation_type} Rest"
        + (f"({declarations})" if declarations else "")
        + " { "
        + route.field
        + (f"({arguments})" if arguments else "")
        + (f" {selection}" if selection else "")
        + " }"
    )
    prepared = PreparedOperation.prepare(schema, document)
    return CompiledRoute(route, operation_type, field, access, document, prepared)


def selection_for(
    type_: GraphQLOutputType, depth: int = 0, path: frozenset[str] = frozenset()
) -> str:
    """Every field reachable without required arguments, to a bounded depth, no cycles."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if is_abstract_type(named):
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType)
    parts: list[str] = []
    for name, field in named.fields.items():
        if name.startswith("_") or _has_required_args(field):
            continue
        child = get_named_type(field.type)
        if is_leaf_type(child):
            parts.append(name)
        elif depth < MAX_SELECTION_DEPTH and child.name not in path | {named.name}:
            sub = selection_for(field.type, depth + 1, path | {named.name})
            if sub:
                parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }" if parts else ""


def _has_required_args(field: GraphQLField) -> bool:
    return any(
        is_non_null_type(arg.type) and arg.default_value is Undefined for arg in field.args.values()
    )


def text_to_input(value: list[str], type_: GraphQLInputType, name: str) -> Any:
    """Query-string values (always text) to the variable an argument of `type_` expects."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(inner, GraphQLList):
        items = [part for item in value for part in item.split(",") if part]
        return [text_to_input([item], inner.of_type, name) for item in items]
    text = value[-1]
    scalar = get_named_type(inner).name
    try:
        if scalar == "Int":
            return int(text)
        if scalar == "Float":
            return float(text)
    except ValueError:
        raise ValidationFailed(
            f"{name}: must be a number", details=[{"field": name, "message": "must be a number"}]
        ) from None
    if scalar == "Boolean":
        lowered = text.lower()
        if lowered not in {"true", "false", "1", "0"}:
            raise ValidationFailed(
                f"{name}: must be true or false",
                details=[{"field": name, "message": "must be true or false"}],
            )
        return lowered in {"true", "1"}
    return text


def query_variables(compiled: CompiledRoute, params: dict[str, list[str]]) -> dict[str, Any]:
    """Map query parameters onto the arguments (or the input object of `query_arg`)."""
    args = compiled.field.args
    if compiled.route.query_arg:
        target = get_named_type(args[compiled.route.query_arg].type)
        assert isinstance(target, GraphQLInputObjectType)
        fields = {name: f.type for name, f in target.fields.items()}
        collected = {
            name: text_to_input(values, fields[name], name)
            for name, values in params.items()
            if name in fields
        }
        return {compiled.route.query_arg: collected}
    return {
        name: text_to_input(values, args[name].type, name)
        for name, values in params.items()
        if name in args and name not in compiled.route.path_params
    }


def to_json_ready(value: Any, type_: GraphQLOutputType) -> Any:
    """Turn the serialised Decimal scalars of a result back into Decimals, following the type.
    Only the fields whose type can hold a Decimal are visited (in place): a page of payments
    is walked through its amounts, not through every field. The walk is compiled once per
    type (`_converter`)."""
    convert = _converter(type_)
    return value if convert is None else convert(value)


Converter = Callable[[Any], Any]


@cache
def _converter(type_: GraphQLOutputType) -> Converter | None:
    """What `to_json_ready` does to a value of `type_`; None when it leaves it as it is."""
    if isinstance(type_, GraphQLNonNull):
        return _converter(type_.of_type)
    if isinstance(type_, GraphQLList):
        item = _converter(type_.of_type)
        if item is None:
            return None

        def convert_list(value: Any) -> Any:
            return None if value is None else [item(entry) for entry in value]

        return convert_list
    named: GraphQLNamedType = get_named_type(type_)
    if named.name == DECIMAL_SCALAR:
        return _decimal
    fields = _decimal_fields(named)
    if not fields:
        return None

    def convert_object(value: Any) -> Any:
        if isinstance(value, dict):
            for name, field_type in fields:
                if name in value:
                    # Looked up here, not when compiling: types may refer to each other.
                    convert = _converter(field_type)
                    if convert is not None:
                        value[name] = convert(value[name])
        return value

    return convert_object


# A Decimal's text that is also the JSON number it is written as: `format(Decimal(text), "f")`
# gives these characters back (no exponent, no sign but `-`, no leading zeros, digits after a
# point kept, trailing zeros included).
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")


def _decimal(value: Any) -> Any:
    """A Decimal scalar's text as the exact JSON number `shared.http.responses` writes for it:
    the text itself when it is already that number (nearly always: amounts as PostgreSQL
    stores them), without a Decimal made and formatted again; otherwise the Decimal."""
    if value is None:
        return None
    if type(value) is str and _PLAIN_NUMBER.fullmatch(value):
        return orjson.Fragment(value.encode())
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return value


@cache
def _decimal_fields(named: GraphQLNamedType) -> tuple[tuple[str, GraphQLOutputType], ...]:
    """The fields of an object type that can hold a Decimal."""
    if not isinstance(named, GraphQLObjectType):
        return ()
    return tuple(
        (name, field.type)
        for name, field in named.fields.items()
        if _reaches_decimal(get_named_type(field.type), set())
    )


def _reaches_decimal(named: GraphQLNamedType, seen: set[GraphQLNamedType]) -> bool:
    if named.name == DECIMAL_SCALAR:
        return True
    if not isinstance(named, GraphQLObjectType) or named in seen:
        return False
    seen.add(named)
    return any(_reaches_decimal(get_named_type(f.type), seen) for f in named.fields.values())


_NAMED_FIELD = re.compile(r"(required|unknown) field '([^']+)'")


def check_input(value: Any, type_: GraphQLInputType) -> None:
    """Validate a body against its GraphQL input type, one detail per offending field, with
    messages that never echo the submitted values."""
    details: list[dict[str, str]] = []

    def collect(error: GraphQLError, path: list[str | int]) -> None:
        parts = [str(part) for part in path]
        named = _NAMED_FIELD.search(error.message)
        if named:
            parts.append(named.group(2))
            message = "is required" if named.group(1) == "required" else "is not an accepted field"
        else:
            message = without_echoed_values(error.message)
        details.append({"field": ".".join(parts), "message": message})

    validate_input_value(value, type_, collect, True)
    if details:
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        raise ValidationFailed(summary, details=details)


_AT_PATH = re.compile(r"at '([^']+)'")
_FIELD = re.compile(r"Field '([^']+)'")
_VARIABLE = re.compile(r"Variable '\$(\w+)'")


def field_of_graphql_error(message: str, body_arg: str | None) -> str:
    """Best-effort name of the offending field in a variable-coercion message."""
    parts: list[str] = []
    variable = _VARIABLE.search(message)
    if at := _AT_PATH.search(message):
        parts.extend(at.group(1).split("."))
    elif variable:
        parts.append(variable.group(1))
    if field := _FIELD.search(message):
        parts.append(field.group(1))
    if body_arg and parts and parts[0] == body_arg:
        parts = parts[1:]
    return ".".join(parts)


def validation_message(message: str) -> str:
    """The useful half of graphql-core's `Variable '$x' got invalid value …; reason` text."""
    _, sep, reason = message.partition("; ")
    return reason.strip() if sep else message
