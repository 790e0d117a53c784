"""Arguments and input fields whose nullability differs between subgraphs merge to the
stricter type (``limit: Int`` and ``Int!`` → ``Int!``; ``term: String`` and ``String!`` →
``String!``): the gateway enforces it for every subgraph, including the lenient one — a
missing or null value is an error even where ``a`` would have accepted it."""

from typing import Any

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link


def _items(_: Any, world: World, limit: int | None = None) -> list[dict[str, Any]]:
    items = world.table("Item")
    return items[:limit] if limit is not None else items


def _find(_: Any, world: World, c: dict[str, Any]) -> list[dict[str, Any]]:
    term = c.get("term") or ""
    return [i for i in world.table("Item") if term in i["id"]]


a = Subgraph(
    "a",
    f"""
    {link("@shareable")}
    type Query {{
      items(limit: Int): [Item!]! @shareable
      find(c: Criteria!): [Item!]! @shareable
    }}
    input Criteria {{ term: String }}
    type Item @shareable {{ id: ID! }}
    """,
    resolvers={"Query.items": _items, "Query.find": _find},
)

b = Subgraph(
    "b",
    f"""
    {link("@shareable")}
    type Query {{
      items(limit: Int!): [Item!]! @shareable
      find(c: Criteria!): [Item!]! @shareable
    }}
    input Criteria {{ term: String! }}
    type Item @shareable {{ id: ID! }}
    """,
    resolvers={"Query.items": _items, "Query.find": _find},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[a, b],
    world=World({"Item": [{"id": "i1"}, {"id": "i2"}, {"id": "x3"}]}),
    queries=[
        Query("missing-required-argument", "{ items { id } }"),
        Query("literal-argument", "{ items(limit: 2) { id } }"),
        Query(
            "nullable-variable-rejected",
            "query ($n: Int) { items(limit: $n) { id } }",
            variables={"n": 1},
        ),
        Query(
            "non-null-variable",
            "query ($n: Int!) { items(limit: $n) { id } }",
            variables={"n": 1},
        ),
        Query(
            "nullable-variable-with-default",
            "query ($n: Int = 1) { items(limit: $n) { id } }",
            variables={},
        ),
        Query(
            "explicit-null-for-defaulted-variable",
            "query ($n: Int = 1) { items(limit: $n) { id } }",
            variables={"n": None},
        ),
        Query("missing-required-input-field", "{ find(c: {}) { id } }"),
        Query(
            "input-variable",
            "query ($c: Criteria!) { find(c: $c) { id } }",
            variables={"c": {"term": "i"}},
        ),
        Query(
            "input-variable-null-field",
            "query ($c: Criteria!) { find(c: $c) { id } }",
            variables={"c": {"term": None}},
        ),
    ],
    overrides={
        # CoerceArgumentValues: an explicit null variable for a non-null argument is a field
        # error (the default applies only when the variable is absent). @apollo/gateway
        # forwards the null to the lenient subgraph `a`, which answers every item.
        "explicit-null-for-defaulted-variable": Override(
            {
                "data": None,
                "errors": [
                    {
                        "message": 'Argument "limit" of non-null type "Int!" must not be null.',
                        "path": ["items"],
                    }
                ],
            },
            "an explicit null for the supergraph's Int! argument is a field error",
        ),
    },
)
