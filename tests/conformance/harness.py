"""The conformance harness: cases of small in-memory Federation v2 subgraphs, written SDL first.

A :class:`Case` is a few :class:`Subgraph` SDLs over one in-memory :class:`World` (rows per
type), plus queries. Each subgraph is an executable graphql-core schema built from its SDL and
the federation definitions (``_Any``, ``_Entity``, ``_entities``, ``_service``, the directives),
so a case can state any Federation v2 shape exactly. Fields resolve from the current row (a
:class:`Ref` in a row is followed to the row it names); ``resolvers["Type.field"]`` computes a
field from the object and the world (``fn(obj, world, **args)``; raising makes a field error).
``_entities`` finds each representation's row by one of the subgraph's ``@key``s (``None`` when
there is none: a missing entity); the object it resolves holds the row's fields this subgraph
does not mark ``@external`` plus the representation (so ``@requires`` fields are read from what
the gateway sent, never from the world).

:class:`SubgraphService` answers one subgraph's HTTP requests the same way in-process (pytest,
through :class:`InProcessTransport`) and over a socket (the recorder, ``record.py``); it counts
the requests and validates every document against the subgraph's own schema.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SelectionSetNode,
    StringValueNode,
    build_ast_schema,
    execute_sync,
    parse,
    validate,
)

# The subgraphs' routing URLs in the recorded supergraphs; the recorder replaces the host with
# its server's, the pytest runner never opens them (in-process transports per subgraph name).
URL_BASE = "http://conformance.invalid"

Resolver = Callable[..., Any]
OUTAGE_TEXT = "subgraph unavailable"

FEDERATION_PRELUDE = """
scalar _Any
scalar FieldSet
scalar link__Import
scalar federation__Scope
scalar federation__Policy
enum link__Purpose { SECURITY EXECUTION }
type _Service { sdl: String }
directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @extends on OBJECT | INTERFACE
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION
  | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
  | SCHEMA
directive @interfaceObject on OBJECT
directive @composeDirective(name: String!) repeatable on SCHEMA
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[federation__Scope!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[federation__Policy!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
"""


def link(*imports: str, version: str = "2.7") -> str:
    """``extend schema @link(...)`` for a Federation v2 subgraph importing ``imports``."""
    names = ", ".join(f'"{name}"' for name in imports)
    return (
        f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", '
        f"import: [{names}])"
    )


@dataclass(frozen=True)
class Ref:
    """A row of another type in the world, named by its key: ``Ref("User", id="u1")``."""

    typename: str
    key: tuple[tuple[str, Any], ...]

    def __init__(self, typename: str, **key: Any) -> None:
        object.__setattr__(self, "typename", typename)
        object.__setattr__(self, "key", tuple(key.items()))


class World:
    """The in-memory data of one case: rows (dicts) per type name, shared by its subgraphs.

    ``implementations`` names the object types an interface's rows live under, for subgraphs
    that know the interface as an ``@interfaceObject`` (they do not know its implementations).
    """

    def __init__(
        self,
        rows: Mapping[str, Iterable[Mapping[str, Any]]],
        implementations: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {
            typename: [{"__typename": typename, **row} for row in table]
            for typename, table in rows.items()
        }
        self.implementations = {k: tuple(v) for k, v in (implementations or {}).items()}
        self.log: list[str] = []  # for cases that show an order of side effects (mutations)

    def table(self, typename: str) -> list[dict[str, Any]]:
        return self.rows.setdefault(typename, [])

    def get(self, typename: str, **key: Any) -> dict[str, Any] | None:
        """The row of ``typename`` (or of an implementation of that interface) with ``key``."""
        for name in (typename, *self.implementations.get(typename, ())):
            for row in self.rows.get(name, ()):
                if all(self.deref(row.get(k)) == self.deref(v) for k, v in key.items()):
                    return row
        return None

    def where(self, typename: str, **fields: Any) -> list[dict[str, Any]]:
        """The rows of ``typename`` whose stored fields equal ``fields`` (a Ref equals a Ref)."""
        return [r for r in self.table(typename) if all(r.get(k) == v for k, v in fields.items())]

    def deref(self, value: Any) -> Any:
        """Follow :class:`Ref` values (in lists too) to their rows."""
        if isinstance(value, Ref):
            return self.get(value.typename, **dict(value.key))
        if isinstance(value, list):
            return [self.deref(v) for v in value]
        return value


@dataclass
class Subgraph:
    """One subgraph of a case: its SDL (as composition reads it) and computed fields."""

    name: str
    sdl: str
    resolvers: dict[str, Resolver] = field(default_factory=dict)
    # ``fn(representation, world) -> object | None | Exception`` for a type whose entities are
    # not plain rows (an Exception becomes an error at that entity).
    entity_resolvers: dict[str, Resolver] = field(default_factory=dict)
    # An HTTP status every request is answered with, plain text, no GraphQL (a subgraph down).
    outage: int | None = None


@dataclass(frozen=True)
class Query:
    """One operation of a case, named for test ids (``case/name``)."""

    name: str
    text: str
    variables: dict[str, Any] | None = None
    operation_name: str | None = None


@dataclass(frozen=True)
class Override:
    """The spec's answer where ``@apollo/gateway``'s is wrong, and why (one line)."""

    response: dict[str, Any]
    reason: str


@dataclass
class Case:
    """A supergraph (its subgraphs over one world) and the queries run against it."""

    description: str
    subgraphs: list[Subgraph]
    world: World  # copied afresh for every query
    queries: list[Query]
    overrides: dict[str, Override] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [q.name for q in self.queries]
        assert len(names) == len(set(names)), f"duplicate query names in {names}"
        assert set(self.overrides) <= set(names), "an override names no query"

    def query(self, name: str) -> Query:
        return next(q for q in self.queries if q.name == name)


# Executable subgraph schemas -------------------------------------------------------------------


def _directive_args(node: Any, name: str) -> list[dict[str, Any]]:
    out = []
    for directive in node.directives or ():
        if directive.name.value == name:
            out.append({a.name.value: a.value for a in directive.arguments or ()})
    return out


def _field_set(text: str) -> SelectionSetNode:
    operation = parse("{" + text + "}", no_location=True).definitions[0]
    selection_set: SelectionSetNode = operation.selection_set  # type: ignore[attr-defined]
    return selection_set


def _with_federation(sdl: str) -> tuple[DocumentNode, dict[str, list[SelectionSetNode]]]:
    """The subgraph SDL plus the federation definitions; the ``@key`` field sets per type."""
    document = parse(sdl, no_location=True)
    keys: dict[str, list[SelectionSetNode]] = {}
    has_query = False
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if name == "Query" and not isinstance(definition, ObjectTypeExtensionNode):
            has_query = True
        for args in _directive_args(definition, "key"):
            value = args["fields"]
            assert isinstance(value, StringValueNode)
            keys.setdefault(str(name), []).append(_field_set(value.value))
    entities = sorted(
        {
            d.name.value
            for d in document.definitions
            if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode)
            and d.name.value in keys
        }
    )
    extra = FEDERATION_PRELUDE
    root_fields = "_service: _Service!"
    if entities:
        extra += "union _Entity = " + " | ".join(entities) + "\n"
        root_fields += " _entities(representations: [_Any!]!): [_Entity]!"
    extra += ("extend type Query { " if has_query else "type Query { ") + root_fields + " }\n"
    prelude = parse(extra, no_location=True).definitions
    return DocumentNode(definitions=(*prelude, *_defined(document.definitions))), keys


def _defined(definitions: Iterable[Any]) -> list[Any]:
    """Federation 1 subgraphs ``extend type`` types they never define: the first extension of
    such a type (``Query`` aside: the prelude defines it) becomes its definition."""
    defined = {
        d.name.value
        for d in definitions
        if isinstance(d, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode)
    }
    out = []
    for d in definitions:
        name = getattr(getattr(d, "name", None), "value", None)
        if name not in defined and name != "Query":
            if isinstance(d, ObjectTypeExtensionNode):
                d = ObjectTypeDefinitionNode(
                    name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields
                )
                defined.add(name)
            elif isinstance(d, InterfaceTypeExtensionNode):
                d = InterfaceTypeDefinitionNode(
                    name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields
                )
                defined.add(name)
        out.append(d)
    return out


class SubgraphSchema:
    """A subgraph's executable schema over a world."""

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        document, self.keys = _with_federation(subgraph.sdl)
        self.schema: GraphQLSchema = build_ast_schema(document, assume_valid_sdl=True)
        self.externals: dict[str, set[str]] = {}
        for definition in parse(subgraph.sdl, no_location=True).definitions:
            for field_node in getattr(definition, "fields", None) or ():
                if _directive_args(field_node, "external"):
                    name = definition.name.value  # type: ignore[attr-defined]
                    self.externals.setdefault(name, set()).add(field_node.name.value)

    def execute(self, document: DocumentNode, variables: Any, world: World) -> dict[str, Any]:
        result = execute_sync(
            self.schema,
            document,
            variable_values=variables,
            context_value=world,
            field_resolver=self._resolve,
        )
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        return out

    def _resolve(self, source: Any, info: GraphQLResolveInfo[Any], **args: Any) -> Any:
        world: World = info.context
        parent = info.parent_type.name
        if parent == "Query" and info.field_name == "_service":
            return {"sdl": self.subgraph.sdl}
        if parent == "Query" and info.field_name == "_entities":
            return [self._entity(rep, world) for rep in args["representations"]]
        resolver = self.subgraph.resolvers.get(f"{parent}.{info.field_name}")
        if resolver is not None:
            try:
                return world.deref(resolver(source, world, **args))
            except KeyError as exc:  # a @requires field the gateway did not send, typically
                raise GraphQLError(f"{parent}.{info.field_name}: {exc} is missing") from exc
        if isinstance(source, Mapping):
            return world.deref(source.get(info.field_name))
        return None

    def _entity(self, representation: Any, world: World) -> Any:
        if not isinstance(representation, dict) or "__typename" not in representation:
            return GraphQLError("representation without __typename")
        typename = representation["__typename"]
        custom = self.subgraph.entity_resolvers.get(typename)
        if custom is not None:
            return custom(representation, world)
        schema_type = self.schema.get_type(typename)
        if not isinstance(schema_type, GraphQLObjectType | GraphQLInterfaceType):
            return GraphQLError(f"unknown entity type {typename}")
        fields = {k: v for k, v in representation.items() if k != "__typename"}
        key = next(
            (k for k in self.keys.get(typename, ()) if _has_key(k, fields)),
            None,
        )
        if key is None:
            return GraphQLError(f"representation of {typename} has none of its keys")
        row = self._find(world, typename, schema_type, key, fields)
        if row is None:
            return None
        concrete = typename if isinstance(schema_type, GraphQLObjectType) else row["__typename"]
        external = self.externals.get(concrete, set()) | self.externals.get(typename, set())
        own = {k: v for k, v in row.items() if k not in external}
        return {**own, **fields, "__typename": concrete}

    def _find(
        self,
        world: World,
        typename: str,
        schema_type: GraphQLObjectType | GraphQLInterfaceType,
        key: SelectionSetNode,
        fields: dict[str, Any],
    ) -> dict[str, Any] | None:
        if isinstance(schema_type, GraphQLInterfaceType):
            names: Iterable[str] = (t.name for t in self.schema.get_possible_types(schema_type))
        else:
            names = (typename, *world.implementations.get(typename, ()))
        for name in names:
            for row in world.rows.get(name, ()):
                if _matches(key, fields, row, world):
                    return row
        return None


def _has_key(key: SelectionSetNode, fields: Mapping[str, Any]) -> bool:
    for selection in key.selections:
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        if name not in fields:
            return False
        if selection.selection_set is not None:
            value = fields[name]
            if not isinstance(value, Mapping) or not _has_key(selection.selection_set, value):
                return False
    return True


def _matches(key: SelectionSetNode, fields: Mapping[str, Any], row: Any, world: World) -> bool:
    row = world.deref(row)
    if not isinstance(row, Mapping):
        return False
    for selection in key.selections:
        assert isinstance(selection, FieldNode)
        name = selection.name.value
        value = world.deref(row.get(name))
        if selection.selection_set is not None:
            if not _matches(selection.selection_set, fields[name], value, world):
                return False
        elif value != fields[name]:
            return False
    return True


# Serving -----------------------------------------------------------------------------------------


@dataclass
class Received:
    """One request a subgraph received, and whether it was valid against its schema."""

    subgraph: str
    query: str
    errors: list[str]


class CaseService:
    """Every subgraph of one case over one world, with a log of what they received."""

    def __init__(self, case_name: str, case: Case) -> None:
        self.name = case_name
        self.case = case
        self.schemas = {s.name: SubgraphSchema(s) for s in case.subgraphs}
        self.world = copy.deepcopy(case.world)
        self.received: list[Received] = []

    def reset(self) -> None:
        """A fresh world and an empty log (before each query)."""
        self.world = copy.deepcopy(self.case.world)
        self.received = []

    def urls(self) -> dict[str, str]:
        return {name: f"{URL_BASE}/{self.name}/{name}" for name in self.schemas}

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.schemas, 0)
        for request in self.received:
            counts[request.subgraph] += 1
        return counts

    def invalid(self) -> list[Received]:
        return [r for r in self.received if r.errors]

    def handle(self, subgraph: str, body: bytes) -> tuple[int, dict[str, Any] | None]:
        """Answer one GraphQL POST body: (HTTP status, JSON response or None: plain text)."""
        schema = self.schemas[subgraph]
        if schema.subgraph.outage is not None:
            self.received.append(Received(subgraph, body.decode(errors="replace"), []))
            return schema.subgraph.outage, None
        try:
            request = json.loads(body)
            query = request["query"]
            variables = request.get("variables")
            document = parse(query)
        except (ValueError, KeyError, TypeError, GraphQLError) as exc:
            self.received.append(Received(subgraph, str(body[:2000]), [f"bad request: {exc}"]))
            return 400, {"errors": [{"message": f"bad request: {exc}"}]}
        errors = validate(schema.schema, document)
        self.received.append(Received(subgraph, query, [e.message for e in errors]))
        if errors:
            return 400, {"errors": [e.formatted for e in errors]}
        return 200, schema.execute(document, variables, self.world)


class InProcessTransport(httpx.AsyncBaseTransport):
    """An httpx transport that answers a subgraph's requests from its :class:`CaseService`."""

    def __init__(self, service: CaseService, subgraph: str) -> None:
        self.service = service
        self.subgraph = subgraph

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        status, payload = self.service.handle(self.subgraph, body)
        if payload is None:
            return httpx.Response(status, text=OUTAGE_TEXT)
        return httpx.Response(status, json=payload)
