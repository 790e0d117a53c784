"""Query plan data: fetch nodes, the order they run in, and the subgraph selections they send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import ArgumentNode, print_ast

from router.planner.normalize import NField


@dataclass
class SField:
    """A field sent to a subgraph (``key`` differs from ``name`` when aliased); ``shape`` is
    its type in that subgraph (``"[ID!]"``)."""

    key: str
    name: str
    arguments: tuple[ArgumentNode, ...] = ()
    children: list[SItem] | None = None
    shape: str = ""


@dataclass
class SFragment:
    """An inline fragment sent to a subgraph."""

    type_condition: str
    children: list[SItem]


SItem = SField | SFragment


@dataclass
class Requirement:
    """A field a representation carries: read ``key`` from the object, send it as ``name``.

    A ``key`` field that is null (or missing) means the object cannot be fetched: it is left
    out of the call rather than sent with a null key."""

    name: str
    key: str
    children: list[Requirement] | None = None
    is_key: bool = False


@dataclass
class EntityCall:
    """One ``_entities`` selection of an entity fetch.

    It collects the objects at each of ``targets`` — (response path, ``__typename``s wanted
    there) — builds one representation each (deduplicated) and selects ``types[typename]`` on
    each. Several paths share a call only when they select the same on their common types.

    ``type_conditions`` maps an entity type to the entity interface its objects are fetched as,
    from a subgraph that knows the interface only as an ``@interfaceObject``: their
    representations carry the interface's name as ``__typename``, the call selects
    ``... on <Interface>`` (implementations merged), and the ``__typename`` it answers is not
    merged into the objects.
    """

    targets: list[tuple[tuple[str, ...], frozenset[str]]]
    types: dict[str, list[SItem]] = field(default_factory=dict)
    requirements: dict[str, list[Requirement]] = field(default_factory=dict)
    type_conditions: dict[str, str] = field(default_factory=dict)
    alias: str = "_entities"
    variable: str = "representations"


Renames = dict[str, tuple[str, "Renames | None"]]
"""Response keys a fetch aliased to keep its document valid for the subgraph (two fields of
one response name with different types there): ``{alias: (client key, nested renames)}``;
nested renames under a key that was not aliased map the key to itself."""


@dataclass
class FetchNode:
    """One request to one subgraph, run once every node in ``after`` has finished.

    A root fetch (``calls`` empty) selects ``selections`` from the root type; an entity fetch
    sends one ``_entities`` selection per :class:`EntityCall` in one document.
    """

    id: int
    graph: str
    selections: list[SItem] = field(default_factory=list)
    calls: list[EntityCall] = field(default_factory=list)
    after: set[int] = field(default_factory=set)
    dependents: tuple[int, ...] = ()
    operation: str = ""
    variables: tuple[str, ...] = ()
    renames: Renames | None = None

    @property
    def is_entity(self) -> bool:
        return bool(self.calls)

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly view of the node (used by plan fixtures and debugging)."""
        out: dict[str, Any] = {"id": self.id, "graph": self.graph}
        if self.calls:
            out["paths"] = [list(p) for call in self.calls for p, _ in call.targets]
        if self.after:
            out["after"] = sorted(self.after)
        out["operation"] = self.operation
        return out


@dataclass
class QueryPlan:
    """A plan: fetch nodes in dependency order (each after the nodes in its ``after``).

    ``roots`` start at once; a node starts when the last node it waits for has finished.
    A mutation's root fields run in order: each root fetch waits for everything before it.
    """

    kind: str
    root_type: str
    fields: list[NField]
    nodes: list[FetchNode]
    introspection: bool = False
    roots: tuple[int, ...] = ()
    waits: tuple[int, ...] = ()
    """How many nodes each node waits for (``len(after)``), by id."""

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "nodes": [n.describe() for n in self.nodes]}


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
