"""Parse, validate, normalise and plan operations, with two LRU caches.

Parsing and validation are cached by (query text, operation name); plans additionally by the
values of the variables ``@skip``/``@include`` read, since those change the plan.
"""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from graphql import (
    ASTValidationRule,
    BooleanValueNode,
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLObjectType,
    NonNullTypeNode,
    OperationDefinitionNode,
    ValueNode,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values

from router.planner.builder import PlanBuilder
from router.planner.normalize import Normalizer, conditional_variables
from router.planner.plan import QueryPlan
from router.supergraph.model import Supergraph

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_PERCENT = re.compile(r"percent\((\d+(?:\.\d+)?)\)")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A small least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)


class OperationError(Exception):
    """The operation is invalid; ``errors`` go to the client as they are."""

    def __init__(self, errors: Sequence[GraphQLError], status: int = 200) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)
        self.status = status


@dataclass
class PreparedOperation:
    """A parsed and validated operation."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    conditional_variables: tuple[str, ...]
    condition_defaults: tuple[Any, ...] = ()
    nullable_defaulted: tuple[str, ...] = ()
    """Variables of a nullable type with a default: validation lets them reach non-null
    arguments, so an explicit null for one makes those fields errors (the plan depends on
    which are null)."""
    """The default value of each conditional variable (None when it has none)."""

    @property
    def kind(self) -> str:
        return self.operation.operation.value


DocumentCheck = Callable[[DocumentNode, OperationDefinitionNode], list[GraphQLError]]


class Planner:
    """Turns (query, operation name, variables) into a cached :class:`QueryPlan`."""

    def __init__(
        self,
        supergraph: Supergraph,
        cache_size: int = 1000,
        rules: Sequence[type[ASTValidationRule]] = (),
        checks: Sequence[DocumentCheck] = (),
        hide_suggestions: bool = False,
        enabled_labels: frozenset[str] = frozenset(),
    ) -> None:
        self.supergraph = supergraph
        self.rules = [*specified_rules, *rules]
        self.hide_suggestions = hide_suggestions
        self.enabled_labels = enabled_labels
        """Progressive-override labels (other than ``percent(p)``) that are on."""
        self.checks = list(checks)
        self._prepared: LRUCache[tuple[str, str | None], PreparedOperation] = LRUCache(cache_size)
        self._plans: LRUCache[tuple[Any, ...], QueryPlan] = LRUCache(cache_size)

    def prepare(self, query: str, operation_name: str | None) -> PreparedOperation:
        """Parse and validate; raises :class:`OperationError`."""
        cache_key = (query, operation_name)
        prepared = self._prepared.get(cache_key)
        if prepared is not None:
            return prepared
        try:
            document = parse(query)
        except GraphQLError as exc:
            raise OperationError([_coded(exc, "GRAPHQL_PARSE_FAILED")]) from exc
        operation = _select_operation(document, operation_name)
        for check in self.checks:
            errors = check(document, operation)
            if errors:
                raise OperationError(errors)
        errors = validate(self.supergraph.api_schema, document, self.rules)
        if errors:
            raise OperationError(
                [_coded(e, "GRAPHQL_VALIDATION_FAILED", self.hide_suggestions) for e in errors]
            )
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        names = tuple(sorted(conditional_variables(operation.selection_set, fragments)))
        defaults = {
            d.variable.name.value: d.default_value for d in operation.variable_definitions or ()
        }
        prepared = PreparedOperation(
            document,
            operation,
            fragments,
            names,
            tuple(_boolean(defaults.get(n)) for n in names),
            tuple(
                d.variable.name.value
                for d in operation.variable_definitions or ()
                if d.default_value is not None and not isinstance(d.type, NonNullTypeNode)
            ),
        )
        self._prepared.put(cache_key, prepared)
        return prepared

    def plan(
        self, query: str, operation_name: str | None, variables: dict[str, Any] | None = None
    ) -> tuple[PreparedOperation, QueryPlan]:
        """The prepared operation and its plan; raises :class:`OperationError`."""
        prepared = self.prepare(query, operation_name)
        variables = variables or {}
        condition_values = tuple(
            variables.get(name, default) is True
            for name, default in zip(
                prepared.conditional_variables, prepared.condition_defaults, strict=True
            )
        )
        labels = self._labels()
        nulls = tuple(
            name
            for name in prepared.nullable_defaulted
            if name in variables and variables[name] is None
        )
        cache_key = (query, operation_name, condition_values, labels, nulls)
        plan = self._plans.get(cache_key)
        if plan is None:
            conditions = dict(zip(prepared.conditional_variables, condition_values, strict=True))
            plan = self._build(prepared, conditions, labels, frozenset(nulls))
            self._plans.put(cache_key, plan)
        return prepared, plan

    def _labels(self) -> frozenset[str]:
        """The progressive-override labels on for this request: ``percent(p)`` for p % of
        requests (drawn per request), any other label when configured as enabled."""
        labels = self.supergraph.override_labels
        if not labels:
            return labels
        enabled = []
        for label in labels:
            percent = _PERCENT.fullmatch(label)
            if percent is None:
                if label in self.enabled_labels:
                    enabled.append(label)
            elif random.random() * 100 < float(percent.group(1)):  # noqa: S311 (not security)
                enabled.append(label)
        return frozenset(enabled)

    def coerce_variables(
        self, prepared: PreparedOperation, variables: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Check the request's variables against the operation's definitions (missing required
        ones, wrong types); raises :class:`OperationError`. The values are forwarded as sent:
        subgraph operations declare the same variables with the same defaults."""
        definitions = prepared.operation.variable_definitions or ()
        if not definitions:
            return {}
        coerced = get_variable_values(self.supergraph.api_schema, definitions, variables or {})
        if isinstance(coerced, list):
            raise OperationError(
                [_coded(e, "BAD_USER_INPUT", self.hide_suggestions) for e in coerced]
            )
        return variables or {}

    def _build(
        self,
        prepared: PreparedOperation,
        variables: dict[str, Any],
        labels: frozenset[str],
        null_variables: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        kind = prepared.kind
        root_name = self.supergraph.root_types.get(kind)
        root = self.supergraph.schema.get_type(root_name) if root_name else None
        if not isinstance(root, GraphQLObjectType):
            raise OperationError([GraphQLError(f"Schema does not support {kind} operations")])
        normalizer = Normalizer(
            self.supergraph.schema,
            prepared.fragments,
            variables,
            self.supergraph.api_enum_values,
            null_variables,
        )
        fields = normalizer.fields(root, [prepared.operation.selection_set])
        definitions = {
            d.variable.name.value: d for d in prepared.operation.variable_definitions or ()
        }
        name = prepared.operation.name.value if prepared.operation.name else None
        builder = PlanBuilder(self.supergraph.with_labels(labels), normalizer, definitions, name)
        return builder.build(kind, root.name, fields)


def _select_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        for operation in operations:
            if operation.name and operation.name.value == operation_name:
                return operation
        raise OperationError(
            [
                GraphQLError(
                    f'Unknown operation named "{operation_name}".',
                    extensions={"code": "OPERATION_RESOLUTION_FAILURE"},
                )
            ]
        )
    if len(operations) != 1:
        message = (
            "Must provide operation name if query contains multiple operations."
            if operations
            else "Must provide an operation."
        )
        raise OperationError(
            [GraphQLError(message, extensions={"code": "OPERATION_RESOLUTION_FAILURE"})]
        )
    return operations[0]


def _boolean(value: ValueNode | None) -> bool | None:
    return value.value if isinstance(value, BooleanValueNode) else None


def _coded(error: GraphQLError, code: str, hide_suggestions: bool = False) -> GraphQLError:
    """``error`` with ``extensions.code`` set (kept when it already has one), and without its
    "Did you mean …?" suggestions when they must not leak the schema (production)."""
    extensions = dict(error.extensions or {})
    extensions.setdefault("code", code)
    message = _SUGGESTION.sub("", error.message) if hide_suggestions else error.message
    return GraphQLError(message, error.nodes, error.source, error.positions, None, None, extensions)
