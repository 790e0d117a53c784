"""Whether an operation asks for a field below the one being resolved, so that a resolver can
load what a whole page needs in one step (a page's ledgers in one query) instead of leaving it
to one resolver call per item."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionSetNode,
)


def selects(info: Any, *path: str) -> bool:
    """True when the field being resolved selects `path` (field names, not aliases), through
    fragments and inline fragments alike; directives are not evaluated (a field under a
    `@skip` still counts: loading it is then only wasted, never wrong)."""
    raw: GraphQLResolveInfo[Any] = getattr(info, "_raw_info", info)
    level: Iterable[FieldNode] = raw.field_nodes
    for name in path:
        level = [
            field
            for node in level
            for field in _fields(node.selection_set, raw)
            if field.name.value == name
        ]
        if not level:
            return False
    return True


def _fields(
    selection_set: SelectionSetNode | None, info: GraphQLResolveInfo[Any]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, info)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, info)
