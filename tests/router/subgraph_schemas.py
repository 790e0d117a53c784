"""Each subgraph's schema as the supergraph describes it, to check the router's fetches.

Built from the loaded supergraph's join metadata: the types a subgraph defines, the fields it
declares (with its own type where ``@join__field(type:)`` says it differs), its interface
implementations and union members, an ``@interfaceObject`` as an object type, and
``_entities`` over its entity types. Enums, inputs and scalars are taken whole from the
supergraph (a document's validity against a subgraph does not depend on them here).
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    parse,
    print_ast,
    print_type,
    validate,
)

from router.supergraph.model import Supergraph, TypeMeta

_SPECIFIED_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def subgraph_schema(supergraph: Supergraph, graph: str) -> GraphQLSchema:
    """The schema of ``graph`` as the supergraph describes it."""
    schema = supergraph.schema
    parts = ["scalar _Any"]
    entities: list[str] = []
    roots = set(supergraph.root_types.values())
    for name, meta in supergraph.types.items():
        if graph not in meta.graphs:
            continue
        if meta.kind == "union":
            members = sorted(supergraph.possible_types_in(name, graph))
            if members:
                parts.append(f"union {name} = {' | '.join(members)}")
            continue
        is_object = meta.kind == "object" or meta.is_interface_object_in(graph)
        fields = _fields(supergraph, meta, graph)
        if name == supergraph.root_types.get("query"):
            fields.append("_entities(representations: [_Any!]!): [_Entity]!")
        if not fields:
            fields.append("_unused: Boolean")
        head = ("type " if is_object else "interface ") + name
        interfaces = [
            i
            for i in meta.implements_in(graph)
            if graph in supergraph.types[i].graphs
            and not supergraph.types[i].is_interface_object_in(graph)
        ]
        if interfaces and not meta.is_interface_object_in(graph):
            head += " implements " + " & ".join(interfaces)
        parts.append(head + " {\n  " + "\n  ".join(fields) + "\n}")
        if is_object and name not in roots and meta.keys.get(graph):
            entities.append(name)
    query = supergraph.root_types.get("query", "Query")
    if not any(part.startswith(f"type {query} ") for part in parts):
        parts.append("type Query { _entities(representations: [_Any!]!): [_Entity]! }")
    parts.append(f"union _Entity = {' | '.join(entities) or '_NoEntity'}")
    if not entities:
        parts.append("type _NoEntity { _unused: Boolean }")
    for named in schema.type_map.values():
        if named.name.startswith("__") or named.name in _SPECIFIED_SCALARS:
            continue
        if isinstance(named, GraphQLEnumType | GraphQLInputObjectType | GraphQLScalarType):
            parts.append(print_type(named))
    schema_parts = [
        f"{kind}: {name}"
        for kind, name in supergraph.root_types.items()
        if graph in supergraph.types[name].graphs
    ]
    if not schema_parts or not schema_parts[0].startswith("query:"):
        schema_parts.insert(0, "query: Query")
    parts.append("schema { " + " ".join(schema_parts) + " }")
    return build_schema("\n\n".join(parts))


def _fields(supergraph: Supergraph, meta: TypeMeta, graph: str) -> list[str]:
    named = supergraph.schema.get_type(meta.name)
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    out: list[str] = []
    for name, definition in named.fields.items():
        field_meta = meta.fields.get(name)
        if field_meta is None or field_meta.through_interface:
            continue
        field_type = str(definition.type)
        if field_meta.joins:
            join = field_meta.join_for(graph)
            if join is None:
                continue
            field_type = join.type or field_type
        arguments = definition.ast_node.arguments if definition.ast_node else ()
        printed = ", ".join(print_ast(a) for a in arguments or ())
        out.append(f"{name}{f'({printed})' if printed else ''}: {field_type}")
    return out


def fetch_errors(supergraph: Supergraph, graph: str, operation: str) -> list[GraphQLError]:
    """Why ``operation`` is not a valid document for ``graph`` (empty when it is)."""
    return list(validate(subgraph_schema(supergraph, graph), parse(operation)))
