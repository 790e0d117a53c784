"""Project merged subgraph data onto the client's selection, in one pass.

Only the client's response keys come out, in the order a single GraphQL server would give
them; ``__typename`` is filled in; null propagates per the non-null rules, adding an error
only where no subgraph error already explains the null.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLOutputType

from router.planner.normalize import NField
from router.supergraph.model import Supergraph

_INVALID = object()


class Projector:
    """Holds the error list while a response is projected.

    Values clients cannot see are invalid, as a single server would find them when
    completing the field: an object of a hidden type (``@inaccessible``) or a hidden enum
    value — null with an error there, like any other field error."""

    def __init__(
        self,
        errors: list[dict[str, Any]],
        hidden_types: Collection[str] = (),
        enum_values: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.errors = errors
        self.hidden_types = hidden_types
        self.enum_values = enum_values or {}

    def _explained(self, path: list[str | int]) -> bool:
        size = len(path)
        for error in self.errors:
            error_path = error.get("path")
            if error_path is None:
                continue
            if error_path[:size] == path or path[: len(error_path)] == error_path:
                return True
        return False

    def _invalid(self, message: str, path: list[str | int]) -> None:
        self.errors.append(
            {"message": message, "path": path, "extensions": {"code": "INVALID_GRAPHQL"}}
        )

    def object(
        self, fields: list[NField], data: dict[str, Any], type_name: str, path: list[str | int]
    ) -> Any:
        """The projected object, or the invalid marker when a non-null field is null."""
        result: dict[str, Any] = {}
        for f in fields:
            kind = f.scalar_kind
            if kind:
                raw = data.get(f.key)
                if raw is not None or kind == 1:
                    result[f.key] = raw
                    continue
            if f.name == "__typename":
                result[f.key] = data.get("__typename", type_name)
                continue
            if f.name in ("__schema", "__type"):
                result[f.key] = data.get(f.key)
                continue
            raw = data.get(f.key)
            if f.argument_error is not None:
                self.errors.append({"message": f.argument_error, "path": [*path, f.key]})
                raw = None
            value = self.value(f.type, f, raw, [*path, f.key], type_name)
            if value is _INVALID:
                return _INVALID
            result[f.key] = value
        return result

    def value(
        self,
        field_type: GraphQLOutputType,
        f: NField,
        value: Any,
        path: list[str | int],
        parent: str,
    ) -> Any:
        if isinstance(field_type, GraphQLNonNull):
            completed = self.value(field_type.of_type, f, value, path, parent)
            if completed is None or completed is _INVALID:
                if not self._explained(path):
                    self.errors.append(
                        {
                            "message": (
                                f"Cannot return null for non-nullable field {parent}.{f.name}."
                            ),
                            "path": path,
                        }
                    )
                return _INVALID
            return completed
        if value is None:
            return None
        if isinstance(field_type, GraphQLList):
            if not isinstance(value, list):
                return None
            items = []
            for index, item in enumerate(value):
                completed = self.value(field_type.of_type, f, item, [*path, index], parent)
                if completed is _INVALID:
                    return None
                items.append(completed)
            return items
        if f.selections is None:
            allowed = self.enum_values.get(f.named_type)
            if allowed is not None and value not in allowed:
                self._invalid(f"Invalid value found for field {parent}.{f.name}.", path)
                return None
            return value
        if not isinstance(value, dict):
            return None
        type_name = value.get("__typename") or f.named_type
        if type_name in self.hidden_types:
            self._invalid(f"Invalid __typename found for object at field {parent}.{f.name}.", path)
            return None
        fields = f.selections.get(type_name)
        if fields is None:
            return None
        completed = self.object(fields, value, type_name, path)
        return None if completed is _INVALID else completed


def project_response(
    fields: list[NField],
    root_type: str,
    data: dict[str, Any],
    errors: list[dict[str, Any]],
    supergraph: Supergraph,
) -> dict[str, Any] | None:
    """The client's ``data``: None when a non-null root field is null."""
    projector = Projector(errors, supergraph.hidden_types, supergraph.api_enum_values)
    result = projector.object(fields, data, root_type, [])
    return None if result is _INVALID else result
