"""``__typename`` in every position: the root (no subgraph needed), aliased, on union members,
on entities fetched from another subgraph, on an ``@interfaceObject`` (whose subgraph does not
know the concrete type: the interface's owner must say it), and on mutations."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _like(_: Any, world: World, id: str) -> dict[str, Any] | None:
    post = world.get("Post", id=id)
    if post is not None:
        post["likes"] += 1
    return post


posts = Subgraph(
    "posts",
    f"""
    {link("@key")}
    type Query {{ feed: [FeedItem!]! post(id: ID!): Post }}
    type Mutation {{ like(id: ID!): Post }}
    union FeedItem = Post | Photo
    type Post @key(fields: "id") {{ id: ID! title: String! }}
    type Photo @key(fields: "id") {{ id: ID! url: String! }}
    """,
    resolvers={
        "Query.feed": lambda _, w: w.table("Post") + w.table("Photo"),
        "Query.post": lambda _, w, id: w.get("Post", id=id),
        "Mutation.like": _like,
    },
)

likes = Subgraph(
    "likes",
    f"""
    {link("@key")}
    type Post @key(fields: "id") {{ id: ID! likes: Int! }}
    """,
)

media = Subgraph(
    "media",
    f"""
    {link("@key")}
    interface Media @key(fields: "id") {{ id: ID! title: String! }}
    type Book implements Media @key(fields: "id") {{ id: ID! title: String! }}
    type Movie implements Media @key(fields: "id") {{ id: ID! title: String! }}
    """,
)

recs = Subgraph(
    "recs",
    f"""
    {link("@key", "@interfaceObject")}
    type Query {{ topMedia: [Media!]! }}
    type Media @key(fields: "id") @interfaceObject {{ id: ID! score: Int! }}
    """,
    resolvers={
        "Query.topMedia": lambda _, w: [
            {"__typename": "Media", "id": m["id"], "score": m["score"]}
            for m in w.table("Movie") + w.table("Book")
        ]
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[posts, likes, media, recs],
    world=World(
        {
            "Post": [{"id": "p1", "title": "Hello", "likes": 2}],
            "Photo": [{"id": "f1", "url": "https://example.com/f1.jpg"}],
            "Book": [{"id": "b1", "title": "Dune", "score": 9}],
            "Movie": [{"id": "m1", "title": "Alien", "score": 8}],
        },
        implementations={"Media": ["Book", "Movie"]},
    ),
    queries=[
        Query("root-only", "{ __typename }"),
        Query("root-aliased-with-field", "{ a: __typename b: __typename feed { __typename } }"),
        Query(
            "union-members",
            "{ feed { __typename ... on Post { t: __typename likes } "
            "... on Photo { __typename url } } }",
        ),
        Query("interface-object", "{ topMedia { __typename score } }"),
        Query("interface-object-aliased-only", "{ topMedia { kind: __typename } }"),
        Query(
            "mutation",
            'mutation { __typename like(id: "p1") { __typename likes } }',
        ),
        Query(
            "entity-from-other-subgraph",
            '{ post(id: "p1") { likes __typename } none: post(id: "x") { __typename } }',
        ),
    ],
)
