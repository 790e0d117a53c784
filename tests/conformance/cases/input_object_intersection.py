"""Input objects and arguments that differ between subgraphs: ``Filter`` merges to the fields
both subgraphs define (``debug``, only in ``a``, is gone; ``secret`` is ``@inaccessible``),
``Hit.score(boost:)`` loses the argument ``b`` lacks. Each subgraph echoes the filter it
received, so explicit nulls, absent fields, defaults and nested objects must arrive intact."""

import json
from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _echo(_: Any, __: World, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [{"echo": json.dumps(filter, sort_keys=True), "score": 1.5}]


a = Subgraph(
    "a",
    f"""
    {link("@shareable", "@inaccessible")}
    type Query {{ searchA(filter: Filter!): [Hit!]! }}
    input Filter {{
      term: String
      limit: Int = 10
      tags: [String!]
      range: Range
      debug: Boolean
      secret: String @inaccessible
    }}
    input Range {{ min: Int max: Int }}
    type Hit @shareable {{ echo: String! score(boost: Float): Float! }}
    """,
    resolvers={
        "Query.searchA": _echo,
        "Hit.score": lambda h, _, boost=None: h["score"] * (boost or 1),
    },
)

b = Subgraph(
    "b",
    f"""
    {link("@shareable", "@inaccessible")}
    type Query {{ searchB(filter: Filter): [Hit!]! }}
    input Filter {{
      term: String
      limit: Int = 10
      tags: [String!]
      range: Range
      secret: String @inaccessible
    }}
    input Range {{ min: Int max: Int }}
    type Hit @shareable {{ echo: String! score: Float! }}
    """,
    resolvers={"Query.searchB": _echo},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[a, b],
    world=World({}),
    queries=[
        Query(
            "literal-input",
            '{ searchA(filter: {term: "a", tags: ["x", "y"], range: {min: 1}}) { echo } }',
        ),
        Query(
            "explicit-null-vs-absent",
            "{ searchA(filter: {term: null}) { echo } "
            "searchB(filter: {tags: null, range: {max: null}}) { echo } }",
        ),
        Query("field-of-one-subgraph-rejected", "{ searchA(filter: {debug: true}) { echo } }"),
        Query("inaccessible-field-rejected", '{ searchB(filter: {secret: "x"}) { echo } }'),
        Query(
            "variable-in-two-subgraphs",
            "query ($f: Filter!) { searchA(filter: $f) { echo } searchB(filter: $f) { echo } }",
            variables={"f": {"term": "b", "limit": 1, "range": {"min": 2}}},
        ),
        Query(
            "variable-inside-literal-missing",
            "query ($t: String) { searchB(filter: {term: $t, limit: 2}) { echo } }",
            variables={},
        ),
        Query("null-argument", "{ searchB(filter: null) { echo } }"),
        Query(
            "variable-with-unknown-field",
            "query ($f: Filter!) { searchA(filter: $f) { echo } }",
            variables={"f": {"term": "x", "debug": True}},
        ),
        Query("list-coercion", '{ searchA(filter: {tags: "solo"}) { echo } }'),
        Query(
            "argument-of-one-subgraph",
            "{ searchA(filter: {}) { score(boost: 2) } }",
        ),
        Query(
            "shared-type-without-argument",
            "{ searchA(filter: {}) { score } searchB { score } }",
        ),
    ],
)
