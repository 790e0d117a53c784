"""``@provides`` on a ``@shareable`` root field: ``accounts`` and ``cache`` both resolve
``topUsers``; ``cache`` provides the users' ``name`` and owns ``karma``. Each query can be
answered from one subgraph or needs both; the gateway chooses (the fetch budget judges it)."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _cached(_: Any, world: World) -> list[dict[str, Any]]:
    """What ``cache`` stores of the top users: id, the provided name, its own karma."""
    return [
        {"__typename": "User", "id": u["id"], "name": u["name"], "karma": u["karma"]}
        for u in world.table("User")
        if u["karma"] > 0
    ]


accounts = Subgraph(
    "accounts",
    f"""
    {link("@key", "@shareable")}
    type Query {{ topUsers: [User!]! @shareable user(id: ID!): User }}
    type User @key(fields: "id") {{ id: ID! name: String! @shareable email: String! }}
    """,
    resolvers={
        "Query.topUsers": lambda _, w: [u for u in w.table("User") if u["karma"] > 0],
        "Query.user": lambda _, w, id: w.get("User", id=id),
    },
)

cache = Subgraph(
    "cache",
    f"""
    {link("@key", "@shareable", "@external", "@provides")}
    type Query {{ topUsers: [User!]! @shareable @provides(fields: "name") }}
    type User @key(fields: "id") {{ id: ID! name: String! @external karma: Int! }}
    """,
    resolvers={"Query.topUsers": _cached},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, cache],
    world=World(
        {
            "User": [
                {"id": "u1", "name": "Ada", "email": "ada@example.com", "karma": 12},
                {"id": "u2", "name": "Bob", "email": "bob@example.com", "karma": 0},
                {"id": "u3", "name": "Cy", "email": "cy@example.com", "karma": 3},
            ]
        }
    ),
    queries=[
        Query("provided-field-only", "{ topUsers { id name } }"),
        Query("owner-fields", "{ topUsers { name email } }"),
        Query("provides-and-own-field", "{ topUsers { name karma } }"),
        Query("fields-of-both", "{ topUsers { email karma } }"),
        Query("entity-from-other-root", '{ user(id: "u3") { karma name } }'),
        Query("typename", "{ topUsers { __typename karma } }"),
    ],
)
