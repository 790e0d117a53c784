"""Print a composed supergraph as join-spec v0.5 SDL (the format Apollo's composition writes)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from graphql import ConstDirectiveNode, InputValueDefinitionNode, TypeNode, ValueNode, print_ast

from router.supergraph.subgraph import DEFAULT_ROOTS, SubgraphEnumValue, TypeKind

JOIN_DEFINITIONS = """directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean, overrideLabel: String, contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
"""  # noqa: E501

INACCESSIBLE_DEFINITION = (
    "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | "
    "ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION\n"
)
TAG_DEFINITION = (
    "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | "
    "ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | "
    "SCHEMA\n"
)

SPEC_TYPES = """input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}

scalar join__DirectiveArguments

scalar join__FieldSet

scalar join__FieldValue
"""

LINK_TYPES = '''scalar link__Import

enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}
'''


@dataclass
class MergedField:
    """A field of the supergraph with its per-subgraph ``@join__field`` arguments."""

    name: str
    type: TypeNode
    arguments: list[Any] = field(default_factory=list)
    default_value: ValueNode | None = None
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    deprecated: ConstDirectiveNode | None = None
    joins: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MergedType:
    """A named type of the supergraph with its join metadata."""

    name: str
    kind: TypeKind
    description: str | None = None
    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    join_types: list[tuple[str, str | None, bool, bool, bool]] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, tuple[list[str], SubgraphEnumValue]] = field(default_factory=dict)
    fields: list[MergedField] = field(default_factory=list)
    specified_by: ConstDirectiveNode | None = None


def _quote(text: str) -> str:
    return json.dumps(text)


def _description(text: str | None, indent: str) -> str:
    if not text:
        return ""
    if "\n" in text or '"' in text:
        body = text.replace('"""', '\\"""')
        return f'{indent}"""\n{indent}{body}\n{indent}"""\n'
    return f"{indent}{_quote(text)}\n"


def _marks(inaccessible: bool, tags: list[str]) -> str:
    out = " @inaccessible" if inaccessible else ""
    return out + "".join(f" @tag(name: {_quote(t)})" for t in tags)


def _join_type(entry: tuple[str, str | None, bool, bool, bool]) -> str:
    graph, key, extension, resolvable, interface_object = entry
    args = [f"graph: {graph}"]
    if key is not None:
        args.append(f"key: {_quote(key)}")
    if extension:
        args.append("extension: true")
    if not resolvable:
        args.append("resolvable: false")
    if interface_object:
        args.append("isInterfaceObject: true")
    return f"@join__type({', '.join(args)})"


def _join_field(join: dict[str, Any], merged_type: TypeNode) -> str:
    if join["graph"] is None:
        return "@join__field"
    args = [f"graph: {join['graph']}"]
    if join["requires"]:
        args.append(f"requires: {_quote(join['requires'])}")
    if join["provides"]:
        args.append(f"provides: {_quote(join['provides'])}")
    if join["type"] != merged_type:
        args.append(f"type: {_quote(print_ast(join['type']))}")
    if join["external"]:
        args.append("external: true")
    if join["override"]:
        args.append(f"override: {_quote(join['override'])}")
    if join["override_label"]:
        args.append(f"overrideLabel: {_quote(join['override_label'])}")
    if join["used_overridden"]:
        args.append("usedOverridden: true")
    return f"@join__field({', '.join(args)})"


def _arguments(arguments: list[InputValueDefinitionNode]) -> str:
    if not arguments:
        return ""
    return "(" + ", ".join(print_ast(a) for a in arguments) + ")"


def _print_field(merged_field: MergedField) -> str:
    line = f"  {merged_field.name}{_arguments(merged_field.arguments)}: "
    line += print_ast(merged_field.type)
    if merged_field.default_value is not None:
        line += f" = {print_ast(merged_field.default_value)}"
    if merged_field.deprecated is not None:
        line += " " + print_ast(merged_field.deprecated)
    line += "".join(" " + _join_field(j, merged_field.type) for j in merged_field.joins)
    line += _marks(merged_field.inaccessible, merged_field.tags)
    return _description(merged_field.description, "  ") + line


def _print_type(merged: MergedType) -> str:
    keyword = {
        "object": "type",
        "interface": "interface",
        "union": "union",
        "enum": "enum",
        "input": "input",
        "scalar": "scalar",
    }[merged.kind]
    head = f"{keyword} {merged.name}"
    if merged.interfaces:
        head += " implements " + " & ".join(merged.interfaces)
    marks = [_join_type(j) for j in merged.join_types]
    marks += [
        f"@join__implements(graph: {g}, interface: {_quote(i)})" for g, i in merged.implements
    ]
    marks += [
        f"@join__unionMember(graph: {g}, member: {_quote(m)})" for g, m in merged.union_members
    ]
    directives = "".join(f"\n  {m}" for m in marks) + _marks(merged.inaccessible, merged.tags)
    text = _description(merged.description, "") + head + directives
    if merged.kind == "union":
        return text + (" = " + " | ".join(merged.members) if merged.members else "") + "\n"
    if merged.kind == "scalar":
        if merged.specified_by is not None:
            text += "\n  " + print_ast(merged.specified_by)
        return text + "\n"
    if merged.kind == "enum":
        lines = []
        for name, (graphs, value) in merged.values.items():
            line = f"  {name}" + "".join(f" @join__enumValue(graph: {g})" for g in graphs)
            if value.deprecated is not None:
                line += " " + print_ast(value.deprecated)
            lines.append(_description(value.description, "  ") + line)
        return text + "\n{\n" + "\n".join(lines) + "\n}\n"
    return text + "\n{\n" + "\n".join(_print_field(f) for f in merged.fields) + "\n}\n"


def print_supergraph(
    graphs: list[tuple[str, str, str]], types: list[MergedType], roots: list[str]
) -> str:
    """Print the supergraph SDL; ``graphs`` holds (enum value, subgraph name, routing url)."""
    uses_inaccessible = any(
        t.inaccessible or any(f.inaccessible for f in t.fields) for t in types
    ) or any(v.inaccessible for t in types for _, v in t.values.values())
    uses_tag = any(t.tags or any(f.tags for f in t.fields) for t in types)
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        '@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)',
    ]
    if uses_tag:
        links.append('@link(url: "https://specs.apollo.dev/tag/v0.3")')
    if uses_inaccessible:
        links.append('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)')
    schema = "schema\n" + "".join(f"  {link}\n" for link in links) + "{\n"
    schema += "".join(f"  {kind}: {DEFAULT_ROOTS[kind]}\n" for kind in roots) + "}\n"
    definitions = JOIN_DEFINITIONS
    if uses_inaccessible:
        definitions += "\n" + INACCESSIBLE_DEFINITION
    if uses_tag:
        definitions += "\n" + TAG_DEFINITION
    graph_enum = (
        "enum join__Graph\n{\n"
        + "\n".join(
            f"  {enum} @join__graph(name: {_quote(name)}, url: {_quote(url)})"
            for enum, name, url in graphs
        )
        + "\n}\n"
    )
    blocks = [schema, definitions, SPEC_TYPES, graph_enum, LINK_TYPES]
    blocks += [_print_type(t) for t in types]
    return "\n".join(blocks)
