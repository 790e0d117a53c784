"""Read one subgraph's SDL into a typed model with federation directives resolved.

Federation v2 subgraphs name their directives through ``@link(import: [...])`` (possibly
renamed, or namespaced as ``@federation__key``); Federation 1 subgraphs use plain names and
``extend type``. Both end up as the same :class:`SubgraphSchema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLSyntaxError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListValueNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ObjectValueNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    ValueNode,
    parse,
)

from router.supergraph.errors import CompositionError

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]

FEDERATION_DIRECTIVES = frozenset(
    {
        "key",
        "external",
        "requires",
        "provides",
        "shareable",
        "override",
        "inaccessible",
        "tag",
        "extends",
        "interfaceObject",
        "composeDirective",
        "authenticated",
        "requiresScopes",
        "policy",
        "context",
        "fromContext",
        "cost",
        "listSize",
    }
)
BUILTIN_TYPES = frozenset(
    {"_Service", "_Entity", "_Any", "_FieldSet", "FieldSet", "federation__FieldSet", "link__Import"}
)
ROOT_KINDS = ("query", "mutation", "subscription")
DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


@dataclass
class SubgraphField:
    """A field (or input field) of one subgraph type, with its federation metadata."""

    name: str
    type: TypeNode
    arguments: list[InputValueDefinitionNode] = field(default_factory=list)
    default_value: ValueNode | None = None
    description: str | None = None
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    shareable: bool = False
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: ConstDirectiveNode | None = None


@dataclass
class SubgraphEnumValue:
    """An enum value of one subgraph."""

    name: str
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: ConstDirectiveNode | None = None


@dataclass
class SubgraphType:
    """A named type of one subgraph."""

    name: str
    kind: TypeKind
    description: str | None = None
    keys: list[tuple[str, bool]] = field(default_factory=list)
    extension: bool = False
    shareable: bool = False
    inaccessible: bool = False
    interface_object: bool = False
    tags: list[str] = field(default_factory=list)
    fields: dict[str, SubgraphField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, SubgraphEnumValue] = field(default_factory=dict)
    specified_by: ConstDirectiveNode | None = None


@dataclass
class SubgraphSchema:
    """One subgraph's types after federation directives are resolved."""

    name: str
    url: str
    is_fed2: bool
    types: dict[str, SubgraphType]
    roots: dict[str, str]


def _string(value: ValueNode | None) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _bool(value: ValueNode | None, default: bool) -> bool:
    return value.value if isinstance(value, BooleanValueNode) else default


def _args(node: ConstDirectiveNode) -> dict[str, ValueNode]:
    return {arg.name.value: arg.value for arg in node.arguments or ()}


class _DirectiveNames:
    """Maps the names a subgraph uses for federation directives to their canonical names."""

    def __init__(self, document: DocumentNode) -> None:
        self.names: dict[str, str] = {}
        links = [
            directive
            for definition in document.definitions
            if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode)
            for directive in definition.directives or ()
            if directive.name.value == "link"
        ]
        self.is_fed2 = False
        for link in links:
            args = _args(link)
            url = _string(args.get("url")) or ""
            if "/federation/" not in url:
                continue
            self.is_fed2 = True
            prefix = _string(args.get("as")) or "federation"
            for name in FEDERATION_DIRECTIVES:
                self.names[f"{prefix}__{name}"] = name
            imports = args.get("import")
            for item in imports.values if isinstance(imports, ListValueNode) else ():
                self._add_import(item)
        if not self.is_fed2:
            self.names = {name: name for name in FEDERATION_DIRECTIVES}

    def _add_import(self, item: ValueNode) -> None:
        if isinstance(item, StringValueNode):
            name = item.value.lstrip("@")
            self.names[name] = name
        elif isinstance(item, ObjectValueNode):
            fields = {f.name.value: f.value for f in item.fields}
            name = (_string(fields.get("name")) or "").lstrip("@")
            alias = (_string(fields.get("as")) or name).lstrip("@")
            self.names[alias] = name

    def canonical(self, directive: ConstDirectiveNode) -> str | None:
        return self.names.get(directive.name.value)


TypeNodes = (
    ObjectTypeDefinitionNode
    | ObjectTypeExtensionNode
    | InterfaceTypeDefinitionNode
    | InterfaceTypeExtensionNode
    | UnionTypeDefinitionNode
    | UnionTypeExtensionNode
    | EnumTypeDefinitionNode
    | EnumTypeExtensionNode
    | InputObjectTypeDefinitionNode
    | InputObjectTypeExtensionNode
    | ScalarTypeDefinitionNode
    | ScalarTypeExtensionNode
)


def _kind(node: TypeNodes) -> TypeKind:
    if isinstance(node, ObjectTypeDefinitionNode | ObjectTypeExtensionNode):
        return "object"
    if isinstance(node, InterfaceTypeDefinitionNode | InterfaceTypeExtensionNode):
        return "interface"
    if isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        return "union"
    if isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        return "enum"
    if isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
        return "input"
    return "scalar"


def parse_subgraph(name: str, url: str, sdl: str) -> SubgraphSchema:
    """Parse ``sdl`` (as served by ``_service { sdl }``) into a :class:`SubgraphSchema`.

    Raises :class:`CompositionError` when the SDL does not parse or mixes kinds for one name.
    """
    try:
        document = parse(sdl, no_location=True)
    except GraphQLSyntaxError as exc:
        raise CompositionError([f"[{name}] SDL does not parse: {exc.message}"]) from exc
    names = _DirectiveNames(document)
    roots = dict(DEFAULT_ROOTS)
    types: dict[str, SubgraphType] = {}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for op in definition.operation_types or ():
                roots[op.operation.value] = op.type.name.value
            continue
        if not isinstance(definition, TypeNodes):
            continue
        type_name = definition.name.value
        if type_name in BUILTIN_TYPES or type_name.startswith("link__"):
            continue
        kind = _kind(definition)
        current = types.setdefault(type_name, SubgraphType(name=type_name, kind=kind))
        if current.kind != kind:
            raise CompositionError(
                [f"[{name}] type {type_name} is defined as both {current.kind} and {kind}"]
            )
        _read_type(current, definition, names)
    for root in roots.values():
        query_type = types.get(root)
        if query_type is not None:
            query_type.fields.pop("_service", None)
            query_type.fields.pop("_entities", None)
            query_type.keys.clear()
            query_type.extension = False
    types = {
        type_name: t
        for type_name, t in types.items()
        if not (type_name in roots.values() and t.kind == "object" and not t.fields)
    }
    return SubgraphSchema(name=name, url=url, is_fed2=names.is_fed2, types=types, roots=roots)


def _read_type(target: SubgraphType, node: TypeNodes, names: _DirectiveNames) -> None:
    description = getattr(node, "description", None)
    if description is not None:
        target.description = description.value
    is_extension = isinstance(node, ObjectTypeExtensionNode | InterfaceTypeExtensionNode) or any(
        names.canonical(d) == "extends" for d in node.directives or ()
    )
    for directive in node.directives or ():
        canonical = names.canonical(directive)
        args = _args(directive)
        if canonical == "key":
            target.keys.append(
                (_string(args.get("fields")) or "", _bool(args.get("resolvable"), True))
            )
        elif canonical == "shareable":
            target.shareable = True
        elif canonical == "inaccessible":
            target.inaccessible = True
        elif canonical == "interfaceObject":
            target.interface_object = True
        elif canonical == "tag":
            target.tags.append(_string(args.get("name")) or "")
        elif directive.name.value == "specifiedBy":
            target.specified_by = directive
    if is_extension and target.keys:
        target.extension = True
    if isinstance(
        node,
        ObjectTypeDefinitionNode
        | ObjectTypeExtensionNode
        | InterfaceTypeDefinitionNode
        | InterfaceTypeExtensionNode,
    ):
        target.interfaces.extend(i.name.value for i in node.interfaces or ())
        for field_node in node.fields or ():
            sub_field = _read_field(
                field_node.name.value,
                field_node.type,
                field_node.directives or (),
                names,
                field_node.description,
            )
            sub_field.arguments = list(field_node.arguments or ())
            if is_extension and not names.is_fed2 and target.keys:
                sub_field.shareable = True
            target.fields[sub_field.name] = sub_field
    elif isinstance(node, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
        for input_node in node.fields or ():
            sub_field = _read_field(
                input_node.name.value,
                input_node.type,
                input_node.directives or (),
                names,
                input_node.description,
            )
            sub_field.default_value = input_node.default_value
            target.fields[sub_field.name] = sub_field
    elif isinstance(node, UnionTypeDefinitionNode | UnionTypeExtensionNode):
        target.members.extend(t.name.value for t in node.types or ())
    elif isinstance(node, EnumTypeDefinitionNode | EnumTypeExtensionNode):
        for value_node in node.values or ():
            value = SubgraphEnumValue(
                name=value_node.name.value,
                description=value_node.description.value if value_node.description else None,
            )
            for directive in value_node.directives or ():
                canonical = names.canonical(directive)
                if canonical == "inaccessible":
                    value.inaccessible = True
                elif canonical == "tag":
                    value.tags.append(_string(_args(directive).get("name")) or "")
                elif directive.name.value == "deprecated":
                    value.deprecated = directive
            target.values[value.name] = value


def _read_field(
    name: str,
    type_node: TypeNode,
    directives: tuple[ConstDirectiveNode, ...] | list[ConstDirectiveNode],
    names: _DirectiveNames,
    description: StringValueNode | None,
) -> SubgraphField:
    result = SubgraphField(
        name=name, type=type_node, description=description.value if description else None
    )
    for directive in directives:
        canonical = names.canonical(directive)
        args = _args(directive)
        if canonical == "external":
            result.external = True
        elif canonical == "requires":
            result.requires = _string(args.get("fields"))
        elif canonical == "provides":
            result.provides = _string(args.get("fields"))
        elif canonical == "override":
            result.override = _string(args.get("from"))
            result.override_label = _string(args.get("label"))
        elif canonical == "shareable":
            result.shareable = True
        elif canonical == "inaccessible":
            result.inaccessible = True
        elif canonical == "tag":
            result.tags.append(_string(args.get("name")) or "")
        elif directive.name.value == "deprecated":
            result.deprecated = directive
    return result
