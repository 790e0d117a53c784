"""Parse a federation field set (``"id organization { id }"``) into selection nodes."""

from __future__ import annotations

from functools import lru_cache

from graphql import (
    FieldNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)


@lru_cache(maxsize=1024)
def parse_field_set(field_set: str) -> SelectionSetNode:
    """The selection set of ``field_set``; raises ``GraphQLSyntaxError`` when it is invalid."""
    document = parse("{" + field_set + "}", no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def top_level_fields(field_set: str) -> list[str]:
    """Names of the top-level fields of ``field_set`` (inline fragments are looked into)."""
    names: list[str] = []

    def visit(selection_set: SelectionSetNode) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                names.append(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set)

    visit(parse_field_set(field_set))
    return names
