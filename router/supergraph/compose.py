"""Compose subgraph schemas into a supergraph (Apollo Federation v2 rules, join spec v0.5).

The result is the same document Apollo's composition writes, so the router can load it (and
any supergraph composed elsewhere) through one code path: :func:`router.supergraph.loader`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import GraphQLSyntaxError, ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode

from router.supergraph.errors import CompositionError
from router.supergraph.fieldset import top_level_fields
from router.supergraph.printer import MergedField, MergedType, print_supergraph
from router.supergraph.subgraph import DEFAULT_ROOTS, SubgraphField, SubgraphSchema, SubgraphType


def graph_enum_name(subgraph_name: str) -> str:
    """The ``join__Graph`` value for a subgraph name (``my-users`` → ``MY_USERS``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", subgraph_name).upper()


def _normal_field_set(field_set: str) -> str:
    """``"a {b}"`` and ``"a { b }"`` alike."""
    return " ".join(field_set.replace("{", " { ").replace("}", " } ").split())


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _merge_output_types(a: TypeNode, b: TypeNode) -> TypeNode | None:
    """The most nullable type both can be served as, or None when they are incompatible."""
    a_inner = a.type if isinstance(a, NonNullTypeNode) else a
    b_inner = b.type if isinstance(b, NonNullTypeNode) else b
    if isinstance(a_inner, ListTypeNode) and isinstance(b_inner, ListTypeNode):
        merged_item = _merge_output_types(a_inner.type, b_inner.type)
        if merged_item is None:
            return None
        merged: TypeNode = ListTypeNode(type=merged_item)
    elif isinstance(a_inner, NamedTypeNode) and isinstance(b_inner, NamedTypeNode):
        if a_inner.name.value != b_inner.name.value:
            return None
        merged = a_inner
    else:
        return None
    if isinstance(a, NonNullTypeNode) and isinstance(b, NonNullTypeNode):
        assert isinstance(merged, NamedTypeNode | ListTypeNode)
        return NonNullTypeNode(type=merged)
    return merged


_GRAPHLESS_JOIN: dict[str, object] = {
    "graph": None,
    "requires": None,
    "provides": None,
    "external": False,
    "override": None,
    "override_label": None,
    "used_overridden": False,
    "type": None,
}


@dataclass
class _Source:
    graph: str
    subgraph: SubgraphSchema
    type: SubgraphType


@dataclass
class _Composer:
    subgraphs: list[SubgraphSchema]
    errors: list[str] = field(default_factory=list)

    def compose(self) -> str:
        sources = self._collect()
        merged = [self._merge(name, items) for name, items in sorted(sources.items())]
        self._check_entity_interfaces(merged, sources)
        self._add_interface_object_fields(merged, sources)
        self._check_inaccessible_references(merged)
        if self.errors:
            raise CompositionError(self.errors)
        graphs = sorted((graph_enum_name(s.name), s.name, s.url) for s in self.subgraphs)
        roots = [kind for kind, name in DEFAULT_ROOTS.items() if name in sources]
        return print_supergraph(graphs, merged, roots)

    def _collect(self) -> dict[str, list[_Source]]:
        sources: dict[str, list[_Source]] = {}
        seen_graphs: set[str] = set()
        for subgraph in self.subgraphs:
            graph = graph_enum_name(subgraph.name)
            if graph in seen_graphs:
                self.errors.append(f"[{subgraph.name}] two subgraphs map to graph name {graph}")
            seen_graphs.add(graph)
            renames = {name: DEFAULT_ROOTS[kind] for kind, name in subgraph.roots.items()}
            for type_name, sub_type in subgraph.types.items():
                name = renames.get(type_name, type_name)
                sources.setdefault(name, []).append(_Source(graph, subgraph, sub_type))
        if "Query" not in sources:
            self.errors.append("No subgraph defines a Query root type with fields")
        return sources

    def _merge(self, name: str, items: list[_Source]) -> MergedType:
        kinds = {item.type.kind for item in items}
        interface_objects = [i for i in items if i.type.interface_object]
        if interface_objects:
            self._check_interface_object(name, items, interface_objects)
            kinds = {i.type.kind for i in items if not i.type.interface_object}
        if len(kinds) > 1:
            detail = ", ".join(f'{i.type.kind} in "{i.subgraph.name}"' for i in items)
            self.errors.append(f'Type "{name}" has mismatched kinds: {detail} (TYPE_KIND_MISMATCH)')
        kind = items[0].type.kind
        if kind == "object" and any(i.type.interface_object for i in items):
            kind = "interface"
        merged = MergedType(name=name, kind=kind)
        for item in items:
            merged.description = merged.description or item.type.description
            merged.specified_by = merged.specified_by or item.type.specified_by
            merged.inaccessible = merged.inaccessible or item.type.inaccessible
            merged.tags.extend(t for t in item.type.tags if t not in merged.tags)
            merged.join_types.extend(self._join_types(item))
            for interface in item.type.interfaces:
                merged.implements.append((item.graph, interface))
                if interface not in merged.interfaces:
                    merged.interfaces.append(interface)
            for member in item.type.members:
                merged.union_members.append((item.graph, member))
                if member not in merged.members:
                    merged.members.append(member)
            for value in item.type.values.values():
                merged.values.setdefault(value.name, ([], value))[0].append(item.graph)
        for item in items:
            self._check_keys(name, item)
        if kind in ("object", "interface"):
            self._merge_output_fields(merged, items)
        elif kind == "input":
            self._merge_input_fields(merged, items)
        return merged

    def _check_interface_object(
        self, name: str, items: list[_Source], interface_objects: list[_Source]
    ) -> None:
        """``@interfaceObject`` needs an entity interface of that name in another subgraph."""
        for item in interface_objects:
            if not item.type.keys:
                self.errors.append(
                    f'[{item.subgraph.name}] The @interfaceObject type "{name}" must have a '
                    "@key (INTERFACE_OBJECT_USAGE_ERROR)"
                )
        interfaces = [i for i in items if i.type.kind == "interface"]
        if not interfaces:
            where = ", ".join(f'"{i.subgraph.name}"' for i in interface_objects)
            self.errors.append(
                f'Type "{name}" is declared with @interfaceObject in subgraph(s) {where} but is '
                "not defined as an interface in any subgraph (INTERFACE_OBJECT_USAGE_ERROR)"
            )
        elif not any(i.type.keys for i in interfaces):
            where = ", ".join(f'"{i.subgraph.name}"' for i in interfaces)
            self.errors.append(
                f'Interface "{name}" is used as an @interfaceObject but has no @key in '
                f"subgraph(s) {where} (INTERFACE_OBJECT_USAGE_ERROR)"
            )

    def _check_entity_interfaces(
        self, merged: list[MergedType], sources: dict[str, list[_Source]]
    ) -> None:
        """A subgraph with a resolvable ``@key`` on an interface must define every
        implementation of it in the supergraph, each with that key (Apollo's rules): it is
        the one that turns ``{__typename: <Interface>, ...}`` into the concrete type."""
        implementations: dict[str, list[str]] = {}
        for merged_type in merged:
            for interface in merged_type.interfaces:
                implementations.setdefault(interface, []).append(merged_type.name)
        for name, items in sources.items():
            for item in items:
                if item.type.kind != "interface" or item.type.interface_object:
                    continue
                keys = [key for key, resolvable in item.type.keys if resolvable]
                for implementation in implementations.get(name, []):
                    sub_type = item.subgraph.types.get(implementation)
                    if sub_type is None or name not in sub_type.interfaces:
                        if keys:
                            sub = item.subgraph.name
                            self.errors.append(
                                f'[{sub}] Interface type "{name}" has a resolvable key '
                                f'(@key(fields: "{keys[0]}")) in subgraph "{sub}" but that '
                                "subgraph is missing some of the supergraph implementation "
                                f'types of "{name}". Subgraph "{sub}" should define type '
                                f'"{implementation}" (and have it implement "{name}"). '
                                "(INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE)"
                            )
                        continue
                    have = {_normal_field_set(key) for key, _ in sub_type.keys}
                    for key in keys:
                        if _normal_field_set(key) not in have:
                            self.errors.append(
                                f'[{item.subgraph.name}] Key @key(fields: "{key}") on interface '
                                f'type "{name}" is missing on implementation type '
                                f'"{implementation}". (INTERFACE_KEY_NOT_ON_IMPLEMENTATION)'
                            )

    def _add_interface_object_fields(
        self, merged: list[MergedType], sources: dict[str, list[_Source]]
    ) -> None:
        """Fields an ``@interfaceObject`` adds to an interface also appear on every
        implementation, with a bare ``@join__field``: no subgraph of the implementation
        resolves them, the planner goes through the interface (as Apollo's composition)."""
        by_name = {t.name: t for t in merged}
        for interface in merged:
            items = sources.get(interface.name, [])
            if interface.kind != "interface" or not any(i.type.interface_object for i in items):
                continue
            for implementation in merged:
                if interface.name not in implementation.interfaces:
                    continue
                have = {f.name for f in implementation.fields}
                for interface_field in by_name[interface.name].fields:
                    if interface_field.name in have:
                        continue
                    implementation.fields.append(
                        MergedField(
                            name=interface_field.name,
                            type=interface_field.type,
                            arguments=list(interface_field.arguments),
                            description=interface_field.description,
                            inaccessible=interface_field.inaccessible,
                            tags=list(interface_field.tags),
                            deprecated=interface_field.deprecated,
                            joins=[_GRAPHLESS_JOIN],
                        )
                    )

    @staticmethod
    def _join_types(item: _Source) -> list[tuple[str, str | None, bool, bool, bool]]:
        sub_type = item.type
        if not sub_type.keys:
            return [(item.graph, None, False, True, sub_type.interface_object)]
        return [
            (item.graph, key, sub_type.extension, resolvable, sub_type.interface_object)
            for key, resolvable in sub_type.keys
        ]

    def _check_keys(self, type_name: str, item: _Source) -> None:
        for key, _ in item.type.keys:
            try:
                names = top_level_fields(key)
            except GraphQLSyntaxError:
                self.errors.append(
                    f'[{item.subgraph.name}] @key(fields: "{key}") on "{type_name}" is not a '
                    "valid field set (KEY_INVALID_FIELDS)"
                )
                continue
            missing = [n for n in names if n not in item.type.fields]
            if missing:
                self.errors.append(
                    f'[{item.subgraph.name}] @key(fields: "{key}") on "{type_name}" selects '
                    f"undefined field(s) {', '.join(missing)} (KEY_INVALID_FIELDS)"
                )

    def _merge_output_fields(self, merged: MergedType, items: list[_Source]) -> None:
        order: list[str] = []
        for item in items:
            order.extend(n for n in item.type.fields if n not in order)
        for field_name in order:
            defs = [(i, i.type.fields[field_name]) for i in items if field_name in i.type.fields]
            merged.fields.append(self._merge_field(merged.name, field_name, defs, len(items)))

    def _merge_field(
        self,
        type_name: str,
        field_name: str,
        defs: list[tuple[_Source, SubgraphField]],
        type_graph_count: int,
    ) -> MergedField:
        coordinate = f"{type_name}.{field_name}"
        overridden = {f.override for _, f in defs if f.override and not f.external}
        result = MergedField(name=field_name, type=defs[0][1].type)
        resolving: list[tuple[_Source, SubgraphField]] = []
        # A @provides makes an external field resolvable where it is provided: for sharing
        # it counts like a definition (as in Apollo's composition).
        provided: list[tuple[_Source, SubgraphField]] = []
        for source, sub_field in defs:
            is_overridden = source.subgraph.name in overridden
            used = is_overridden and field_name in self._used_fields(source.type)
            if is_overridden and not used:
                continue
            if not sub_field.external and not is_overridden:
                resolving.append((source, sub_field))
            elif sub_field.external and self._provided_anywhere(
                source.subgraph, type_name, field_name
            ):
                provided.append((source, sub_field))
            result.joins.append(
                {
                    "graph": source.graph,
                    "requires": sub_field.requires,
                    "provides": sub_field.provides,
                    "external": sub_field.external,
                    "override": sub_field.override if sub_field.override else None,
                    "override_label": sub_field.override_label,
                    "used_overridden": used,
                    "type": sub_field.type,
                }
            )
            merged_type = _merge_output_types(result.type, sub_field.type)
            if merged_type is None:
                self.errors.append(
                    f'Type of field "{coordinate}" is incompatible across subgraphs: '
                    + ", ".join(f'"{_named(f.type)}" in "{s.subgraph.name}"' for s, f in defs)
                    + " (FIELD_TYPE_MISMATCH)"
                )
            else:
                result.type = merged_type
            result.description = result.description or sub_field.description
            result.inaccessible = result.inaccessible or sub_field.inaccessible
            result.tags.extend(t for t in sub_field.tags if t not in result.tags)
            result.deprecated = result.deprecated or sub_field.deprecated
            self._check_field_directives(coordinate, source, sub_field)
        self._check_sharing(coordinate, field_name, resolving + provided if resolving else [])
        if not resolving:
            names = ", ".join(f'"{s.subgraph.name}"' for s, _ in defs)
            self.errors.append(
                f'Field "{coordinate}" is marked @external in {names} but no subgraph defines it '
                "(EXTERNAL_MISSING_ON_BASE)"
            )
        result.arguments = self._merge_arguments(coordinate, [f for _, f in resolving or defs])
        has_metadata = any(
            j["requires"] or j["provides"] or j["external"] or j["override"] or j["used_overridden"]
            for j in result.joins
        )
        needs_join = has_metadata or (
            type_graph_count > 1
            and (
                len(result.joins) != type_graph_count
                or any(j["type"] != result.type for j in result.joins)
            )
        )
        if not needs_join:
            result.joins = []
        return result

    @staticmethod
    def _used_fields(sub_type: SubgraphType) -> set[str]:
        used: set[str] = set()
        for key, _ in sub_type.keys:
            used.update(top_level_fields(key))
        for sub_field in sub_type.fields.values():
            if sub_field.requires:
                used.update(top_level_fields(sub_field.requires))
        return used

    def _check_field_directives(
        self, coordinate: str, source: _Source, sub_field: SubgraphField
    ) -> None:
        name = source.subgraph.name
        if sub_field.requires:
            try:
                names = top_level_fields(sub_field.requires)
            except GraphQLSyntaxError:
                names = ["<invalid field set>"]
            missing = [n for n in names if n not in source.type.fields]
            if missing:
                self.errors.append(
                    f'[{name}] @requires(fields: "{sub_field.requires}") on "{coordinate}" '
                    f"selects undefined field(s) {', '.join(missing)} (REQUIRES_INVALID_FIELDS)"
                )
            elif source.subgraph.is_fed2:
                not_external = [n for n in names if not source.type.fields[n].external]
                if not_external:
                    self.errors.append(
                        f'[{name}] @requires on "{coordinate}" selects field(s) '
                        f"{', '.join(not_external)} that are not @external "
                        "(REQUIRES_FIELDS_MISSING_EXTERNAL)"
                    )
        if sub_field.provides:
            target = source.subgraph.types.get(_named(sub_field.type))
            if target is None or target.kind not in ("object", "interface"):
                self.errors.append(
                    f'[{name}] @provides on "{coordinate}" needs a field of object type '
                    "(PROVIDES_ON_NON_OBJECT_FIELD)"
                )
                return
            try:
                names = top_level_fields(sub_field.provides)
            except GraphQLSyntaxError:
                names = ["<invalid field set>"]
            missing = [n for n in names if n not in target.fields]
            if missing:
                self.errors.append(
                    f'[{name}] @provides(fields: "{sub_field.provides}") on "{coordinate}" '
                    f"selects undefined field(s) {', '.join(missing)} (PROVIDES_INVALID_FIELDS)"
                )
        if sub_field.external and source.subgraph.is_fed2:
            field_name = coordinate.split(".", 1)[1]
            if field_name not in self._used_fields(source.type) and not self._provided_anywhere(
                source.subgraph, source.type.name, field_name
            ):
                self.errors.append(
                    f'[{name}] Field "{coordinate}" is marked @external but is not used by any '
                    "@key, @requires or @provides (EXTERNAL_UNUSED)"
                )

    @staticmethod
    def _provided_anywhere(subgraph: SubgraphSchema, type_name: str, field_name: str) -> bool:
        return any(
            sub_field.provides
            and _named(sub_field.type) == type_name
            and field_name in top_level_fields(sub_field.provides)
            for sub_type in subgraph.types.values()
            for sub_field in sub_type.fields.values()
        )

    def _check_sharing(
        self, coordinate: str, field_name: str, resolving: list[tuple[_Source, SubgraphField]]
    ) -> None:
        if len(resolving) < 2:
            return
        not_shareable = [
            source.subgraph.name
            for source, sub_field in resolving
            if source.subgraph.is_fed2
            and not sub_field.external
            and not (
                sub_field.shareable
                or source.type.shareable
                or field_name in self._key_fields(source.type)
            )
        ]
        if not_shareable:
            everywhere = " and ".join(
                f'"{n}"' for n in sorted(s.subgraph.name for s, _ in resolving)
            )
            at_fault = ", ".join(f'"{n}"' for n in not_shareable)
            self.errors.append(
                f'Non-shareable field "{coordinate}" is resolved from multiple subgraphs: it is '
                f"resolved from subgraphs {everywhere} and defined as non-shareable in "
                f"subgraph(s) {at_fault} (INVALID_FIELD_SHARING)"
            )

    @staticmethod
    def _key_fields(sub_type: SubgraphType) -> set[str]:
        return {name for key, _ in sub_type.keys for name in top_level_fields(key)}

    def _merge_arguments(self, coordinate: str, defs: list[SubgraphField]) -> list[object]:
        names = [a.name.value for a in defs[0].arguments]
        common = [
            n for n in names if all(any(a.name.value == n for a in f.arguments) for f in defs)
        ]
        for sub_field in defs:
            for argument in sub_field.arguments:
                if argument.name.value not in common and isinstance(argument.type, NonNullTypeNode):
                    self.errors.append(
                        f'Required argument "{coordinate}({argument.name.value}:)" is not defined '
                        "in every subgraph that defines the field (REQUIRED_ARGUMENT_MISSING)"
                    )
        return [a for a in defs[0].arguments if a.name.value in common]

    def _merge_input_fields(self, merged: MergedType, items: list[_Source]) -> None:
        first = items[0].type.fields
        for field_name, sub_field in first.items():
            everywhere = all(field_name in i.type.fields for i in items)
            if everywhere:
                merged.fields.append(
                    MergedField(
                        name=field_name,
                        type=sub_field.type,
                        default_value=sub_field.default_value,
                        description=sub_field.description,
                        inaccessible=any(i.type.fields[field_name].inaccessible for i in items),
                    )
                )
        for item in items:
            for field_name, sub_field in item.type.fields.items():
                missing = not all(field_name in i.type.fields for i in items)
                required = isinstance(sub_field.type, NonNullTypeNode)
                if missing and required and sub_field.default_value is None:
                    self.errors.append(
                        f'[{item.subgraph.name}] Input field "{merged.name}.{field_name}" is '
                        "required but not defined in every subgraph that defines the input type "
                        "(REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH)"
                    )

    def _check_inaccessible_references(self, merged: list[MergedType]) -> None:
        hidden = {t.name for t in merged if t.inaccessible}
        for merged_type in merged:
            if merged_type.inaccessible:
                continue
            for merged_field in merged_type.fields:
                target = _named(merged_field.type)
                if target in hidden and not merged_field.inaccessible:
                    self.errors.append(
                        f'Field "{merged_type.name}.{merged_field.name}" returns @inaccessible '
                        f'type "{target}" but is itself accessible (REFERENCED_INACCESSIBLE)'
                    )


def compose(subgraphs: list[SubgraphSchema]) -> str:
    """Compose ``subgraphs`` into a supergraph SDL; raises :class:`CompositionError`."""
    return _Composer(subgraphs).compose()
