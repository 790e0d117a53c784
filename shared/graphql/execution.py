"""graphql-core's executor with a fast path for plain leaf fields.

A page of 20 payments with their ledgers is ~700 fields, nearly all of them plain: a Strawberry
field with no resolver, arguments or extensions whose type is a scalar or an enum. graphql-core
builds a resolve info for each, calls Strawberry's resolver wrapper and walks its value
completion (non-null, list, leaf): ~10 µs a field, most of a list's CPU. Here such a field is
read from its object and serialised in one step. Whatever is not ordinary — a null where the
type forbids one, a value its scalar refuses, a source without the attribute — takes the
standard path, so answers and errors stay exactly graphql-core's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField


class PlainField(NamedTuple):
    """How to read and serialise one plain field."""

    read: Callable[[Any, str], Any]
    attribute: str
    serialise: Callable[[Any], Any]
    non_null: bool


_PLAIN: WeakKeyDictionary[GraphQLObjectType, dict[str, PlainField | None]] = WeakKeyDictionary()


def plain_field(field: GraphQLField) -> PlainField | None:
    """The reading of `field` when it is plain (see the module), else None."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainField(
        definition.default_resolver, definition.python_name, named.coerce_output_value, non_null
    )


def _plain_fields(parent_type: GraphQLObjectType) -> dict[str, PlainField | None]:
    table = _PLAIN.get(parent_type)
    if table is None:
        table = {name: plain_field(field) for name, field in parent_type.fields.items()}
        _PLAIN[parent_type] = table
    return table


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain leaf fields completed in one step."""

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plain = _plain_fields(parent_type)
        fast: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            reading = None if node.arguments else plain.get(node.name.value)
            value = _read(reading, source_value) if reading else Undefined
            if value is Undefined:
                rest[response_name] = field_details_list
            else:
                fast[response_name] = value
        if not rest:
            return fast
        if not fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        others = super().execute_fields(parent_type, source_value, path, rest, position_context)
        order = list(grouped_field_set)
        if self.is_awaitable(others):

            async def merged() -> dict[str, Any]:
                return _in_order(order, fast, await others)

            return merged()
        return _in_order(order, fast, others)  # type: ignore[arg-type]


def _read(reading: PlainField, source: Any) -> Any:
    """The serialised value, or Undefined when the standard path must decide."""
    try:
        value = reading.read(source, reading.attribute)
        if value is None:
            return Undefined if reading.non_null else None
        serialised = reading.serialise(value)
    except Exception:
        return Undefined
    return Undefined if serialised is None or serialised is Undefined else serialised


def _in_order(order: list[str], fast: dict[str, Any], others: dict[str, Any]) -> dict[str, Any]:
    """The response keys in the order the selection asked for them."""
    return {
        key: fast[key] if key in fast else others[key]
        for key in order
        if key in fast or key in others
    }
