"""Build a query plan from a normalised operation.

The planner walks the operation once. Within a fetch it keeps every field the current
subgraph can resolve (or was promised through ``@provides``); the others go to **entity
fetches** of the subgraphs that own them, one per (subgraph, response path, fetches it waits
for). An entity fetch's representations carry a ``@key`` of the target and the ``@requires``
fields of what it resolves; each of those is selected in the fetch that produced the objects
when its subgraph can resolve it, and otherwise obtained first by another entity fetch at the
same path (which makes ``@requires`` chains, circular ``@requires`` across subgraphs and keys
that only a third subgraph knows plain dependencies). Every fetch records the fetches it waits
for; :mod:`router.planner.optimize` then merges fetches to the same subgraph that can run
together and orders them.

A subgraph only ever receives a document valid against its own schema: fragments are written
only for the object types the subgraph may return there (its own union members and interface
implementations), and fields of one response name with different types in that subgraph are
aliased apart (``optimize``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    VariableDefinitionNode,
    print_ast,
)

from router.planner.errors import PlanningError
from router.planner.normalize import NField, Normalizer
from router.planner.optimize import finish_plan, merge_items
from router.planner.plan import (
    EntityCall,
    FetchNode,
    QueryPlan,
    Requirement,
    SField,
    SFragment,
    SItem,
)
from router.supergraph.fieldset import parse_field_set
from router.supergraph.model import Supergraph, TypeMeta

INTERNAL_PREFIX = "__fed_"

Provided = dict[str, Any]


def _provided_from(field_set: str | None) -> Provided | None:
    """``"name address { city } ... on Book { isbn }"`` →
    ``{"name": {}, "address": {"city": {}}, "... on Book": {"isbn": {}}}``."""
    if not field_set:
        return None

    def walk(selection_set: Any) -> Provided:
        out: Provided = {}
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                sub = walk(node.selection_set) if node.selection_set else {}
                out[node.name.value] = _merged_provided(out.get(node.name.value, {}), sub)
            elif node.selection_set is not None:
                condition = getattr(node, "type_condition", None)
                key = f"{_ON}{condition.name.value}" if condition else None
                if key is None:
                    out = _merged_provided(out, walk(node.selection_set))
                else:
                    out[key] = _merged_provided(out.get(key, {}), walk(node.selection_set))
        return out

    return walk(parse_field_set(field_set))


_ON = "... on "


def _provided_for(provided: Provided | None, meta: TypeMeta) -> Provided | None:
    """What ``provided`` promises on an object of type ``meta`` (fragments on it or on an
    interface it implements applied)."""
    if provided is None or not any(k.startswith(_ON) for k in provided):
        return provided
    out: Provided = {k: v for k, v in provided.items() if not k.startswith(_ON)}
    for key, value in provided.items():
        if key.startswith(_ON) and key[len(_ON) :] in (meta.name, *meta.interfaces):
            out = _merged_provided(out, value)
    return out


def _merged_provided(first: Provided, second: Provided) -> Provided:
    out = dict(first)
    for key, value in second.items():
        out[key] = _merged_provided(out[key], value) if key in out else value
    return out


@dataclass
class _Objects:
    """Objects of one type at one response path, produced by ``node`` (from ``graph``):
    what planning their remaining fields needs to know."""

    node: FetchNode
    graph: str
    meta: TypeMeta
    path: tuple[str, ...]
    local: list[SItem]
    provided: Provided | None
    client: dict[str, NField]
    """The client's fields at this level, by response key."""
    obtained: dict[str, tuple[str, frozenset[int]]] = field(default_factory=dict)
    """Fields obtained for representations, by signature: (key in the objects, the fetches
    that must run before it is there)."""
    resolving: set[tuple[str, str]] = field(default_factory=set)
    """(subgraph, field) pairs being placed, to refuse circular requirements."""
    obtaining: set[str] = field(default_factory=set)
    """Fields being fetched for representations: a key made of one cannot be used meanwhile."""
    upstream: _Objects | None = None
    """The same objects as an earlier fetch saw them (an ``@interfaceObject``'s, before the
    interface's subgraph told their concrete type): fields it resolves can be selected there."""


class PlanBuilder:
    """Plans one operation; create one per operation."""

    def __init__(
        self,
        supergraph: Supergraph,
        normalizer: Normalizer,
        variable_definitions: dict[str, VariableDefinitionNode],
        operation_name: str | None,
    ) -> None:
        self.supergraph = supergraph
        self.normalizer = normalizer
        self.variable_definitions = variable_definitions
        self.operation_name = operation_name
        self.nodes: list[FetchNode] = []
        self._entity_nodes: dict[tuple[str, tuple[str, ...], frozenset[int]], FetchNode] = {}
        self._trackers: list[set[int]] = []
        """Fetches used while obtaining representation fields, one set per field being had."""

    # Root level -----------------------------------------------------------------------------

    def build(self, kind: str, root_type: str, fields: list[NField]) -> QueryPlan:
        meta = self.supergraph.types[root_type]
        introspection = any(f.name in ("__schema", "__type") for f in fields)
        for graph, group in self._root_groups(kind, meta, fields):
            after = {n.id for n in self.nodes} if kind == "mutation" else set()
            self._plan_root(graph, meta, group, after)
        return finish_plan(
            kind,
            root_type,
            fields,
            self.nodes,
            self.variable_definitions,
            self.operation_name,
            introspection,
        )

    def _plan_root(
        self, graph: str, meta: TypeMeta, fields: list[NField], after: set[int]
    ) -> FetchNode:
        node = self._new_node(graph, after)
        node.selections = self._plan_object(node, graph, meta, fields, (), None, root=True)
        return node

    def _root_groups(
        self, kind: str, meta: TypeMeta, fields: list[NField]
    ) -> list[tuple[str, list[NField]]]:
        """Root fields grouped by the subgraph that serves them: a query's root fields of one
        subgraph share a fetch, a mutation's only when consecutive (they run in order)."""
        groups: list[tuple[str, list[NField]]] = []
        for f in fields:
            if f.name in ("__schema", "__type", "__typename") or f.argument_error is not None:
                continue
            graphs = meta.resolving_graphs(f.name)
            if not graphs:
                raise PlanningError(f'No subgraph resolves field "{meta.name}.{f.name}"')
            if kind == "mutation":
                # Consecutive mutation fields of one subgraph share a fetch; others run in order.
                last = groups[-1][0] if groups else None
                graph = self._root_graph(meta, f, graphs, {last} if last else set())
                if graph == last:
                    groups[-1][1].append(f)
                else:
                    groups.append((graph, [f]))
                continue
            graph = self._root_graph(meta, f, graphs, {g for g, _ in groups})
            existing = next((g for g in groups if g[0] == graph), None)
            if existing is None:
                groups.append((graph, [f]))
            else:
                existing[1].append(f)
        return groups

    def _root_graph(self, meta: TypeMeta, f: NField, graphs: list[str], fetched: set[str]) -> str:
        """The subgraph to serve a root field several subgraphs resolve: one that can (a
        subgraph may lack what the selection needs, e.g. fields it only has as
        ``@external``) and whose plan for it makes the fewest fetches — a subgraph already
        fetched from at the root adds none for its root fetch — then the fewest rounds,
        then the first by name."""
        if len(graphs) == 1:
            return graphs[0]
        best: tuple[int, int, bool, str] | None = None
        for graph in graphs:
            trial = PlanBuilder(self.supergraph, self.normalizer, self.variable_definitions, None)
            try:
                trial._plan_root(graph, meta, [f], set())
            except PlanningError:
                continue
            shared = graph in fetched
            score = (len(trial.nodes) - shared, _rounds(trial.nodes), not shared, graph)
            if best is None or score < best:
                best = score
        if best is None:
            raise PlanningError(f'No subgraph can serve field "{meta.name}.{f.name}"')
        return best[3]

    # Selections within one fetch -------------------------------------------------------------

    def _plan_object(
        self,
        node: FetchNode,
        graph: str,
        meta: TypeMeta,
        fields: list[NField],
        path: tuple[str, ...],
        provided: Provided | None,
        root: bool = False,
        with_requirements: bool = False,
        upstream: _Objects | None = None,
    ) -> list[SItem]:
        """Plan ``fields`` of ``meta`` inside ``node`` (which fetches from ``graph``); returns
        what ``node`` selects, having added the entity fetches for the rest.

        ``with_requirements`` is set at the top of an entity fetch, where the representations
        carry the ``@requires`` fields; anywhere else a field with ``@requires`` must go
        through an entity fetch even in its own subgraph.
        """
        provided = _provided_for(provided, meta)
        local: list[SItem] = []
        remote: list[NField] = []
        through: dict[tuple[str, str], list[NField]] = {}
        for f in fields:
            if f.argument_error is not None:
                continue
            if f.name == "__typename":
                if not root:
                    local.append(SField(f.key, "__typename", shape="String!"))
                continue
            if self._is_local(meta, f.name, graph, provided, with_requirements):
                sub_provided = provided.get(f.name) if provided is not None else None
                local.append(self._plan_field(node, graph, meta, f, path, sub_provided))
                continue
            if not meta.resolving_graphs(f.name):
                route = self._interface_object_route(meta, f.name)
                if route is None or root:
                    raise PlanningError(f'No subgraph resolves field "{meta.name}.{f.name}"')
                through.setdefault(route, []).append(f)
                continue
            remote.append(f)
        objects = _Objects(
            node, graph, meta, path, local, provided, {f.key: f for f in fields}, upstream=upstream
        )
        if remote:
            if root:
                raise PlanningError(f'Root field of "{meta.name}" planned outside its subgraph')
            self._plan_remote(objects, remote)
        for (interface, target), through_fields in through.items():
            self._plan_through_interface(objects, interface, target, through_fields)
        if not root and not any(isinstance(i, SField) and i.key == "__typename" for i in local):
            local.insert(0, SField("__typename", "__typename", shape="String!"))
        return local

    def _plan_field(
        self,
        node: FetchNode,
        graph: str,
        meta: TypeMeta,
        f: NField,
        path: tuple[str, ...],
        provided: Provided | None,
    ) -> SField:
        field_meta = meta.fields.get(f.name)
        join = field_meta.join_for(graph) if field_meta else None
        shape = join.type if join is not None and join.type else str(f.type)
        if f.selections is None:
            return SField(f.key, f.name, f.arguments, shape=shape)
        if provided is None and join is not None:
            provided = _provided_from(join.provides)
        child_path = (*path, f.key)
        named = shape.strip("[]!")
        named_meta = self.supergraph.types.get(named)
        if named_meta is not None and named_meta.is_interface_object_in(graph):
            planned = self._plan_interface_object(node, graph, named_meta, f, child_path, provided)
            return SField(f.key, f.name, f.arguments, planned, shape)
        if named in f.selections:
            children = self._plan_object(
                node, graph, self.supergraph.types[named], f.selections[named], child_path, provided
            )
            return SField(f.key, f.name, f.arguments, children, shape)
        possible = self.supergraph.possible_types_in(named, graph)
        children = [SField("__typename", "__typename", shape="String!")]
        for type_name, type_fields in f.selections.items():
            child_meta = self.supergraph.types.get(type_name)
            if child_meta is None or type_name not in possible:
                continue
            planned = self._plan_object(node, graph, child_meta, type_fields, child_path, provided)
            if any(isinstance(i, SFragment) or i.name != "__typename" for i in planned):
                children.append(SFragment(type_name, planned))
        return SField(f.key, f.name, f.arguments, children, shape)

    def _is_local(
        self,
        meta: TypeMeta,
        field_name: str,
        graph: str,
        provided: Provided | None,
        with_requirements: bool,
    ) -> bool:
        if provided is not None and field_name in provided:
            return True
        return meta.is_resolvable(field_name, graph) and (
            with_requirements or _requires(meta, field_name, graph) is None
        )

    # Entity fetches -------------------------------------------------------------------------

    def _plan_remote(self, objects: _Objects, fields: list[NField]) -> None:
        """Entity fetches for ``fields``, which ``objects.graph`` does not resolve: each goes to
        the subgraph that resolves the most of them (then one without ``@requires``)."""
        meta = objects.meta
        candidates = {f.key: meta.resolving_graphs(f.name) for f in fields}
        coverage: dict[str, int] = {}
        for graphs in candidates.values():
            for graph in graphs:
                coverage[graph] = coverage.get(graph, 0) + 1
        assigned: dict[str, list[NField]] = {}
        for f in fields:
            graphs = candidates[f.key]
            target = min(
                graphs,
                key=lambda g: (
                    _requires(meta, f.name, g) is not None,
                    not self._key_is_local(objects, g),
                    -coverage[g],
                    g,
                ),
            )
            assigned.setdefault(target, []).append(f)
        for target, target_fields in assigned.items():
            self._entity_fetch(objects, target, target_fields)

    def _entity_fetch(self, objects: _Objects, target: str, fields: list[NField]) -> FetchNode:
        """An entity fetch of ``fields`` from ``target`` for ``objects``; returns its node."""
        meta = objects.meta
        for f in fields:
            objects.resolving.add((target, f.name))
        try:
            key = self._choose_key(objects, target)
            key_fields = self.normalizer.fields(self._object(meta), [parse_field_set(key)])
            requirements, after = self._obtain(objects, key_fields, is_key=True)
            required = self._requirement_fields(meta, target, fields)
            more, more_after = self._obtain(objects, required)
        finally:
            for f in fields:
                objects.resolving.discard((target, f.name))
        requirements = _merge_requirements(requirements, more)
        child = self._entity_node(target, objects.path, {objects.node.id, *after, *more_after})
        planned = self._plan_object(
            child, target, meta, fields, objects.path, None, with_requirements=True
        )
        call = child.calls[0]
        existing = call.types.get(meta.name)
        call.types[meta.name] = planned if existing is None else merge_items(existing, planned)
        call.requirements[meta.name] = _merge_requirements(
            call.requirements.get(meta.name, []), requirements
        )
        return child

    def _requirement_fields(
        self, meta: TypeMeta, target: str, fields: list[NField], on: TypeMeta | None = None
    ) -> list[NField]:
        """The ``@requires`` fields of ``fields`` in ``target``, collected on ``on`` (the
        objects' own type when the fields are an interface object's)."""
        selection_sets = [
            parse_field_set(requires)
            for f in fields
            if (requires := _requires(meta, f.name, target)) is not None
        ]
        if not selection_sets:
            return []
        return self.normalizer.fields(self._composite(on or meta), selection_sets)

    def _obtain(
        self, objects: _Objects, required: list[NField], is_key: bool = False
    ) -> tuple[list[Requirement], set[int]]:
        """Make ``required`` available in the objects before an entity fetch: selected by the
        fetch that produces them when its subgraph can, else fetched by another entity fetch
        at the same path. Returns how to read them and the nodes to wait for."""
        out: list[Requirement] = []
        after: set[int] = set()
        for required_field in required:
            known = objects.obtained.get(_signature(required_field))
            if known is None:
                # The fetches planned for it (its own, and those of fields nested in it that
                # its subgraph does not resolve) must run before the representation is built.
                fetched_by: set[int] = set()
                self._trackers.append(fetched_by)
                try:
                    key = self._have(objects, required_field)
                finally:
                    self._trackers.pop()
                known = (key, frozenset(fetched_by))
                objects.obtained[_signature(required_field)] = known
            after |= known[1]
            out.append(_requirement(required_field, known[0], is_key))
        return out, after

    def _have(self, objects: _Objects, required: NField) -> str:
        if self._can_select(objects, required.name):
            return self._select_locally(objects, required)
        if objects.upstream is not None and self._can_select(objects.upstream, required.name):
            return self._select_locally(objects.upstream, required)
        return self._fetch_requirement(objects, required)

    def _can_select(self, objects: _Objects, name: str) -> bool:
        meta, graph = objects.meta, objects.graph
        if objects.provided is not None and name in objects.provided:
            return True
        return meta.can_provide_key_field(name, graph) and _requires(meta, name, graph) is None

    def _select_locally(self, objects: _Objects, required: NField) -> str:
        """Select ``required`` in the producing fetch (in the client's field of that name when
        it is the same field); returns its key in the objects."""
        existing = next(
            (i for i in objects.local if isinstance(i, SField) and i.key == required.name), None
        )
        same = (
            existing is not None
            and existing.name == required.name
            and _printed(existing.arguments) == _printed(required.arguments)
        )
        if same and required.selections is None:
            return required.name
        if existing is not None and not same:
            required = _renamed(required, INTERNAL_PREFIX + required.name)
        sub_provided = objects.provided.get(required.name) if objects.provided else None
        planned = self._plan_field(
            objects.node, objects.graph, objects.meta, required, objects.path, sub_provided
        )
        if existing is not None and same:
            index = next(i for i, item in enumerate(objects.local) if item is existing)
            objects.local[index] = merge_items([existing], [planned])[0]
        else:
            objects.local.append(planned)
        return required.key

    def _fetch_requirement(self, objects: _Objects, required: NField) -> str:
        """Fetch a required field the producing subgraph cannot resolve from another
        subgraph at the same path (a ``@requires`` chain or a key known elsewhere)."""
        meta = objects.meta
        client = objects.client.get(required.name)
        clash = client is not None and (
            client.name != required.name
            or _printed(client.arguments) != _printed(required.arguments)
        )
        if clash or required.arguments:
            required = _renamed(required, INTERNAL_PREFIX + required.name)
        errors: list[str] = []
        objects.obtaining.add(required.name)
        try:
            for target in sorted(
                meta.resolving_graphs(required.name),
                key=lambda g: (
                    _requires(meta, required.name, g) is not None,
                    not self._key_is_local(objects, g),
                    g,
                ),
            ):
                if (target, required.name) in objects.resolving:
                    continue
                created = len(self.nodes)
                try:
                    self._entity_fetch(objects, target, [required])
                except PlanningError as exc:
                    errors.append(str(exc))
                    self._forget_nodes(created)
                    continue
                return required.key
            route = self._interface_object_route(meta, required.name)
            if route is not None and (route[1], required.name) not in objects.resolving:
                self._plan_through_interface(objects, *route, [required])
                return required.key
        finally:
            objects.obtaining.discard(required.name)
        raise PlanningError(
            f'Cannot obtain "{meta.name}.{required.name}" for a representation from '
            f'"{objects.graph}"' + (f": {errors[0]}" if errors else "")
        )

    def _key_is_local(self, objects: _Objects, target: str) -> bool:
        return any(
            all(self._can_select(objects, n) for n in _key_names(key))
            for key in objects.meta.keys.get(target, [])
        )

    def _choose_key(self, objects: _Objects, target: str, keys: list[str] | None = None) -> str:
        """A key of the objects' type in ``target`` (or one of ``keys``): one the producing
        subgraph can select when there is one, else one another subgraph can supply."""
        meta = objects.meta
        candidates = meta.keys.get(target, []) if keys is None else keys
        for key in candidates:
            if all(self._can_select(objects, n) for n in _key_names(key)):
                return key
        for key in candidates:
            names = _key_names(key)
            if objects.obtaining.isdisjoint(names) and all(
                self._obtainable(objects, n, {target}) for n in names
            ):
                return key
        raise PlanningError(
            f'Subgraph "{objects.graph}" cannot reach type "{meta.name}" in "{target}": '
            "no @key of the target can be resolved from the source"
        )

    def _obtainable(self, objects: _Objects, name: str, visited: set[str]) -> bool:
        """Whether field ``name`` can be had for the objects: selectable by their subgraph
        or resolvable by another subgraph whose key can itself be had."""
        if self._can_select(objects, name):
            return True
        meta = objects.meta
        for graph in meta.resolving_graphs(name):
            if graph in visited:
                continue
            for key in meta.keys.get(graph, []):
                names = _key_names(key)
                if objects.obtaining.isdisjoint(names) and all(
                    self._obtainable(objects, n, visited | {graph}) for n in names
                ):
                    return True
        return False

    def _entity_node(self, graph: str, path: tuple[str, ...], after: set[int]) -> FetchNode:
        lookup = (graph, path, frozenset(after))
        node = self._entity_nodes.get(lookup)
        if node is None:
            node = self._new_node(graph, after)
            node.calls.append(EntityCall([(path, frozenset())]))  # types filled in at the end
            self._entity_nodes[lookup] = node
        for tracker in self._trackers:
            tracker.add(node.id)
        return node

    def _forget_nodes(self, count: int) -> None:
        """Drop the nodes created after the first ``count`` (a planning attempt that failed)."""
        del self.nodes[count:]
        for tracker in self._trackers:
            tracker.difference_update([i for i in tracker if i >= count])
        for lookup, node in list(self._entity_nodes.items()):
            if node.id >= count:
                del self._entity_nodes[lookup]

    def _new_node(self, graph: str, after: set[int]) -> FetchNode:
        node = FetchNode(id=len(self.nodes), graph=graph, after=set(after))
        self.nodes.append(node)
        return node

    def _object(self, meta: TypeMeta) -> GraphQLObjectType:
        found = self.supergraph.schema.get_type(meta.name)
        if not isinstance(found, GraphQLObjectType):
            raise PlanningError(f'Entity "{meta.name}" is not an object type')
        return found

    def _composite(self, meta: TypeMeta) -> GraphQLObjectType | GraphQLInterfaceType:
        found = self.supergraph.schema.get_type(meta.name)
        if not isinstance(found, GraphQLObjectType | GraphQLInterfaceType):
            raise PlanningError(f'Entity "{meta.name}" is not an object or interface type')
        return found

    # Entity interfaces and @interfaceObject ---------------------------------------------------

    def _plan_interface_object(
        self,
        node: FetchNode,
        graph: str,
        interface: TypeMeta,
        f: NField,
        path: tuple[str, ...],
        provided: Provided | None,
    ) -> list[SItem]:
        """Objects of an entity interface that ``graph`` only knows as an ``@interfaceObject``:
        their ``__typename`` there is the interface's name.

        The fields ``graph`` resolves on the interface are selected here, merged over the
        implementations. Anything else (``__typename`` itself, fields of one implementation
        or of other subgraphs) needs the concrete type first: an entity fetch to a subgraph
        that owns the interface, with ``{__typename: <Interface>, <key>}`` representations,
        answers it along with the fields that subgraph resolves per implementation; the
        remaining fields follow from there as usual. When every implementation selects the
        same fields, all resolved here, no such fetch is made and the objects are projected
        under the interface's name.
        """
        assert f.selections is not None
        here: list[NField] = []
        rest: dict[str, list[NField]] = {}
        for type_name, type_fields in f.selections.items():
            for selected in type_fields:
                if selected.name != "__typename" and self._is_local(
                    interface, selected.name, graph, provided, False
                ):
                    here = _merge_nfields(here, selected, interface.name)
                else:
                    rest.setdefault(type_name, []).append(selected)
        items = self._plan_object(node, graph, interface, here, path, provided)
        client_fields = f.merged_from or [f]
        if not rest and all(_uniform(c.selections or {}) for c in client_fields):
            # Read by the projection for objects whose __typename is the interface's name.
            for client_field in client_fields:
                assert client_field.selections is not None
                lists = list(client_field.selections.values())
                client_field.selections[interface.name] = lists[0] if lists else []
            return items
        objects = _Objects(node, graph, interface, path, items, provided, {})
        owner, key = self._interface_owner(objects)
        key_fields = self.normalizer.fields(self._composite(interface), [parse_field_set(key)])
        representation, after = self._obtain(objects, key_fields, is_key=True)
        child = self._entity_node(owner, path, {node.id, *after})
        body: list[SItem] = [SField("__typename", "__typename", shape="String!")]
        for type_name, type_fields in rest.items():
            member = self.supergraph.types.get(type_name)
            if member is None:
                continue
            planned = self._plan_object(
                child, owner, member, type_fields, path, None, upstream=objects
            )
            body.append(SFragment(type_name, planned))
        call = child.calls[0]
        existing = call.types.get(interface.name)
        call.types[interface.name] = body if existing is None else merge_items(existing, body)
        call.requirements.setdefault(interface.name, representation)
        return items

    def _interface_owner(self, objects: _Objects) -> tuple[str, str]:
        """A subgraph that defines the interface as an interface (so answers the concrete
        ``__typename``) and a key of it that the objects' subgraph can provide."""
        interface = objects.meta
        for owner in interface.graphs:
            if interface.is_interface_object_in(owner) or not interface.keys.get(owner):
                continue
            try:
                return owner, self._choose_key(objects, owner)
            except PlanningError:
                continue
        raise PlanningError(
            f'Subgraph "{objects.graph}" cannot resolve the concrete type of '
            f'"{interface.name}": no subgraph defines it as an interface with a @key it can '
            "provide"
        )

    def _interface_object_route(self, meta: TypeMeta, field_name: str) -> tuple[str, str] | None:
        """(interface, subgraph) through which an ``@interfaceObject`` resolves a field of the
        implementation ``meta`` that none of its own subgraphs resolves."""
        for interface_name in meta.interfaces:
            interface = self.supergraph.types.get(interface_name)
            if interface is None:
                continue
            for graph in sorted(interface.interface_object_graphs):
                if interface.is_resolvable(field_name, graph):
                    return interface_name, graph
        return None

    def _plan_through_interface(
        self, objects: _Objects, interface_name: str, target: str, fields: list[NField]
    ) -> FetchNode:
        """An entity fetch of the objects to the ``@interfaceObject`` subgraph ``target``, as
        the interface: ``__typename`` in the representations is the interface's name.
        Implementations at the same path share the fetch."""
        meta = objects.meta
        interface = self.supergraph.types[interface_name]
        for f in fields:
            objects.resolving.add((target, f.name))
        try:
            key = self._choose_key(objects, target, interface.keys.get(target, []))
            key_fields = self.normalizer.fields(self._object(meta), [parse_field_set(key)])
            representation, after = self._obtain(objects, key_fields, is_key=True)
            required = self._requirement_fields(interface, target, fields, meta)
            more, more_after = self._obtain(objects, required)
        finally:
            for f in fields:
                objects.resolving.discard((target, f.name))
        representation = _merge_requirements(representation, more)
        after |= more_after
        child = self._entity_node(target, objects.path, {objects.node.id, *after})
        planned = self._plan_object(
            child, target, interface, fields, objects.path, None, with_requirements=True
        )
        call = child.calls[0]
        existing = call.types.get(meta.name)
        call.types[meta.name] = planned if existing is None else merge_items(existing, planned)
        call.requirements[meta.name] = _merge_requirements(
            call.requirements.get(meta.name, []), representation
        )
        call.type_conditions[meta.name] = interface_name
        return child


def _requires(meta: TypeMeta, field_name: str, graph: str) -> str | None:
    field_meta = meta.fields.get(field_name)
    join = field_meta.join_for(graph) if field_meta else None
    return join.requires if join is not None else None


def _key_names(key: str) -> list[str]:
    return [n.name.value for n in parse_field_set(key).selections if isinstance(n, FieldNode)]


def _signature(f: NField) -> str:
    """A field with its arguments and sub-selection, as text (to recognise one already had)."""
    text = f.name + "(" + ",".join(_printed(f.arguments)) + ")"
    if f.selections is not None:
        text += (
            "{"
            + ";".join(
                t + ":" + ",".join(_signature(c) for c in fields)
                for t, fields in sorted(f.selections.items())
            )
            + "}"
        )
    return text


def _requirement(f: NField, key: str, is_key: bool = False) -> Requirement:
    if f.selections is None:
        return Requirement(f.name, key, None, is_key)
    children: list[Requirement] = []
    seen: set[str] = set()
    for type_fields in f.selections.values():
        for child in type_fields:
            if child.key not in seen:
                seen.add(child.key)
                children.append(_requirement(child, child.key))
    return Requirement(f.name, key, children, is_key)


def _merge_requirements(first: list[Requirement], second: list[Requirement]) -> list[Requirement]:
    names = {r.name for r in first}
    return first + [r for r in second if r.name not in names]


def _renamed(f: NField, key: str) -> NField:
    copy = NField(key, f.name, f.arguments, f.type)
    copy.selections = f.selections
    return copy


def _rounds(nodes: list[FetchNode]) -> int:
    depth: dict[int, int] = {}
    for node in nodes:
        depth[node.id] = 1 + max((depth[a] for a in node.after), default=0)
    return max(depth.values(), default=0)


def _merge_nfields(fields: list[NField], f: NField, type_name: str) -> list[NField]:
    """``fields`` with ``f`` merged in by response key (sub-selections united), for
    selecting what several implementations ask of one interface object at once."""
    for index, existing in enumerate(fields):
        if existing.key != f.key:
            continue
        if existing.name != f.name or _printed(existing.arguments) != _printed(f.arguments):
            raise PlanningError(
                f'Cannot select "{f.key}" on "{type_name}" for every implementation at once: '
                "the implementations select different fields or arguments under that name"
            )
        if existing.selections is None or f.selections is None:
            return fields
        selections = dict(existing.selections)
        for child_type, child_fields in f.selections.items():
            merged = list(selections.get(child_type, []))
            for child in child_fields:
                merged = _merge_nfields(merged, child, type_name)
            selections[child_type] = merged
        combined = NField(existing.key, existing.name, existing.arguments, existing.type)
        combined.selections = selections
        combined.merged_from = [*(existing.merged_from or [existing]), *(f.merged_from or [f])]
        return [*fields[:index], combined, *fields[index + 1 :]]
    return [*fields, f]


def _uniform(selections: dict[str, list[NField]]) -> bool:
    """Whether every possible type of an abstract field selects the same fields."""
    lists = list(selections.values())
    return all(_same_fields(fields, lists[0]) for fields in lists)


def _same_fields(first: list[NField], second: list[NField]) -> bool:
    """Whether two collected selections ask for the same response (types compared by name:
    implementations have their own type objects)."""
    if len(first) != len(second):
        return False
    for a, b in zip(first, second, strict=True):
        if (a.key, a.name, str(a.type)) != (b.key, b.name, str(b.type)):
            return False
        if _printed(a.arguments) != _printed(b.arguments):
            return False
        if (a.selections is None) != (b.selections is None):
            return False
        if a.selections is not None and b.selections is not None:
            if a.selections.keys() != b.selections.keys():
                return False
            if not all(_same_fields(a.selections[t], b.selections[t]) for t in a.selections):
                return False
    return True


def _printed(arguments: tuple[ArgumentNode, ...]) -> tuple[str, ...]:
    return tuple(print_ast(a) for a in arguments)
