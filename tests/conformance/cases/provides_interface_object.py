"""``@provides`` on a field returning an ``@interfaceObject``: ``recs`` knows ``Media`` only as
an interface object and provides its ``title`` on ``topMedia``, so the title needs no fetch,
while the concrete ``__typename`` and the implementations' fields come from ``media``."""

from typing import Any

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link


def _top(_: Any, world: World) -> list[dict[str, Any]]:
    items = sorted(world.table("Book") + world.table("Movie"), key=lambda m: -m["score"])
    return [
        {"__typename": "Media", "id": m["id"], "title": m["title"], "score": m["score"]}
        for m in items
    ]


media = Subgraph(
    "media",
    f"""
    {link("@key", "@shareable")}
    interface Media @key(fields: "id") {{ id: ID! title: String! }}
    type Book implements Media @key(fields: "id") {{
      id: ID!
      title: String! @shareable
      pages: Int!
    }}
    type Movie implements Media @key(fields: "id") {{
      id: ID!
      title: String! @shareable
      minutes: Int!
    }}
    """,
)

recs = Subgraph(
    "recs",
    f"""
    {link("@key", "@interfaceObject", "@external", "@provides")}
    type Query {{ topMedia: [Media!]! @provides(fields: "title") }}
    type Media @key(fields: "id") @interfaceObject {{
      id: ID!
      title: String! @external
      score: Int!
    }}
    """,
    resolvers={"Query.topMedia": _top},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[media, recs],
    world=World(
        {
            "Book": [{"id": "b1", "title": "Dune", "pages": 412, "score": 9}],
            "Movie": [{"id": "m1", "title": "Alien", "minutes": 117, "score": 8}],
        },
        implementations={"Media": ["Book", "Movie"]},
    ),
    queries=[
        Query("provided-title", "{ topMedia { id title } }"),
        Query("provided-and-own", "{ topMedia { title score } }"),
        Query("concrete-typename", "{ topMedia { __typename title } }"),
        Query(
            "implementation-fields",
            "{ topMedia { title ... on Book { pages } ... on Movie { minutes } } }",
        ),
    ],
    overrides={
        # @apollo/gateway fails to plan it ("We should have an edge from Media(recs)-1 for
        # __typename"); the implementations' fields come from media by the provided key.
        "implementation-fields": Override(
            {
                "data": {
                    "topMedia": [
                        {"title": "Dune", "pages": 412},
                        {"title": "Alien", "minutes": 117},
                    ]
                }
            },
            "Apollo's planner fails on fragments below a provided interface object",
        ),
    },
)
