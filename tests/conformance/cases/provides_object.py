"""``@provides`` on an object field: ``reviews`` can answer the author's ``name`` on
``Review.author`` (and only there), so that field needs no entity fetch; fields it does not
provide, and the same ``@external`` field reached through a path without ``@provides``
(``Review.editor``, where ``reviews`` knows only the id), come from ``accounts``."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _user(world: World, ref: Ref | None, *fields: str) -> dict[str, Any] | None:
    """What ``reviews`` itself stores of a user: the key, plus the fields it provides."""
    row = world.deref(ref)
    if row is None:
        return None
    return {"__typename": "User", "id": row["id"], **{f: row[f] for f in fields}}


accounts = Subgraph(
    "accounts",
    f"""
    {link("@key", "@shareable")}
    type Query {{ users: [User!]! user(id: ID!): User }}
    type User @key(fields: "id") {{ id: ID! name: String! @shareable email: String! }}
    """,
    resolvers={
        "Query.users": lambda _, w: w.table("User"),
        "Query.user": lambda _, w, id: w.get("User", id=id),
    },
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key", "@external", "@provides")}
    type Query {{ reviews: [Review!]! review(id: ID!): Review }}
    type Review @key(fields: "id") {{
      id: ID!
      body: String!
      author: User! @provides(fields: "name")
      editor: User
    }}
    type User @key(fields: "id") {{ id: ID! name: String! @external reviews: [Review!]! }}
    """,
    resolvers={
        "Query.reviews": lambda _, w: w.table("Review"),
        "Query.review": lambda _, w, id: w.get("Review", id=id),
        "Review.author": lambda r, w: _user(w, r["author"], "name"),
        "Review.editor": lambda r, w: _user(w, r["editor"]),
        "User.reviews": lambda u, w: w.where("Review", author=Ref("User", id=u["id"])),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, reviews],
    world=World(
        {
            "User": [
                {"id": "u1", "name": "Ada", "email": "ada@example.com"},
                {"id": "u2", "name": "Bob", "email": "bob@example.com"},
            ],
            "Review": [
                {
                    "id": "r1",
                    "body": "Great",
                    "author": Ref("User", id="u1"),
                    "editor": Ref("User", id="u2"),
                },
                {"id": "r2", "body": "Meh", "author": Ref("User", id="u2"), "editor": None},
                {
                    "id": "r3",
                    "body": "Fine",
                    "author": Ref("User", id="u1"),
                    "editor": Ref("User", id="u1"),
                },
            ],
        }
    ),
    queries=[
        Query("provided-field", "{ reviews { body author { name } } }"),
        Query("provided-and-owned", "{ reviews { author { name email } } }"),
        Query("path-without-provides", "{ reviews { id editor { id name } } }"),
        Query("both-paths", "{ reviews { author { name } editor { name } } }"),
        Query(
            "provides-after-entity-fetch",
            "{ users { name reviews { body author { id name } } } }",
        ),
        Query(
            "by-id-with-typename",
            "query ($id: ID!) { review(id: $id) { __typename author { __typename id name } } "
            'none: review(id: "r9") { author { name } } }',
            variables={"id": "r2"},
        ),
        Query(
            "same-field-two-aliases",
            "{ reviews { a: author { n: name } b: author { email } } }",
        ),
    ],
)
