"""``@provides`` and ``@requires`` on the same external field: ``reviews`` provides the
author's ``name`` on ``Review.author`` and computes ``greeting`` from it with
``@requires(fields: "name")``; from ``accounts``' root the name must be sent in the
representation."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _author(review: dict[str, Any], world: World) -> dict[str, Any]:
    user = world.deref(review["author"])
    return {"__typename": "User", "id": user["id"], "name": user["name"]}


accounts = Subgraph(
    "accounts",
    f"""
    {link("@key", "@shareable")}
    type Query {{ users: [User!]! }}
    type User @key(fields: "id") {{ id: ID! name: String! @shareable }}
    """,
    resolvers={"Query.users": lambda _, w: w.table("User")},
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key", "@external", "@provides", "@requires")}
    type Query {{ reviews: [Review!]! }}
    type Review {{ body: String! author: User! @provides(fields: "name") }}
    type User @key(fields: "id") {{
      id: ID!
      name: String! @external
      greeting: String! @requires(fields: "name")
    }}
    """,
    resolvers={
        "Query.reviews": lambda _, w: w.table("Review"),
        "Review.author": _author,
        "User.greeting": lambda u, _: f"Hello, {u['name']}",
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, reviews],
    world=World(
        {
            "User": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}],
            "Review": [
                {"body": "Great", "author": Ref("User", id="u1")},
                {"body": "Meh", "author": Ref("User", id="u2")},
            ],
        }
    ),
    queries=[
        Query("requires-on-provided-path", "{ reviews { author { greeting } } }"),
        Query("requires-and-provided-field", "{ reviews { body author { name greeting } } }"),
        Query("requires-from-owner-root", "{ users { id greeting } }"),
        Query("aliased", "{ reviews { author { g: greeting n: name } } }"),
    ],
)
