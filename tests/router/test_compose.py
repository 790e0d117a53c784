"""Composition of subgraph SDLs into a supergraph, its checks, and loading supergraph SDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import print_schema

from router.supergraph.compose import compose
from router.supergraph.errors import CompositionError
from router.supergraph.loader import load_supergraph
from router.supergraph.source import load_source, read_supergraph_config
from router.supergraph.subgraph import parse_subgraph

FED2 = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides", "@override", '
    '"@inaccessible", "@tag"])\n'
)


def _compose(**sdls: str) -> str:
    return compose([parse_subgraph(n, f"http://{n}/graphql", s) for n, s in sdls.items()])


def _errors(**sdls: str) -> list[str]:
    with pytest.raises(CompositionError) as caught:
        _compose(**sdls)
    return caught.value.messages


def test_composed_supergraph_uses_the_join_spec(supergraph_sdl: str) -> None:
    assert '@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)' in supergraph_sdl
    assert 'USERS @join__graph(name: "users", url: "http://users.test/graphql")' in supergraph_sdl
    assert '@join__type(graph: REVIEWS, key: "id")' in supergraph_sdl
    assert '@join__field(graph: REVIEWS, requires: "price weight")' in supergraph_sdl
    assert '@join__field(graph: REVIEWS, provides: "name")' in supergraph_sdl
    assert '@join__field(graph: REVIEWS, override: "products")' in supergraph_sdl
    assert '@join__implements(graph: USERS, interface: "Node")' in supergraph_sdl
    assert '@join__unionMember(graph: PRODUCTS, member: "Category")' in supergraph_sdl
    assert "secret: String! @join__field(graph: USERS) @inaccessible" in supergraph_sdl


def test_api_schema_hides_inaccessible_and_machinery(supergraph_sdl: str) -> None:
    api = print_schema(load_supergraph(supergraph_sdl).api_schema)
    assert "secret" not in api
    assert "join__" not in api and "link__" not in api and "_entities" not in api


def test_non_shareable_field_in_two_subgraphs_is_an_error() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! name: String }',
        b=FED2 + 'type Query { b: T } type T @key(fields: "id") { id: ID! name: String }',
    )
    assert any('"T.name"' in e and "INVALID_FIELD_SHARING" in e and '"a"' in e for e in errors)


def test_provided_external_field_must_be_shareable_at_its_owner() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! name: String }',
        b=FED2
        + 'type Query { b: R } type R { t: T @provides(fields: "name") }'
        + ' type T @key(fields: "id") { id: ID! name: String @external }',
    )
    assert any('"T.name"' in e and 'non-shareable in subgraph(s) "a"' in e for e in errors)


def test_shareable_field_in_two_subgraphs_composes() -> None:
    sdl = _compose(
        a=FED2
        + 'type Query { a: T } type T @key(fields: "id") { id: ID! name: String @shareable }',
        b=FED2
        + 'type Query { b: T } type T @key(fields: "id") { id: ID! name: String @shareable }',
    )
    assert "name: String\n" in sdl


def test_external_without_a_definition_is_an_error() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! }',
        b=FED2
        + 'type T @key(fields: "id") { id: ID! w: Int @external x: Int @requires(fields: "w") }',
    )
    assert any('"T.w"' in e and "EXTERNAL_MISSING_ON_BASE" in e for e in errors)


def test_unused_external_is_an_error() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! w: Int }',
        b=FED2 + 'type T @key(fields: "id") { id: ID! w: Int @external }',
    )
    assert any("[b]" in e and '"T.w"' in e and "EXTERNAL_UNUSED" in e for e in errors)


def test_key_on_undefined_field_is_an_error() -> None:
    errors = _errors(a=FED2 + 'type Query { a: T } type T @key(fields: "nope") { id: ID! }')
    assert any("[a]" in e and "nope" in e and "KEY_INVALID_FIELDS" in e for e in errors)


def test_requires_on_undefined_field_is_an_error() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! }',
        b=FED2 + 'type T @key(fields: "id") { id: ID! x: Int @requires(fields: "ghost") }',
    )
    assert any("[b]" in e and "ghost" in e and "REQUIRES_INVALID_FIELDS" in e for e in errors)


def test_incompatible_field_types_are_an_error() -> None:
    errors = _errors(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! v: Int @shareable }',
        b=FED2 + 'type T @key(fields: "id") { id: ID! v: String @shareable }',
    )
    assert any('"T.v"' in e and "FIELD_TYPE_MISMATCH" in e for e in errors)


def test_nullability_difference_composes_with_per_graph_type() -> None:
    sdl = _compose(
        a=FED2 + 'type Query { a: T } type T @key(fields: "id") { id: ID! v: Int! @shareable }',
        b=FED2 + 'type T @key(fields: "id") { id: ID! v: Int @shareable }',
    )
    assert 'v: Int @join__field(graph: A, type: "Int!") @join__field(graph: B)' in sdl


def test_federation_1_extend_type_composes() -> None:
    sdl = _compose(
        accounts='type Query { me: User } type User @key(fields: "id") { id: ID! name: String }',
        reviews=(
            'extend type User @key(fields: "id") { id: ID! @external reviews: [String] }\n'
            "extend type Query { top: [String] }"
        ),
    )
    assert '@join__type(graph: REVIEWS, key: "id", extension: true)' in sdl
    supergraph = load_supergraph(sdl)
    assert supergraph.types["User"].is_resolvable("reviews", "reviews")


def test_renamed_federation_imports_are_understood() -> None:
    sdl = _compose(
        a='extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
        'import: [{name: "@key", as: "@primary"}])\n'
        'type Query { a: T } type T @primary(fields: "id") { id: ID! }',
    )
    assert '@join__type(graph: A, key: "id")' in sdl


def test_tags_are_kept() -> None:
    sdl = _compose(a=FED2 + 'type Query { a: Int @tag(name: "public") }')
    assert '@tag(name: "public")' in sdl
    assert "https://specs.apollo.dev/tag/v0.3" in sdl


def test_inaccessible_type_returned_by_accessible_field_is_an_error() -> None:
    errors = _errors(a=FED2 + "type Query { a: Hidden } type Hidden @inaccessible { x: Int }")
    assert any('"Query.a"' in e and "REFERENCED_INACCESSIBLE" in e for e in errors)


APOLLO_STYLE = Path(__file__).parent / "fixtures" / "apollo-v0.3.supergraph.graphql"


def test_supergraph_composed_elsewhere_loads() -> None:
    supergraph = load_supergraph(APOLLO_STYLE.read_text())
    assert set(supergraph.graphs) == {"accounts", "products"}
    assert supergraph.types["Product"].keys == {"products": ["upc"]}
    assert supergraph.types["User"].is_resolvable("username", "accounts")
    assert not supergraph.types["User"].is_resolvable("username", "products")
    assert "internal" not in print_schema(supergraph.api_schema)


async def test_supergraph_yaml_with_file_schemas(tmp_path: Path) -> None:
    (tmp_path / "a.graphql").write_text(FED2 + "type Query { hello: String }")
    (tmp_path / "supergraph.yaml").write_text(
        "federation_version: =2.11.0\nsubgraphs:\n  a:\n    routing_url: http://a/graphql\n"
        "    schema:\n      file: a.graphql\n  gone:\n    routing_url: http://127.0.0.1:9/graphql\n"
        "    schema:\n      subgraph_url: http://127.0.0.1:9/graphql\n"
    )
    configs = read_supergraph_config(tmp_path / "supergraph.yaml")
    assert [c.name for c in configs] == ["a", "gone"]
    composed = await load_source(tmp_path / "supergraph.yaml", None)
    assert list(composed.supergraph.graphs) == ["a"]
    assert "gone" in composed.missing
