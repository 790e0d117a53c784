"""Build a query plan from a normalised operation.

The planner walks the operation once. Within a fetch it keeps every field the current
subgraph can resolve (or was promised through ``@provides``); the others are grouped by the
subgraph that owns them into one entity fetch per (subgraph, response path), which carries the
``@key`` fields and any ``@requires`` fields in its representations. That grouping is what
makes a list of N entities cost one batched ``_entities`` call per level, not N.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    VariableDefinitionNode,
    VariableNode,
    print_ast,
    visit,
)
from graphql.language import Visitor

from router.planner.normalize import NField, Normalizer
from router.planner.plan import (
    FetchNode,
    QueryPlan,
    Requirement,
    SField,
    SFragment,
    SItem,
    print_selections,
)
from router.supergraph.fieldset import parse_field_set
from router.supergraph.model import Supergraph, TypeMeta

INTERNAL_PREFIX = "__fed_"


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""


Provided = dict[str, Any]


def _provided_from(field_set: str | None) -> Provided | None:
    """``"name address { city }"`` → ``{"name": {}, "address": {"city": {}}}``."""
    if not field_set:
        return None

    def walk(selection_set: Any) -> Provided:
        out: Provided = {}
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                out[node.name.value] = walk(node.selection_set) if node.selection_set else {}
            elif node.selection_set is not None:
                out.update(walk(node.selection_set))
        return out

    return walk(parse_field_set(field_set))


@dataclass
class _Pending:
    """Fields one entity fetch must resolve for one type, and the representation it needs."""

    fields: list[NField]
    requirements: list[NField]


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
        self._fetch_count = 0

    # Root level -----------------------------------------------------------------------------

    def build(self, kind: str, root_type: str, fields: list[NField]) -> QueryPlan:
        meta = self.supergraph.types[root_type]
        groups: list[tuple[str, list[NField]]] = []
        introspection = False
        for f in fields:
            if f.name in ("__schema", "__type"):
                introspection = True
                continue
            if f.name == "__typename":
                continue
            graphs = meta.resolving_graphs(f.name)
            if not graphs:
                raise PlanningError(f'No subgraph resolves field "{root_type}.{f.name}"')
            if kind == "mutation":
                if groups and groups[-1][0] in graphs:
                    groups[-1][1].append(f)
                else:
                    groups.append((graphs[0], [f]))
                continue
            existing = next((g for g in groups if g[0] in graphs), None)
            if existing is None:
                groups.append((graphs[0], [f]))
            else:
                existing[1].append(f)
        fetches: list[FetchNode] = []
        for graph, group in groups:
            node = FetchNode(graph=graph)
            node.selections = self._plan_object(graph, meta, group, (), node, None, root=True)
            fetches.append(node)
        for node in fetches:
            self._finish(node, kind)
        return QueryPlan(kind, root_type, fields, fetches, introspection)

    # Selections within one fetch -------------------------------------------------------------

    def _plan_object(
        self,
        graph: str,
        meta: TypeMeta,
        fields: list[NField],
        path: tuple[str, ...],
        node: FetchNode,
        provided: Provided | None,
        root: bool = False,
        with_requirements: bool = False,
    ) -> list[SItem]:
        """Plan ``fields`` of ``meta`` inside ``node`` (which fetches from ``graph``).

        ``with_requirements`` is set at the top of an entity fetch, where the representations
        carry the ``@requires`` fields; anywhere else a field with ``@requires`` must go
        through an entity fetch even in its own subgraph.
        """
        local: list[SItem] = []
        remote: dict[str, _Pending] = {}
        through: dict[tuple[str, str], list[NField]] = {}
        for f in fields:
            if f.name == "__typename":
                if not root:
                    local.append(SField(f.key, "__typename"))
                continue
            if self._is_local(meta, f.name, graph, provided, with_requirements):
                sub_provided = provided.get(f.name) if provided is not None else None
                local.append(self._plan_field(graph, meta, f, path, node, sub_provided))
                continue
            candidates = meta.resolving_graphs(f.name)
            if not candidates:
                route = self._interface_object_route(meta, f.name)
                if route is None or root:
                    raise PlanningError(f'No subgraph resolves field "{meta.name}.{f.name}"')
                through.setdefault(route, []).append(f)
                continue
            target = next((g for g in candidates if g in remote), candidates[0])
            if graph in candidates:
                target = graph
            remote.setdefault(target, _Pending([], [])).fields.append(f)
        if remote:
            if root:
                raise PlanningError(f'Root field of "{meta.name}" planned outside its subgraph')
            self._plan_entity_fetches(graph, meta, remote, path, node, local, provided)
        for (interface, target), through_fields in through.items():
            self._plan_through_interface(
                graph, meta, interface, target, through_fields, path, node, local, provided
            )
        if not root and not any(isinstance(i, SField) and i.key == "__typename" for i in local):
            local.insert(0, SField("__typename", "__typename"))
        return local

    def _plan_field(
        self,
        graph: str,
        meta: TypeMeta,
        f: NField,
        path: tuple[str, ...],
        node: FetchNode,
        provided: Provided | None,
    ) -> SField:
        if f.selections is None:
            return SField(f.key, f.name, f.arguments)
        field_meta = meta.fields.get(f.name)
        join = field_meta.join_for(graph) if field_meta else None
        if provided is None and join is not None:
            provided = _provided_from(join.provides)
        child_path = (*path, f.key)
        named = f.named_type
        named_meta = self.supergraph.types.get(named)
        if named_meta is not None and named_meta.is_interface_object_in(graph):
            planned = self._plan_interface_object(graph, named_meta, f, child_path, node, provided)
            return SField(f.key, f.name, f.arguments, planned)
        children: list[SItem] = []
        for type_name, type_fields in f.selections.items():
            child_meta = self.supergraph.types.get(type_name)
            if child_meta is None:
                continue
            if type_name == named:
                children = self._plan_object(
                    graph, child_meta, type_fields, child_path, node, provided
                )
                break
            if not self._knows_member(graph, named, child_meta):
                continue
            planned = self._plan_object(graph, child_meta, type_fields, child_path, node, provided)
            children.append(SFragment(type_name, planned))
        if named not in f.selections:
            children.insert(0, SField("__typename", "__typename"))
        return SField(f.key, f.name, f.arguments, children)

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
            with_requirements or not self._has_requires(meta, field_name, graph)
        )

    @staticmethod
    def _has_requires(meta: TypeMeta, field_name: str, graph: str) -> bool:
        field_meta = meta.fields.get(field_name)
        join = field_meta.join_for(graph) if field_meta else None
        return join is not None and join.requires is not None

    def _knows_member(self, graph: str, abstract: str, member: TypeMeta) -> bool:
        if graph not in member.graphs:
            return False
        abstract_meta = self.supergraph.types.get(abstract)
        if abstract_meta is not None and abstract_meta.members_by_graph:
            return member.name in abstract_meta.members_by_graph.get(graph, set())
        return True

    # Entity interfaces and @interfaceObject ---------------------------------------------------

    def _plan_interface_object(
        self,
        graph: str,
        interface: TypeMeta,
        f: NField,
        path: tuple[str, ...],
        node: FetchNode,
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
        selections = f.selections
        here: list[NField] = []
        rest: dict[str, list[NField]] = {}
        for type_name, type_fields in selections.items():
            for selected in type_fields:
                if selected.name != "__typename" and self._is_local(
                    interface, selected.name, graph, provided, False
                ):
                    here = _merge_nfields(here, selected, interface.name)
                else:
                    rest.setdefault(type_name, []).append(selected)
        items = self._plan_object(graph, interface, here, path, node, provided)
        client_fields = f.merged_from or [f]
        if not rest and all(_uniform(c.selections or {}) for c in client_fields):
            # Read by the projection for objects whose __typename is the interface's name.
            for client_field in client_fields:
                assert client_field.selections is not None
                lists = list(client_field.selections.values())
                client_field.selections[interface.name] = lists[0] if lists else []
            return items
        owner, key = self._interface_owner(interface, graph, provided)
        key_fields = self.normalizer.fields(self._composite(interface), [parse_field_set(key)])
        representation = self._add_local_requirements(
            graph, interface, key_fields, items, path, node, provided
        )
        child = self._entity_child(node, owner, path)
        body: list[SItem] = [SField("__typename", "__typename")]
        for type_name, type_fields in rest.items():
            member = self.supergraph.types.get(type_name)
            if member is None:
                continue
            planned = self._plan_object(owner, member, type_fields, path, child, None)
            body.append(SFragment(type_name, planned))
        existing = child.entity_types.get(interface.name)
        child.entity_types[interface.name] = (
            body if existing is None else _merge_items(existing, body)
        )
        child.requirements.setdefault(interface.name, representation)
        return items

    def _interface_owner(
        self, interface: TypeMeta, graph: str, provided: Provided | None
    ) -> tuple[str, str]:
        """A subgraph that defines ``interface`` as an interface (so answers the concrete
        ``__typename``) and a key of it that ``graph`` can provide."""
        for owner in interface.graphs:
            if interface.is_interface_object_in(owner) or not interface.keys.get(owner):
                continue
            try:
                return owner, self._choose_key(interface, graph, owner, provided)
            except PlanningError:
                continue
        raise PlanningError(
            f'Subgraph "{graph}" cannot resolve the concrete type of "{interface.name}": no '
            "subgraph defines it as an interface with a @key it can provide"
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
        self,
        graph: str,
        meta: TypeMeta,
        interface_name: str,
        target: str,
        fields: list[NField],
        path: tuple[str, ...],
        node: FetchNode,
        local: list[SItem],
        provided: Provided | None,
    ) -> None:
        """An entity fetch of ``meta`` objects to the ``@interfaceObject`` subgraph
        ``target``, as the interface: ``__typename`` in the representations is the
        interface's name. Implementations at the same path share the fetch."""
        interface = self.supergraph.types[interface_name]
        key = self._choose_key(meta, graph, target, provided, interface.keys.get(target, []))
        key_fields = self.normalizer.fields(self._object(meta), [parse_field_set(key)])
        representation = self._add_local_requirements(
            graph, meta, key_fields, local, path, node, provided
        )
        child = self._entity_child(node, target, path)
        planned = self._plan_object(
            target, interface, fields, path, child, None, with_requirements=True
        )
        existing = child.entity_types.get(meta.name)
        child.entity_types[meta.name] = (
            planned if existing is None else _merge_items(existing, planned)
        )
        child.requirements.setdefault(meta.name, representation)
        child.type_conditions[meta.name] = interface_name

    # Entity fetches -------------------------------------------------------------------------

    def _plan_entity_fetches(
        self,
        graph: str,
        meta: TypeMeta,
        remote: dict[str, _Pending],
        path: tuple[str, ...],
        node: FetchNode,
        local: list[SItem],
        provided: Provided | None,
    ) -> None:
        """Add one entity fetch per target subgraph; fetches whose ``@requires`` fields live in
        a third subgraph become children of that subgraph's fetch so they run after it."""
        after: dict[str, str] = {}
        for target, pending in list(remote.items()):
            requirement_fields = self._requirement_fields(meta, target, pending.fields)
            key = self._choose_key(meta, graph, target, provided)
            key_fields = self.normalizer.fields(self._object(meta), [parse_field_set(key)])
            pending.requirements = self._merge_requirements(key_fields, requirement_fields)
            for required in requirement_fields:
                if meta.is_resolvable(required.name, graph) or required.name in (provided or {}):
                    continue
                owners = meta.resolving_graphs(required.name)
                if not owners or owners[0] == target:
                    raise PlanningError(
                        f'Cannot satisfy @requires of "{meta.name}" in "{target}": '
                        f'"{required.name}" is not resolvable'
                    )
                remote.setdefault(owners[0], _Pending([], [])).fields.append(required)
                after[target] = owners[0]
        for target in sorted(remote, key=lambda t: t in after):
            pending = remote[target]
            if not pending.requirements:
                key = self._choose_key(meta, graph, target, provided)
                pending.requirements = self.normalizer.fields(
                    self._object(meta), [parse_field_set(key)]
                )
            representation = self._add_local_requirements(
                graph, meta, pending.requirements, local, path, node, provided
            )
            parent = node
            if target in after:
                parent = self._entity_child(node, after[target], path)
            child = self._entity_child(parent, target, path)
            planned = self._plan_object(
                target, meta, pending.fields, path, child, None, with_requirements=True
            )
            child.entity_types.setdefault(meta.name, []).extend(planned)
            child.requirements.setdefault(meta.name, representation)

    def _requirement_fields(
        self, meta: TypeMeta, target: str, fields: list[NField]
    ) -> list[NField]:
        selection_sets = []
        for f in fields:
            field_meta = meta.fields.get(f.name)
            join = field_meta.join_for(target) if field_meta else None
            if join is not None and join.requires:
                selection_sets.append(parse_field_set(join.requires))
        if not selection_sets:
            return []
        return self.normalizer.fields(self._object(meta), selection_sets)

    @staticmethod
    def _merge_requirements(first: list[NField], second: list[NField]) -> list[NField]:
        keys = {f.key for f in first}
        return first + [f for f in second if f.key not in keys]

    def _choose_key(
        self,
        meta: TypeMeta,
        graph: str,
        target: str,
        provided: Provided | None,
        keys: list[str] | None = None,
    ) -> str:
        """A key of ``meta`` in ``target`` (or one of ``keys``) that ``graph`` can provide."""
        for key in meta.keys.get(target, []) if keys is None else keys:
            names = [
                n.name.value for n in parse_field_set(key).selections if isinstance(n, FieldNode)
            ]
            if all(meta.can_provide_key_field(n, graph) or n in (provided or {}) for n in names):
                return key
        raise PlanningError(
            f'Subgraph "{graph}" cannot reach type "{meta.name}" in "{target}": '
            "no @key of the target can be resolved from the source"
        )

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

    def _add_local_requirements(
        self,
        graph: str,
        meta: TypeMeta,
        requirements: list[NField],
        local: list[SItem],
        path: tuple[str, ...],
        node: FetchNode,
        provided: Provided | None,
    ) -> list[Requirement]:
        """Select the representation's fields in the current fetch; returns how to read them."""
        out: list[Requirement] = []
        taken = {i.key: i for i in local if isinstance(i, SField)}
        for required in requirements:
            existing = taken.get(required.name)
            local_ok = meta.is_resolvable(required.name, graph) or meta.can_provide_key_field(
                required.name, graph
            )
            if (
                required.selections is None
                and existing is not None
                and existing.name == required.name
                and not existing.arguments
            ):
                out.append(Requirement(required.name, required.name))
                continue
            key = required.name if existing is None else INTERNAL_PREFIX + required.name
            if not local_ok and required.name not in (provided or {}):
                # Supplied by another entity fetch at the same path (a @requires chain).
                out.append(self._requirement(required, required.name))
                continue
            planned = self._plan_field(graph, meta, required, path, node, None)
            planned.key = key
            local.append(planned)
            taken[key] = planned
            out.append(self._requirement(required, key))
        return out

    def _requirement(self, f: NField, key: str) -> Requirement:
        if f.selections is None:
            return Requirement(f.name, key)
        children = [
            self._requirement(child, child.key)
            for type_fields in f.selections.values()
            for child in type_fields
        ]
        return Requirement(f.name, key, children)

    def _entity_child(self, node: FetchNode, graph: str, path: tuple[str, ...]) -> FetchNode:
        for child in node.children:
            if child.graph == graph and child.path == path:
                return child
        child = FetchNode(graph=graph, path=path)
        node.children.append(child)
        return child

    # Operation text ---------------------------------------------------------------------------

    def _finish(self, node: FetchNode, kind: str) -> None:
        self._fetch_count += 1
        name = ""
        if self.operation_name:
            name = f" {self.operation_name}__{node.graph}__{self._fetch_count - 1}"
        if node.is_entity:
            conditions: dict[str, list[SItem]] = {}
            for type_name, items in node.entity_types.items():
                condition = node.type_conditions.get(type_name, type_name)
                earlier = conditions.get(condition)
                conditions[condition] = items if earlier is None else _merge_items(earlier, items)
            body: list[SItem] = [SFragment(c, items) for c, items in conditions.items()]
            selections: list[SItem] = [
                SField(
                    "_entities",
                    "_entities",
                    (_REPRESENTATIONS_ARGUMENT,),
                    [SField("__typename", "__typename"), *body],
                )
            ]
            kind = "query"
        else:
            selections = node.selections
        text = print_selections(selections)
        used = _used_variables(selections)
        node.variables = tuple(v for v in self.variable_definitions if v in used)
        definitions = [print_ast(self.variable_definitions[v]) for v in node.variables]
        if node.is_entity:
            definitions.insert(0, "$representations: [_Any!]!")
        header = kind + name + (f"({', '.join(definitions)})" if definitions else "")
        node.operation = f"{header} {text}"
        for child in node.children:
            self._finish(child, "query")


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


def _merge_items(items: list[SItem], more: list[SItem]) -> list[SItem]:
    """Subgraph selections ``items`` and ``more`` as one (same response keys merged)."""
    out = list(items)
    for item in more:
        if isinstance(item, SFragment):
            index = next(
                (
                    i
                    for i, o in enumerate(out)
                    if isinstance(o, SFragment) and o.type_condition == item.type_condition
                ),
                None,
            )
            if index is None:
                out.append(item)
            else:
                existing_fragment = out[index]
                assert isinstance(existing_fragment, SFragment)
                out[index] = SFragment(
                    item.type_condition, _merge_items(existing_fragment.children, item.children)
                )
            continue
        index = next(
            (i for i, o in enumerate(out) if isinstance(o, SField) and o.key == item.key), None
        )
        if index is None:
            out.append(item)
            continue
        existing = out[index]
        assert isinstance(existing, SField)
        if existing.name != item.name or _printed(existing.arguments) != _printed(item.arguments):
            raise PlanningError(
                f'Cannot fetch "{item.key}" for several types at once: they select different '
                "fields or arguments under that name"
            )
        if existing.children is not None and item.children is not None:
            out[index] = SField(
                existing.key,
                existing.name,
                existing.arguments,
                _merge_items(existing.children, item.children),
            )
    return out


def _printed(arguments: tuple[ArgumentNode, ...]) -> tuple[str, ...]:
    return tuple(print_ast(a) for a in arguments)


def _used_variables(items: list[SItem]) -> set[str]:
    names: set[str] = set()

    class _Collect(Visitor):
        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            names.add(node.name.value)

    for item in items:
        if isinstance(item, SField):
            for argument in item.arguments:
                visit(argument, _Collect())
        if item.children:
            names.update(_used_variables(item.children))
    names.discard("representations")
    return names


_REPRESENTATIONS_ARGUMENT: ArgumentNode = (
    parse_field_set("_entities(representations: $representations)").selections[0].arguments[0]  # type: ignore[attr-defined]
)
