"""Load a supergraph SDL (ours or one composed by Apollo / The Guild tools) into a model.

Reads join spec v0.1-v0.5 (``@join__type``, ``@join__field``, ``@join__implements``,
``@join__unionMember``, ``@join__graph``) honouring ``@link(as:)`` renames, and derives the API
schema clients see (join/link machinery and ``@inaccessible`` elements removed).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DefinitionNode,
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueNode,
    GraphQLError,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    ValueNode,
    build_ast_schema,
    parse,
)

from router.supergraph.errors import SupergraphError
from router.supergraph.model import FieldJoin, FieldMeta, Graph, Supergraph, TypeMeta

KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})


def _args(node: ConstDirectiveNode) -> dict[str, ValueNode]:
    return {arg.name.value: arg.value for arg in node.arguments or ()}


def _str(value: ValueNode | None) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _enum(value: ValueNode | None) -> str | None:
    return value.value if isinstance(value, EnumValueNode) else None


def _bool(value: ValueNode | None) -> bool:
    return isinstance(value, BooleanValueNode) and value.value


class _SpecNames:
    """Prefixes of the join and inaccessible specs as linked by this document."""

    def __init__(self, document: DocumentNode) -> None:
        self.join = "join"
        self.inaccessible = "inaccessible"
        self.link_prefixes = {"link"}
        for definition in document.definitions:
            if not isinstance(definition, SchemaDefinitionNode):
                continue
            for directive in definition.directives or ():
                if directive.name.value not in ("link", "core"):
                    continue
                args = _args(directive)
                url = _str(args.get("url")) or _str(args.get("feature")) or ""
                alias = _str(args.get("as"))
                name = url.rstrip("/").split("/")[-2] if url.count("/") >= 2 else ""
                if name == "join":
                    self.join = alias or "join"
                elif name == "inaccessible":
                    self.inaccessible = alias or "inaccessible"
                elif name in ("link", "core"):
                    self.link_prefixes.add(alias or name)

    def is_machinery(self, name: str) -> bool:
        """Types and directives that belong to the specs, not to the API."""
        prefixes = (f"{self.join}__", *(f"{p}__" for p in self.link_prefixes))
        return name.startswith(prefixes) or name in self.link_prefixes


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and index a supergraph SDL; raises :class:`SupergraphError` when unusable."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as exc:
        raise SupergraphError(f"supergraph SDL does not parse: {exc.message}") from exc
    names = _SpecNames(document)
    graphs, enum_to_name = _read_graphs(document, names)
    types = _read_types(document, names, enum_to_name)
    roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            for op in definition.operation_types:
                roots[op.operation.value] = op.type.name.value
    try:
        schema = _build(document, names, keep_inaccessible=True)
        api_schema = _build(document, names, keep_inaccessible=False)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"supergraph SDL is not a valid schema: {exc}") from exc
    roots = {kind: name for kind, name in roots.items() if schema.get_type(name) is not None}
    return Supergraph(
        sdl=sdl, graphs=graphs, types=types, schema=schema, api_schema=api_schema, root_types=roots
    )


def _read_graphs(
    document: DocumentNode, names: _SpecNames
) -> tuple[dict[str, Graph], dict[str, str]]:
    graphs: dict[str, Graph] = {}
    enum_to_name: dict[str, str] = {}
    for definition in document.definitions:
        if isinstance(definition, EnumTypeDefinitionNode) and (
            definition.name.value == f"{names.join}__Graph"
        ):
            for value in definition.values or ():
                for directive in value.directives or ():
                    if directive.name.value == f"{names.join}__graph":
                        args = _args(directive)
                        name = _str(args.get("name")) or value.name.value.lower()
                        graphs[name] = Graph(name=name, url=_str(args.get("url")) or "")
                        enum_to_name[value.name.value] = name
    if not graphs:
        raise SupergraphError("supergraph SDL declares no subgraphs (join__Graph is missing)")
    return graphs, enum_to_name


def _read_types(
    document: DocumentNode, names: _SpecNames, enum_to_name: dict[str, str]
) -> dict[str, TypeMeta]:
    types: dict[str, TypeMeta] = {}
    join = names.join
    # join v0.2+ lists each subgraph's interfaces; v0.1 does not (every subgraph has them all).
    has_implements = any(
        isinstance(d, DirectiveDefinitionNode) and d.name.value == f"{join}__implements"
        for d in document.definitions
    )
    for definition in document.definitions:
        if not isinstance(
            definition,
            ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode | UnionTypeDefinitionNode,
        ):
            continue
        kind = {
            ObjectTypeDefinitionNode: "object",
            InterfaceTypeDefinitionNode: "interface",
            UnionTypeDefinitionNode: "union",
        }[type(definition)]
        meta = TypeMeta(name=definition.name.value, kind=kind)
        if has_implements:
            meta.implements_by_graph = {}
        for directive in definition.directives or ():
            args = _args(directive)
            graph = enum_to_name.get(_enum(args.get("graph")) or "")
            if directive.name.value == f"{join}__type" and graph:
                if graph not in meta.graphs:
                    meta.graphs.append(graph)
                key = _str(args.get("key"))
                resolvable = "resolvable" not in args or _bool(args.get("resolvable"))
                if key is not None and resolvable:
                    meta.keys.setdefault(graph, []).append(key)
                if _bool(args.get("isInterfaceObject")):
                    meta.interface_object_graphs.add(graph)
            elif directive.name.value == f"{join}__unionMember" and graph:
                member = _str(args.get("member")) or ""
                meta.members_by_graph.setdefault(graph, set()).add(member)
            elif directive.name.value == f"{join}__implements" and graph:
                meta.implements_by_graph = meta.implements_by_graph or {}
                interface = _str(args.get("interface")) or ""
                meta.implements_by_graph.setdefault(graph, set()).add(interface)
        # Sorted so that the same supergraph plans the same whichever tool wrote it.
        meta.graphs = sorted(meta.graphs or enum_to_name.values())
        if not isinstance(definition, UnionTypeDefinitionNode):
            meta.interfaces = [i.name.value for i in definition.interfaces or ()]
            for field_node in definition.fields or ():
                meta.fields[field_node.name.value] = _read_field(
                    field_node.name.value, field_node.directives or (), join, enum_to_name
                )
        types[meta.name] = meta
    _mark_interface_object_fields(types)
    return types


def _mark_interface_object_fields(types: dict[str, TypeMeta]) -> None:
    """A bare ``@join__field`` (no graph) on an implementation of an interface that has an
    ``@interfaceObject`` subgraph marks a field only that subgraph resolves, through the
    interface (Apollo's composition writes them so); elsewhere it means "every subgraph"."""
    for meta in types.values():
        if not any(types[i].interface_object_graphs for i in meta.interfaces if i in types):
            continue
        for field_meta in meta.fields.values():
            if field_meta.bare_join:
                field_meta.through_interface = True


def _read_field(name: str, directives: Any, join: str, enum_to_name: dict[str, str]) -> FieldMeta:
    meta = FieldMeta(name=name)
    for directive in directives:
        if directive.name.value != f"{join}__field":
            continue
        args = _args(directive)
        graph_enum = _enum(args.get("graph"))
        meta.joins.append(
            FieldJoin(
                graph=enum_to_name.get(graph_enum) if graph_enum else None,
                requires=_str(args.get("requires")),
                provides=_str(args.get("provides")),
                external=_bool(args.get("external")),
                override=_str(args.get("override")),
                used_overridden=_bool(args.get("usedOverridden")),
                type=_str(args.get("type")),
                override_label=_str(args.get("overrideLabel")),
            )
        )
    if meta.joins and all(j.graph is None for j in meta.joins):
        meta.joins = []
        meta.bare_join = True
    return meta


def _is_inaccessible(node: Any, names: _SpecNames) -> bool:
    return any(d.name.value == names.inaccessible for d in getattr(node, "directives", None) or ())


def _strip(node: Any, names: _SpecNames, keep_inaccessible: bool) -> Any:
    """A copy of ``node`` without spec directives, and without inaccessible children."""
    changes: dict[str, Any] = {}
    if getattr(node, "directives", None):
        changes["directives"] = tuple(d for d in node.directives if d.name.value in KEPT_DIRECTIVES)
    for attr in ("fields", "values", "arguments"):
        children = getattr(node, attr, None)
        if children:
            changes[attr] = tuple(
                _strip(child, names, keep_inaccessible)
                for child in children
                if keep_inaccessible or not _is_inaccessible(child, names)
            )
    return _replace(node, **changes)


def _replace(node: Any, **changes: Any) -> Any:
    values = {k: getattr(node, k, None) for k in node.keys}
    values.update(changes)
    return node.__class__(**values)


def _build(document: DocumentNode, names: _SpecNames, keep_inaccessible: bool) -> GraphQLSchema:
    hidden = {
        d.name.value
        for d in document.definitions
        if isinstance(d, TypeDefinitionNode) and _is_inaccessible(d, names)
    }
    definitions: list[DefinitionNode] = []
    for definition in document.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            continue
        if isinstance(definition, SchemaDefinitionNode):
            definitions.append(_strip(definition, names, keep_inaccessible))
            continue
        if not isinstance(definition, TypeDefinitionNode):
            continue
        if names.is_machinery(definition.name.value):
            continue
        if not keep_inaccessible and definition.name.value in hidden:
            continue
        stripped = _strip(definition, names, keep_inaccessible)
        if not keep_inaccessible and isinstance(definition, UnionTypeDefinitionNode):
            stripped = _replace(
                stripped,
                types=tuple(t for t in definition.types or () if t.name.value not in hidden),
            )
        if not keep_inaccessible and isinstance(
            definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode
        ):
            stripped = _replace(
                stripped,
                interfaces=tuple(
                    i for i in definition.interfaces or () if i.name.value not in hidden
                ),
            )
        definitions.append(stripped)
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)))
