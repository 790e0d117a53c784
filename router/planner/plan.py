"""Query plan data: fetch nodes and the subgraph selections they send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import ArgumentNode, print_ast

from router.planner.normalize import NField


@dataclass
class SField:
    """A field sent to a subgraph (``key`` differs from ``name`` when aliased)."""

    key: str
    name: str
    arguments: tuple[ArgumentNode, ...] = ()
    children: list[SItem] | None = None


@dataclass
class SFragment:
    """An inline fragment sent to a subgraph."""

    type_condition: str
    children: list[SItem]


SItem = SField | SFragment


@dataclass
class Requirement:
    """A field a representation carries: read ``key`` from the object, send it as ``name``."""

    name: str
    key: str
    children: list[Requirement] | None = None


@dataclass
class FetchNode:
    """One request to one subgraph.

    A root fetch (``entity_types`` empty) selects from the root type. An entity fetch collects
    every object at ``path`` whose ``__typename`` is in ``entity_types``, builds one
    representation each (deduplicated) and sends them all in one ``_entities`` call. Children
    run after this node, concurrently with each other.

    ``type_conditions`` maps an entity type to the entity interface its objects are fetched as,
    from a subgraph that knows the interface only as an ``@interfaceObject``: their
    representations carry the interface's name as ``__typename``, the fetch selects
    ``... on <Interface>`` (implementations merged), and the ``__typename`` it answers is not
    merged into the objects.
    """

    graph: str
    path: tuple[str, ...] = ()
    selections: list[SItem] = field(default_factory=list)
    entity_types: dict[str, list[SItem]] = field(default_factory=dict)
    requirements: dict[str, list[Requirement]] = field(default_factory=dict)
    type_conditions: dict[str, str] = field(default_factory=dict)
    children: list[FetchNode] = field(default_factory=list)
    operation: str = ""
    variables: tuple[str, ...] = ()

    @property
    def is_entity(self) -> bool:
        return bool(self.entity_types)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly view of the node (used by plan fixtures and debugging)."""
        out: dict[str, Any] = {"graph": self.graph}
        if self.path:
            out["path"] = list(self.path)
        out["operation"] = self.operation
        if self.children:
            out["children"] = [c.describe() for c in self.children]
        return out


@dataclass
class QueryPlan:
    """A plan: root fetches run concurrently (queries) or in order (mutations)."""

    kind: str
    root_type: str
    fields: list[NField]
    fetches: list[FetchNode]
    introspection: bool = False

    @property
    def is_sequential(self) -> bool:
        return self.kind == "mutation"

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "Sequence" if self.is_sequential else "Parallel",
            "fetches": [f.describe() for f in self.fetches],
        }


def print_selections(items: list[SItem]) -> str:
    """Print a selection set in GraphQL syntax on one line."""
    parts: list[str] = []
    for item in items:
        if isinstance(item, SFragment):
            parts.append(f"... on {item.type_condition} {print_selections(item.children)}")
            continue
        text = item.name if item.key == item.name else f"{item.key}: {item.name}"
        if item.arguments:
            text += "(" + ", ".join(print_ast(a) for a in item.arguments) + ")"
        if item.children is not None:
            text += " " + print_selections(item.children)
        parts.append(text)
    return "{ " + " ".join(parts) + " }"
