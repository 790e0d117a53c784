"""GraphQL resource limits: depth, aliases, root fields, field count, cost, repeated mutations.

Counted through fragments (a fragment spread counts what it expands to), so fragments cannot
be used to slip past a limit. Errors name the limit and its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_output_type,
)
from graphql.type.definition import GraphQLInterfaceType


@dataclass(frozen=True)
class GraphQLLimits:
    """Limits on one operation (and on a batch of them)."""

    max_depth: int = 15
    max_aliases: int = 100
    max_root_fields: int = 20
    max_fields: int = 300
    max_cost: int = 5000
    default_list_size: int = 10
    max_batch: int = 5


@dataclass
class _Counts:
    depth: int = 0
    aliases: int = 0
    fields: int = 0


def _limit_error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        limits: GraphQLLimits,
        variables: dict[str, object],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.limits = limits
        self.variables = variables
        self.counts = _Counts()

    def walk(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLOutputType | None,
        depth: int,
        visiting: frozenset[str],
    ) -> int:
        """Cost of ``selection_set``; updates depth, alias and field counts."""
        self.counts.depth = max(self.counts.depth, depth)
        cost = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                cost += self._field(node, parent, depth, visiting)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in visiting:
                    condition = self._condition(fragment.type_condition.name.value, parent)
                    cost += self.walk(fragment.selection_set, condition, depth, visiting | {name})
            elif isinstance(node, InlineFragmentNode):
                condition_name = node.type_condition.name.value if node.type_condition else None
                condition = self._condition(condition_name, parent)
                cost += self.walk(node.selection_set, condition, depth, visiting)
            if self._exceeded():
                return cost
        return cost

    def _condition(
        self, name: str | None, parent: GraphQLOutputType | None
    ) -> GraphQLOutputType | None:
        found = self.schema.get_type(name) if name else parent
        return found if is_output_type(found) else None

    def _exceeded(self) -> bool:
        counts, limits = self.counts, self.limits
        return (
            counts.depth > limits.max_depth
            or counts.aliases > limits.max_aliases
            or counts.fields > limits.max_fields
        )

    def _field(
        self,
        node: FieldNode,
        parent: GraphQLOutputType | None,
        depth: int,
        visiting: frozenset[str],
    ) -> int:
        self.counts.fields += 1
        if node.alias is not None:
            self.counts.aliases += 1
        if node.selection_set is None:
            return 1 if not node.name.value.startswith("__") else 0
        field_type: GraphQLOutputType | None = None
        named = get_named_type(parent) if parent is not None else None
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            field_def = named.fields.get(node.name.value)
            field_type = field_def.type if field_def else None
        inner = self.walk(node.selection_set, field_type, depth + 1, visiting)
        return 1 + inner * self._multiplier(node, field_type)

    def _multiplier(self, node: FieldNode, field_type: GraphQLOutputType | None) -> int:
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        if not isinstance(field_type, GraphQLList):
            return 1
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last", "limit", "pageSize", "take"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int):
                    return max(1, given)
        return self.limits.default_list_size


def make_limit_check(
    schema: GraphQLSchema, limits: GraphQLLimits
) -> Callable[[DocumentNode, OperationDefinitionNode], list[GraphQLError]]:
    """A planner document check enforcing ``limits`` (list sizes from literal arguments)."""

    def check(document: DocumentNode, operation: OperationDefinitionNode) -> list[GraphQLError]:
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        root_name = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}[
            operation.operation.value
        ]
        root = schema.get_type(root_name)
        walker = _Walker(schema, fragments, limits, {})
        cost = walker.walk(operation.selection_set, root, 1, frozenset())  # type: ignore[arg-type]
        counts = walker.counts
        root_fields = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
        if counts.depth > limits.max_depth:
            return [
                _limit_error(
                    "MAX_DEPTH_EXCEEDED", f"Query depth exceeds max_depth {limits.max_depth}"
                )
            ]
        if counts.aliases > limits.max_aliases:
            return [
                _limit_error(
                    "MAX_ALIASES_EXCEEDED",
                    f"Query uses {counts.aliases} aliases; max_aliases is {limits.max_aliases}",
                )
            ]
        if counts.fields > limits.max_fields:
            return [
                _limit_error(
                    "MAX_FIELDS_EXCEEDED",
                    f"Query selects more than max_fields {limits.max_fields} fields",
                )
            ]
        if len(root_fields) > limits.max_root_fields:
            return [
                _limit_error(
                    "MAX_ROOT_FIELDS_EXCEEDED",
                    f"Query selects {len(root_fields)} root fields; max_root_fields is "
                    f"{limits.max_root_fields}",
                )
            ]
        if cost > limits.max_cost:
            return [
                _limit_error(
                    "COST_LIMIT_EXCEEDED",
                    f"Query cost {cost} exceeds max_cost {limits.max_cost}",
                )
            ]
        if operation.operation == OperationType.MUTATION:
            names = [f.name.value for f in root_fields]
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                return [
                    _limit_error(
                        "REPEATED_MUTATION",
                        f"Mutation field(s) {', '.join(repeated)} may appear only once per "
                        "operation",
                    )
                ]
        return []

    return check
