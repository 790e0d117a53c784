"""The prepared-document cache keeps only what Strawberry would run as it is: documents that
parse within the token limit, validate under the schema's rules (limits, introspection in
production) and name one query or mutation; it stays bounded."""

from __future__ import annotations

import pytest
from graphql import NoSchemaIntrospectionCustomRule, specified_rules

from shared.config import Environment, Settings
from shared.graphql.documents import MAX_KEPT_LENGTH, DocumentCache
from shared.graphql.schema import LIMIT_RULES, MAX_DEPTH, MAX_TOKENS, SubgraphSchema
from subgraphs.auth.schema import create_schema
from subgraphs.payments.schema import create_schema as payments_schema
from subgraphs.payments.settings import PaymentsSettings

SECRET = "s" * 40


@pytest.fixture(scope="module")
def schema() -> SubgraphSchema:
    return create_schema(Settings(_env_file=None))  # type: ignore[call-arg]


def _cache(schema: SubgraphSchema, maxsize: int = 8, production: bool = False) -> DocumentCache:
    rules = [*specified_rules, *LIMIT_RULES]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return DocumentCache(schema._schema, rules, max_tokens=MAX_TOKENS, maxsize=maxsize)


def test_a_valid_query_is_prepared_once(schema: SubgraphSchema) -> None:
    cache = _cache(schema)
    first = cache.get("{ me { id } }", None)
    assert first is not None and first.is_query
    assert cache.get("{ me { id } }", None) is first
    mutation = cache.get("mutation($i: LoginInput!) { login(input: $i) { accessToken } }", None)
    assert mutation is not None and not mutation.is_query


@pytest.mark.parametrize(
    "query",
    [
        "{ me { id }",  # does not parse
        "{ me { nope } }",  # does not validate
        "{ me { " + " ".join(f"a{i}: id" for i in range(31)) + " } }",  # aliases
        "{ me { ...F } } fragment F on User { "
        + " ".join(f"a{i}: id" for i in range(31))
        + " }",  # aliases through a fragment
        "{ me { " + "id " * (MAX_TOKENS + 1) + "} }",  # tokens
        "query A { me { id } } query B { me { name } }",  # which one?
    ],
)
def test_what_strawberry_refuses_takes_the_standard_path(
    schema: SubgraphSchema, query: str
) -> None:
    cache = _cache(schema)
    assert cache.get(query, None) is None
    assert cache.get(query, None) is None  # remembered, never prepared on a second sight


def _payments_schema() -> SubgraphSchema:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return payments_schema(settings, PaymentsSettings())


def _nested(depth: int) -> str:
    """`User.payments` → edges → node → user → payments …: `depth` nested fields (3 mod 4:
    the last is a node), then its id."""
    cycle = ["payments(first: 1)", "edges", "node", "user"]
    selection = "id"
    for level in reversed([cycle[i % 4] for i in range(depth)]):
        selection = f"{level} {{ {selection} }}"
    return f"{{ _entities(representations: []) {{ ... on User {{ {selection} }} }} }}"


def test_depth_beyond_the_limit_takes_the_standard_path() -> None:
    schema = _payments_schema()
    assert schema.documents.get(_nested(7), None) is not None
    assert schema.documents.get(_nested(MAX_DEPTH + 3), None) is None
    fragments = " ".join(
        f"fragment F{i} on Payment {{ user {{ payments(first: 1) {{ edges {{ node {{ ...F{i + 1} }}"
        " } } } }"
        for i in range(4)
    )
    query = "{ _entities(representations: []) { ... on Payment { ...F0 } } } " + fragments
    query += " fragment F4 on Payment { id }"
    assert schema.documents.get(query, None) is None  # the depth through fragments counts


def test_subscriptions_take_the_standard_path() -> None:
    schema = _payments_schema()
    assert schema.documents.get("subscription { myPaymentUpdates { id } }", None) is None


def test_the_operation_name_picks_the_operation(schema: SubgraphSchema) -> None:
    cache = _cache(schema)
    query = "query A { me { id } } mutation B { logout { loggedOut } }"
    a, b = cache.get(query, "A"), cache.get(query, "B")
    assert a is not None and a.is_query
    assert b is not None and not b.is_query
    assert cache.get(query, "C") is None


def test_introspection_is_not_prepared_in_production(schema: SubgraphSchema) -> None:
    query = "{ __schema { queryType { name } } }"
    assert _cache(schema).get(query, None) is not None
    assert _cache(schema, production=True).get(query, None) is None
    assert _cache(schema, production=True).get("{ _service { sdl } }", None) is not None


def test_production_schemas_refuse_introspection_in_their_cache() -> None:
    settings = Settings(
        app_env=Environment.PRODUCTION,
        jwt_secret=SECRET,
        subgraph_secret=SECRET[::-1] + "x",
        _env_file=None,  # type: ignore[call-arg]
    )
    production = create_schema(settings)
    assert production.documents.get("{ __schema { queryType { name } } }", None) is None
    assert production.documents.get('{ __type(name: "User") { name } }', None) is None
    assert production.documents.get("{ me { id } }", None) is not None


def test_the_cache_is_bounded(schema: SubgraphSchema) -> None:
    cache = _cache(schema, maxsize=3)
    queries = [f"{{ me {{ a{i}: id }} }}" for i in range(5)]
    for query in queries:
        assert cache.get(query, None) is not None
    assert len(cache) == 3
    kept = cache.get(queries[-1], None)
    cache.get(queries[2], None)  # the least recently used is now queries[3]
    cache.get("{ me { nope } }", None)  # a refused document takes a place too
    assert len(cache) == 3
    assert cache.get(queries[-1], None) is kept


def test_long_texts_are_neither_kept_nor_parsed(schema: SubgraphSchema) -> None:
    cache = _cache(schema)
    long = "{ me { id } }" + " " * MAX_KEPT_LENGTH
    assert cache.get(long, None) is None
    assert len(cache) == 0
