"""Normalise an operation into a tree of merged fields per concrete runtime type.

This is GraphQL's CollectFields done once, ahead of time: fragments and inline fragments are
flattened, ``@skip``/``@include`` are applied with the request's variables, and fields with the
same response key are merged. For a field of abstract type, its sub-selection is collected for
every possible object type, so planning and response projection never look at fragments again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
)
from graphql.type.introspection import (
    SchemaMetaFieldDef,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
)

_FieldsType = GraphQLObjectType | GraphQLInterfaceType


@dataclass
class NField:
    """A merged field of the normalised operation.

    ``selections`` maps each possible runtime type name to its collected fields; it is None
    for leaf fields.
    """

    key: str
    name: str
    arguments: tuple[ArgumentNode, ...]
    type: GraphQLOutputType
    selections: dict[str, list[NField]] | None = None
    merged_from: list[NField] = field(default_factory=list, compare=False, repr=False)
    """The client's fields this one unites (several implementations' selections planned
    at once for an ``@interfaceObject``); empty for the client's own fields."""
    argument_error: str | None = field(default=None, compare=False, repr=False)
    """Set when an argument cannot be coerced (a null variable for a non-null argument): the
    field is not fetched and answers null with this error."""
    scalar_kind: int = field(init=False)
    """0: composite, list or an enum whose values are checked; 1: nullable scalar; 2: non-null
    scalar (projection fast path)."""

    def __post_init__(self) -> None:
        inner = self.type.of_type if isinstance(self.type, GraphQLNonNull) else self.type
        if isinstance(inner, GraphQLList) or is_composite_type(inner):
            self.scalar_kind = 0
        else:
            self.scalar_kind = 2 if inner is not self.type else 1

    @property
    def named_type(self) -> str:
        return get_named_type(self.type).name


def _is_included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode, variables: Any) -> bool:
    for directive in node.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        value: Any = None
        for argument in directive.arguments or ():
            if argument.name.value == "if":
                if isinstance(argument.value, VariableNode):
                    value = variables.get(argument.value.name.value)
                elif isinstance(argument.value, BooleanValueNode):
                    value = argument.value.value
        if name == "skip" and value is True:
            return False
        if name == "include" and value is not True:
            return False
    return True


def conditional_variables(selection_set: SelectionSetNode, fragments: Any) -> set[str]:
    """Names of the variables that ``@skip``/``@include`` read (they change the plan)."""
    found: set[str] = set()
    seen: set[str] = set()

    def visit(selections: SelectionSetNode) -> None:
        for node in selections.selections:
            for directive in node.directives or ():
                for argument in directive.arguments or ():
                    if isinstance(argument.value, VariableNode) and directive.name.value in (
                        "skip",
                        "include",
                    ):
                        found.add(argument.value.name.value)
            if isinstance(node, FragmentSpreadNode):
                if node.name.value not in seen and node.name.value in fragments:
                    seen.add(node.name.value)
                    visit(fragments[node.name.value].selection_set)
            elif isinstance(node, FieldNode | InlineFragmentNode) and node.selection_set:
                visit(node.selection_set)

    visit(selection_set)
    return found


class Normalizer:
    """Builds :class:`NField` trees against ``schema`` for one operation."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        checked_enums: Collection[str] = (),
        null_variables: Collection[str] = (),
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.checked_enums = checked_enums
        """Enums whose values the projection must check (some are hidden from clients)."""
        self.null_variables = null_variables
        """Variables explicitly null (whose default does not apply)."""

    def _applies(self, type_condition: str | None, object_type: _FieldsType) -> bool:
        if type_condition is None or type_condition == object_type.name:
            return True
        condition = self.schema.get_type(type_condition)
        return isinstance(condition, GraphQLAbstractType) and self.schema.is_sub_type(
            condition, object_type
        )

    def _collect(
        self,
        object_type: _FieldsType,
        selection_sets: list[SelectionSetNode],
        out: dict[str, list[FieldNode]],
    ) -> None:
        for selection_set in selection_sets:
            for node in selection_set.selections:
                assert isinstance(node, FieldNode | InlineFragmentNode | FragmentSpreadNode)
                if not _is_included(node, self.variables):
                    continue
                if isinstance(node, FieldNode):
                    key = node.alias.value if node.alias else node.name.value
                    out.setdefault(key, []).append(node)
                elif isinstance(node, InlineFragmentNode):
                    condition = node.type_condition.name.value if node.type_condition else None
                    if self._applies(condition, object_type):
                        self._collect(object_type, [node.selection_set], out)
                else:
                    fragment = self.fragments.get(node.name.value)
                    if fragment and self._applies(fragment.type_condition.name.value, object_type):
                        self._collect(object_type, [fragment.selection_set], out)

    def fields(
        self, object_type: _FieldsType, selection_sets: list[SelectionSetNode]
    ) -> list[NField]:
        """The merged fields ``selection_sets`` select on an object of ``object_type`` (an
        interface only for field sets such as keys, read on any of its implementations)."""
        grouped: dict[str, list[FieldNode]] = {}
        self._collect(object_type, selection_sets, grouped)
        result: list[NField] = []
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                result.append(NField(key, name, (), TypeNameMetaFieldDef.type))
                continue
            if name in ("__schema", "__type"):
                meta_def = SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
                result.append(NField(key, name, tuple(nodes[0].arguments or ()), meta_def.type))
                continue
            field_def = object_type.fields.get(name)
            if field_def is None:
                continue
            merged = NField(key, name, tuple(nodes[0].arguments or ()), field_def.type)
            named = get_named_type(field_def.type)
            if named.name in self.checked_enums:
                merged.scalar_kind = 0
            if self.null_variables:
                merged.argument_error = self._argument_error(field_def, nodes[0])
                if merged.argument_error:
                    merged.scalar_kind = 0
            if is_composite_type(named):
                child_sets = [n.selection_set for n in nodes if n.selection_set is not None]
                merged.selections = {
                    possible.name: self.fields(possible, child_sets)
                    for possible in self.possible_types(named)
                }
            result.append(merged)
        return result

    def _argument_error(self, field_def: GraphQLField, node: FieldNode) -> str | None:
        """CoerceArgumentValues' error when a non-null argument is given a null variable."""
        for argument in node.arguments or ():
            value = argument.value
            definition = field_def.args.get(argument.name.value)
            if (
                isinstance(value, VariableNode)
                and value.name.value in self.null_variables
                and definition is not None
                and isinstance(definition.type, GraphQLNonNull)
            ):
                return (
                    f'Argument "{argument.name.value}" of non-null type '
                    f'"{definition.type}" must not be null.'
                )
        return None

    def possible_types(self, named: GraphQLCompositeType) -> list[GraphQLObjectType]:
        if is_abstract_type(named):
            assert isinstance(named, GraphQLAbstractType)
            return list(self.schema.get_possible_types(named))
        assert isinstance(named, GraphQLObjectType)
        return [named]
