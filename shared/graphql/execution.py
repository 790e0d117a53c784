"""graphql-core's executor with a fast path for plain fields and plain objects.

A page of 20 payments with their ledgers is ~700 fields, nearly all of them plain: a Strawberry
field with no resolver, arguments or extensions, read from its object. graphql-core builds a
resolve info for each, calls Strawberry's resolver wrapper and walks its value completion
(non-null, list, leaf, object): ~10 µs a field, most of a list's CPU. Here:

- a plain field of a scalar or enum type is read and serialised in one step;
- an object whose selection holds only such fields, `__typename` and plain fields of such
  objects (a ledger row, a user reference) is completed by a plan compiled once per selection.

Whatever is not ordinary — a null where the type forbids one, a value its scalar refuses, a
source without the attribute, a resolver — takes the standard path, for that object or field,
so answers and errors stay exactly graphql-core's (pure reads may be read twice)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.language import FieldNode, FragmentSpreadNode, SelectionSetNode
from graphql.pyutils import AwaitableOrValue, Path
from graphql.type.scalars import serialize_boolean, serialize_id, serialize_string
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

TYPENAME = "__typename"


class PlainField(NamedTuple):
    """How to read one plain field and, for a leaf, serialise its value."""

    read: Callable[[Any, str], Any]
    attribute: str
    serialise: Callable[[Any], Any] | None  # None: an object (or a list of objects)
    non_null: bool
    # A leaf value of exactly this type is its own serialisation (a `str` of a String).
    exact: type | None = None


# Scalars whose serialisation gives a value of this exact type back as it is.
_IDENTICAL: dict[Callable[[Any], Any], type] = {
    serialize_string: str,
    serialize_id: str,
    serialize_boolean: bool,
}


def plain_field(field: GraphQLField) -> PlainField | None:
    """The reading of `field` when Strawberry resolves it by reading an attribute, else None."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    serialise: Callable[[Any], Any] | None = None
    if isinstance(named, GraphQLEnumType):
        serialise = _enum_serialiser(named)
    elif isinstance(named, GraphQLScalarType):
        serialise = named.coerce_output_value
    exact = _IDENTICAL.get(serialise) if serialise is not None else None
    return PlainField(
        definition.default_resolver, definition.python_name, serialise, non_null, exact
    )


def _enum_serialiser(type_: GraphQLEnumType) -> Callable[[Any], Any]:
    """The enum's serialisation, with the names of the members of a Python enum it wraps
    (Strawberry's) looked up rather than searched for each value."""
    coerce = type_.coerce_output_value
    wrapped = getattr(type_, "wrapped_cls", None)
    if not isinstance(wrapped, type) or not issubclass(wrapped, Enum):
        return coerce
    names: dict[Any, Any] = {}
    for member in wrapped:
        try:
            names[member] = coerce(member)
        except Exception:  # noqa: S112 - left to the standard path, which reports it
            continue

    def serialise(value: Any) -> Any:
        return names[value] if type(value) is wrapped else coerce(value)

    return serialise


# Per object type: its fields' readings (built once per type; types live as long as the schema).
_PLAIN: dict[GraphQLObjectType, dict[str, PlainField | None]] = {}


def _plain_fields(parent_type: GraphQLObjectType) -> dict[str, PlainField | None]:
    table = _PLAIN.get(parent_type)
    if table is None:
        table = {name: plain_field(field) for name, field in parent_type.fields.items()}
        _PLAIN[parent_type] = table
    return table


class ObjectPlan:
    """The completion of one object type for one selection, when every selected field is
    plain (see the module). `complete` answers Undefined when the standard path must decide."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        # One flat tuple per field, unpacked at once in `complete`: (response name, read
        # (None: `__typename`), attribute, non-null, exact type, serialise (a leaf) or
        # complete (an object field)).
        self.fields: list[tuple[str, Any, str, bool, Any, Any, Any]] = []

    def add_typename(self, name: str) -> None:
        self.fields.append((name, None, "", False, None, None, None))

    def add_leaf(self, name: str, reading: PlainField) -> None:
        read, attribute, serialise, non_null, exact = reading
        self.fields.append((name, read, attribute, non_null, exact, serialise, None))

    def add_object(
        self, name: str, reading: PlainField, plan: ObjectPlan, type_: GraphQLOutputType
    ) -> None:
        complete = completer(plan, type_)
        self.fields.append(
            (name, reading.read, reading.attribute, reading.non_null, None, None, complete)
        )

    def complete(self, source: Any) -> Any:
        result: dict[str, Any] = {}
        try:
            for name, read, attribute, non_null, exact, serialise, complete in self.fields:
                if read is None:
                    result[name] = self.type_name
                    continue
                value = read(source, attribute)
                if value is None:
                    if non_null:
                        return Undefined
                elif complete is not None:
                    value = complete(value)
                    if value is Undefined:
                        return Undefined
                elif type(value) is not exact:
                    value = serialise(value)
                    if value is None or value is Undefined:
                        return Undefined
                result[name] = value
        except Exception:
            return Undefined
        return result


def completer(plan: ObjectPlan, type_: GraphQLOutputType) -> Callable[[Any], Any]:
    """The completion of a value of `type_` (an object, or a list of objects at any nesting,
    nullable or not) by `plan`: the value, or Undefined when the standard path must decide."""
    if isinstance(type_, GraphQLNonNull):
        inner = completer(plan, type_.of_type)

        def required(value: Any) -> Any:
            return Undefined if value is None else inner(value)

        return required
    if isinstance(type_, GraphQLList):
        item = completer(plan, type_.of_type)

        def each(value: Any) -> Any:
            if value is None:
                return None
            if not isinstance(value, list | tuple):
                return Undefined
            items = []
            for entry in value:
                completed = item(entry)
                if completed is Undefined:
                    return Undefined
                items.append(completed)
            return items

        return each
    complete = plan.complete

    def one(value: Any) -> Any:
        return None if value is None else complete(value)

    return one


# Plans (or None: not plain) by object type and the selection's field nodes, kept across
# requests with the nodes themselves (their ids are only compared while they are alive); least
# recently used dropped first, so the memory stays bounded whatever documents clients send.
MAX_SHARED_PLANS = 1024
_SHARED_PLANS: OrderedDict[
    tuple[GraphQLObjectType, tuple[int, ...]], tuple[tuple[FieldNode, ...], ObjectPlan | None]
] = OrderedDict()


def _static(field_details_list: FieldDetailsList) -> bool:
    """Whether the selections under these fields are the same whatever the variables: no
    directive (`@skip`, `@include`, `@defer` …) and no fragment spread anywhere beneath (inline
    fragments are fine), and no deferred or fragment-variable details."""
    pending: list[SelectionSetNode] = []
    for details in field_details_list:
        if details.defer_usage is not None or details.fragment_variable_values is not None:
            return False
        if details.node.selection_set is not None:
            pending.append(details.node.selection_set)
    while pending:
        for selection in pending.pop().selections:
            if selection.directives or isinstance(selection, FragmentSpreadNode):
                return False
            selection_set = getattr(selection, "selection_set", None)
            if selection_set is not None:
                pending.append(selection_set)
    return True


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with plain fields and plain objects completed in one
    step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = manager is None or not manager.middlewares
        # Plans by (object type, id of the field group); the group is kept alive with its
        # plan so that its id is not reused during execution (as graphql-core's own memo).
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[Any, ObjectPlan | None]] = {}

    def object_plan(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> ObjectPlan | None:
        key = (type_, id(field_details_list))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        self._plans[key] = (field_details_list, None)  # a cycle in progress is not plain
        plan = self._shared_plan(type_, field_details_list)
        self._plans[key] = (field_details_list, plan)
        return plan

    def _shared_plan(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> ObjectPlan | None:
        """The plan an earlier request made for the same field nodes (of a document kept
        prepared), when nothing of the selection depends on variables; else a new one."""
        nodes = tuple(details.node for details in field_details_list)
        key = (type_, tuple(map(id, nodes)))
        kept = _SHARED_PLANS.get(key)
        if kept is not None and all(a is b for a, b in zip(kept[0], nodes, strict=True)):
            _SHARED_PLANS.move_to_end(key)
            return kept[1]
        plan = self._compile(type_, field_details_list)
        if self._fast and _static(field_details_list):
            _SHARED_PLANS[key] = (nodes, plan)
            if len(_SHARED_PLANS) > MAX_SHARED_PLANS:
                _SHARED_PLANS.popitem(last=False)
        return plan

    def _compile(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> ObjectPlan | None:
        if not self._fast or type_.is_type_of is not None:
            return None
        grouped_field_set, defers, _ = self.collect_subfields(type_, field_details_list)
        if defers:
            return None
        plain = _plain_fields(type_)
        plan = ObjectPlan(type_.name)
        for name, details in grouped_field_set.items():
            node = details[0].node
            if node.arguments:
                return None
            if node.name.value == TYPENAME:
                plan.add_typename(name)
                continue
            reading = plain.get(node.name.value)
            if reading is None:
                return None
            if reading.serialise is not None:
                plan.add_leaf(name, reading)
                continue
            field_type = type_.fields[node.name.value].type
            item = _unwrapped(field_type)
            sub = self.object_plan(item, details) if isinstance(item, GraphQLObjectType) else None
            if sub is None:
                return None
            plan.add_object(name, reading, sub, field_type)
        return plan

    def complete_object_value(
        self,
        return_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        plan = self.object_plan(return_type, field_details_list)
        if plan is not None:
            completed = plan.complete(result)
            if completed is not Undefined:
                return completed  # type: ignore[no-any-return]
        return super().complete_object_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        item = _unwrapped(return_type)
        if isinstance(item, GraphQLObjectType) and isinstance(result, list | tuple):
            plan = self.object_plan(item, field_details_list)
            if plan is not None:
                completed = completer(plan, return_type)(result)
                if completed is not Undefined:
                    return completed  # type: ignore[no-any-return]
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if not self._fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plain = _plain_fields(parent_type)
        fast: dict[str, Any] = {}
        rest: dict[str, Any] = {}
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            reading = None if node.arguments else plain.get(node.name.value)
            if reading is not None and reading.serialise is not None:
                value = _read(reading, source_value)
            else:
                value = Undefined
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


def _unwrapped(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _read(reading: PlainField, source: Any) -> Any:
    """The serialised value of a leaf, or Undefined when the standard path must decide."""
    try:
        value = reading.read(source, reading.attribute)
        if value is None:
            return Undefined if reading.non_null else None
        if type(value) is reading.exact:
            return value
        serialised = reading.serialise(value)  # type: ignore[misc]
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
