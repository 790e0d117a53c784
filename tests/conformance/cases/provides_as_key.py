"""An ``@external`` field used through ``@provides`` as another subgraph's key: ``reviews``
provides the author's ``username``, which ``social`` keys users by, so the gateway can go
from ``reviews`` straight to ``social``; without it (``Review.editor``) ``accounts`` must
first supply the username."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _user(world: World, ref: Ref | None, *fields: str) -> dict[str, Any] | None:
    row = world.deref(ref)
    if row is None:
        return None
    return {"__typename": "User", "id": row["id"], **{f: row[f] for f in fields}}


accounts = Subgraph(
    "accounts",
    f"""
    {link("@key", "@shareable")}
    type User @key(fields: "id") @key(fields: "username") {{
      id: ID!
      username: String! @shareable
      name: String!
    }}
    """,
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key", "@external", "@provides")}
    type Query {{ reviews: [Review!]! }}
    type Review {{
      body: String!
      author: User! @provides(fields: "username")
      editor: User
    }}
    type User @key(fields: "id") {{ id: ID! username: String! @external }}
    """,
    resolvers={
        "Query.reviews": lambda _, w: w.table("Review"),
        "Review.author": lambda r, w: _user(w, r["author"], "username"),
        "Review.editor": lambda r, w: _user(w, r["editor"]),
    },
)

social = Subgraph(
    "social",
    f"""
    {link("@key")}
    type User @key(fields: "username") {{ username: String! followers: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, reviews, social],
    world=World(
        {
            "User": [
                {"id": "u1", "username": "ada", "name": "Ada", "followers": 120},
                {"id": "u2", "username": "bob", "name": "Bob", "followers": 7},
            ],
            "Review": [
                {"body": "Great", "author": Ref("User", id="u1"), "editor": Ref("User", id="u2")},
                {"body": "Meh", "author": Ref("User", id="u2"), "editor": None},
            ],
        }
    ),
    queries=[
        Query("provided-key-to-third-subgraph", "{ reviews { author { followers } } }"),
        Query(
            "provided-key-and-owner-field",
            "{ reviews { author { username followers name } } }",
        ),
        Query("key-not-provided", "{ reviews { editor { followers } } }"),
        Query(
            "both-paths-aliased",
            "{ reviews { body a: author { f: followers } "
            "e: editor { f: followers u: username } } }",
        ),
        Query("provided-key-only", "{ reviews { author { __typename username } } }"),
    ],
)
