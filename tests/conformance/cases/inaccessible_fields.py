"""``@inaccessible`` fields and arguments: not in the API schema (selecting or passing them is
a validation error, introspection does not show them), yet still used inside the supergraph —
``internalId`` as ``billing``'s only key, ``score`` as a ``@requires`` field — and an
inaccessible argument keeps its subgraph default."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _users(_: Any, world: World, internalFilter: str, first: int | None = None) -> Any:
    users = [u for u in world.table("User") if internalFilter == "all" or u["visible"]]
    return users[:first] if first is not None else users


users = Subgraph(
    "users",
    f"""
    {link("@key", "@inaccessible")}
    type Query {{
      users(first: Int, internalFilter: String = "visible" @inaccessible): [User!]!
      user(id: ID!): User
    }}
    type User @key(fields: "id") @key(fields: "internalId") {{
      id: ID!
      internalId: ID! @inaccessible
      name: String!
      score: Int! @inaccessible
    }}
    """,
    resolvers={"Query.users": _users, "Query.user": lambda _, w, id: w.get("User", id=id)},
)

billing = Subgraph(
    "billing",
    f"""
    {link("@key", "@inaccessible", "@external", "@requires")}
    type User @key(fields: "internalId") {{
      internalId: ID! @inaccessible
      plan: String!
      score: Int! @external
      tier: String! @requires(fields: "score")
    }}
    """,
    resolvers={"User.tier": lambda u, _: "gold" if u["score"] >= 50 else "basic"},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[users, billing],
    world=World(
        {
            "User": [
                {
                    "id": "u1",
                    "internalId": "x-1",
                    "name": "Ada",
                    "score": 80,
                    "plan": "pro",
                    "visible": True,
                },
                {
                    "id": "u2",
                    "internalId": "x-2",
                    "name": "Bob",
                    "score": 10,
                    "plan": "free",
                    "visible": True,
                },
                {
                    "id": "u3",
                    "internalId": "x-3",
                    "name": "Eve",
                    "score": 99,
                    "plan": "pro",
                    "visible": False,
                },
            ]
        }
    ),
    queries=[
        Query("inaccessible-key-used", "{ users { name plan } }"),
        Query("inaccessible-required-field-used", "{ users { id tier } }"),
        Query("select-inaccessible-field", "{ users { name score } }"),
        Query("pass-inaccessible-argument", '{ users(internalFilter: "all") { id } }'),
        Query("argument-default-kept", "{ users(first: 5) { id name } }"),
        Query(
            "inaccessible-field-in-fragment",
            "{ users { ...F } } fragment F on User { id internalId }",
        ),
        Query(
            "by-variable",
            "query ($id: ID!) { user(id: $id) { plan tier } }",
            variables={"id": "u3"},
        ),
        Query(
            "introspection-hides",
            '{ u: __type(name: "User") { fields { name } } '
            'q: __type(name: "Query") { fields { name args { name } } } }',
        ),
    ],
)
