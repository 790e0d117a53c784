"""``@provides`` on fields returning an interface (an interface field cannot be
``@external``, so it is provided per implementation): ``feed`` provides ``title`` for every
implementation, ``picks`` only ``... on Book``, so a movie's title there (and every
implementation's own fields) comes from ``media``; queries select it through the interface."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _stored(world: World, provided: set[str]) -> list[dict[str, Any]]:
    """What ``feed`` stores: every item's key, and its title where ``provided`` names its type."""
    items = world.table("Book") + world.table("Movie")
    return [
        {
            "__typename": item["__typename"],
            "id": item["id"],
            **({"title": item["title"]} if item["__typename"] in provided else {}),
        }
        for item in sorted(items, key=lambda item: item["rank"])
    ]


media = Subgraph(
    "media",
    f"""
    {link("@key", "@shareable")}
    type Query {{ media: [Media!]! }}
    interface Media {{ id: ID! title: String! }}
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
    resolvers={"Query.media": lambda _, w: w.table("Book") + w.table("Movie")},
)

feed = Subgraph(
    "feed",
    f"""
    {link("@key", "@external", "@provides")}
    type Query {{
      feed: [Media!]! @provides(fields: "... on Book {{ title }} ... on Movie {{ title }}")
      picks: [Media!]! @provides(fields: "... on Book {{ title }}")
    }}
    interface Media {{ id: ID! title: String! }}
    type Book implements Media @key(fields: "id") {{ id: ID! title: String! @external }}
    type Movie implements Media @key(fields: "id") {{ id: ID! title: String! @external }}
    """,
    resolvers={
        "Query.feed": lambda _, w: _stored(w, {"Book", "Movie"}),
        "Query.picks": lambda _, w: _stored(w, {"Book"}),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[media, feed],
    world=World(
        {
            "Book": [
                {"id": "b1", "title": "Dune", "pages": 412, "rank": 2},
                {"id": "b2", "title": "Emma", "pages": 320, "rank": 3},
            ],
            "Movie": [{"id": "m1", "title": "Alien", "minutes": 117, "rank": 1}],
        }
    ),
    queries=[
        Query("interface-field-provided", "{ feed { id title } }"),
        Query("typename-and-provided", "{ feed { __typename title } }"),
        Query(
            "implementation-fields-fetched",
            "{ feed { title ... on Book { pages } ... on Movie { minutes } } }",
        ),
        Query("provided-for-one-implementation", "{ picks { id title } }"),
        Query(
            "provided-inline-fragments",
            "{ picks { ... on Book { title } ... on Movie { title minutes } } }",
        ),
        Query(
            "named-fragment-both-fields",
            "{ feed { ...M } picks { ...M } } fragment M on Media { __typename title }",
        ),
    ],
)
