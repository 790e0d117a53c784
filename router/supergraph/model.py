"""The planner's view of a supergraph: which subgraph can resolve what, and by which keys."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from functools import cached_property

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLSchema, GraphQLUnionType


@dataclass(frozen=True)
class Graph:
    """A subgraph as named in ``join__Graph``."""

    name: str
    url: str


@dataclass(frozen=True)
class FieldJoin:
    """One ``@join__field`` of a field (``graph`` is the subgraph name)."""

    graph: str | None
    requires: str | None = None
    provides: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    type: str | None = None
    """The field's type in that subgraph when it differs from the supergraph's (``"ID!"``)."""
    override_label: str | None = None
    """A progressive ``@override``'s label: the overriding subgraph (``override`` set) serves
    the field only while the label is enabled, the overridden one only while it is not."""


@dataclass
class FieldMeta:
    """A field of a supergraph object or interface type."""

    name: str
    joins: list[FieldJoin] = field(default_factory=list)
    bare_join: bool = False
    """Declared with ``@join__field`` without a graph."""
    through_interface: bool = False
    """A bare ``@join__field`` on an implementation of an entity interface: no subgraph of
    this type resolves the field, an ``@interfaceObject`` subgraph of the interface does."""

    def join_for(self, graph: str) -> FieldJoin | None:
        for join in self.joins:
            if join.graph == graph:
                return join
        return None


@dataclass
class TypeMeta:
    """A composite type of the supergraph with the subgraphs that define it."""

    name: str
    kind: str
    graphs: list[str] = field(default_factory=list)
    keys: dict[str, list[str]] = field(default_factory=dict)
    interface_object_graphs: set[str] = field(default_factory=set)
    fields: dict[str, FieldMeta] = field(default_factory=dict)
    members_by_graph: dict[str, set[str]] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    """The interfaces an object or interface type implements (in the supergraph)."""
    implements_by_graph: dict[str, set[str]] | None = None
    """The interfaces it implements in each subgraph (``@join__implements``); None when the
    supergraph does not say (join v0.1), then every subgraph of the type has them all."""

    def implements_in(self, graph: str) -> Collection[str]:
        """The interfaces this type implements in ``graph``."""
        if graph not in self.graphs:
            return ()
        if self.implements_by_graph is None:
            return self.interfaces
        return self.implements_by_graph.get(graph, ())

    def is_interface_object_in(self, graph: str) -> bool:
        """Whether ``graph`` sees this interface as an ``@interfaceObject`` (an object type
        whose ``__typename`` is the interface's name)."""
        return graph in self.interface_object_graphs

    def is_resolvable(self, field_name: str, graph: str) -> bool:
        """Whether ``graph`` resolves ``field_name`` of this type (not external, not overridden)."""
        if field_name == "__typename":
            return True
        if graph not in self.graphs:
            return False
        meta = self.fields.get(field_name)
        if meta is None or meta.through_interface:
            return False
        if not meta.joins:
            return True
        join = meta.join_for(graph)
        return join is not None and not join.external and not join.used_overridden

    def can_provide_key_field(self, field_name: str, graph: str) -> bool:
        """Whether ``graph`` can put ``field_name`` into a representation (keys are shared)."""
        if self.is_resolvable(field_name, graph):
            return True
        meta = self.fields.get(field_name)
        join = meta.join_for(graph) if meta else None
        return join is not None and join.used_overridden

    def resolving_graphs(self, field_name: str) -> list[str]:
        return [g for g in self.graphs if self.is_resolvable(field_name, g)]


@dataclass
class Supergraph:
    """A loaded supergraph: the SDL, its subgraphs, join metadata and the two schemas.

    ``schema`` keeps ``@inaccessible`` elements (the planner may need them as keys);
    ``api_schema`` is what clients see and what operations are validated against.
    """

    sdl: str
    graphs: dict[str, Graph]
    types: dict[str, TypeMeta]
    schema: GraphQLSchema
    api_schema: GraphQLSchema
    root_types: dict[str, str]
    _possible: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict, repr=False)
    _labelled: dict[frozenset[str], Supergraph] = field(default_factory=dict, repr=False)

    @cached_property
    def hidden_types(self) -> frozenset[str]:
        """Object types clients cannot see (``@inaccessible``): one in an answer is invalid."""
        return frozenset(
            name
            for name, named in self.schema.type_map.items()
            if isinstance(named, GraphQLObjectType) and name not in self.api_schema.type_map
        )

    @cached_property
    def api_enum_values(self) -> dict[str, frozenset[str]]:
        """The values clients can see of each enum that has ``@inaccessible`` values."""
        out: dict[str, frozenset[str]] = {}
        for name, named in self.api_schema.type_map.items():
            full = self.schema.type_map.get(name)
            if (
                isinstance(named, GraphQLEnumType)
                and isinstance(full, GraphQLEnumType)
                and len(named.values) != len(full.values)
            ):
                out[name] = frozenset(named.values)
        return out

    @cached_property
    def override_labels(self) -> frozenset[str]:
        """The labels of the progressive ``@override``s in this supergraph."""
        return frozenset(
            join.override_label
            for meta in self.types.values()
            for field_meta in meta.fields.values()
            for join in field_meta.joins
            if join.override_label
        )

    def with_labels(self, enabled: frozenset[str]) -> Supergraph:
        """This supergraph as planned while exactly the override labels ``enabled`` are on:
        each labelled field resolved by the overriding subgraph or by the overridden one."""
        if not self.override_labels:
            return self
        found = self._labelled.get(enabled)
        if found is not None:
            return found
        types = dict(self.types)
        for name, meta in self.types.items():
            if not any(j.override_label for f in meta.fields.values() for j in f.joins):
                continue
            fields = dict(meta.fields)
            for field_name, field_meta in meta.fields.items():
                joins: list[FieldJoin] = []
                for join in field_meta.joins:
                    if join.override_label is None:
                        joins.append(join)
                    elif join.override is not None:
                        if join.override_label in enabled:
                            joins.append(replace(join, override_label=None))
                    else:
                        on = join.override_label in enabled
                        joins.append(replace(join, override_label=None, used_overridden=on))
                fields[field_name] = replace(field_meta, joins=joins)
            types[name] = replace(meta, fields=fields)
        found = replace(self, types=types, _possible={}, _labelled={})
        self._labelled[enabled] = found
        return found

    def possible_types_in(self, abstract: str, graph: str) -> frozenset[str]:
        """The object types ``graph`` may return for a field of type ``abstract`` there: the
        union's members or the interface's implementations in that subgraph (an object type
        stands for itself)."""
        cache_key = (abstract, graph)
        found = self._possible.get(cache_key)
        if found is not None:
            return found
        meta = self.types.get(abstract)
        if meta is None or meta.kind == "object":
            found = frozenset((abstract,))
        elif meta.kind == "union":
            union = self.schema.get_type(abstract)
            if meta.members_by_graph:
                found = frozenset(meta.members_by_graph.get(graph, ()))
            elif isinstance(union, GraphQLUnionType):
                found = frozenset(t.name for t in union.types if graph in self.types[t.name].graphs)
            else:
                found = frozenset()
        else:
            found = frozenset(
                name
                for name, other in self.types.items()
                if other.kind == "object" and abstract in other.implements_in(graph)
            )
        self._possible[cache_key] = found
        return found
