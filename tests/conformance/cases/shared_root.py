"""Shared root fields (``@shareable`` on ``Query`` fields several subgraphs resolve), each
subgraph resolving different fields of the returned entities and shared value types."""

from tests.conformance.harness import Case, Query, Ref, Resolver, Subgraph, World, link

ROOTS: dict[str, Resolver] = {
    "Query.me": lambda _, w: w.get("User", id="u1"),
    "Query.user": lambda _, w, id: w.get("User", id=id),
    "Query.users": lambda _, w: w.table("User"),
    "Query.version": lambda _, w: "1",
}

profiles = Subgraph(
    "profiles",
    f"""
    {link("@key", "@shareable")}
    type Query @shareable {{ me: User user(id: ID!): User users: [User!]! version: String! }}
    type User @key(fields: "id") {{ id: ID! name: String! address: Address @shareable }}
    type Address @shareable {{ city: String! country: String! }}
    """,
    resolvers=ROOTS,
)

settings = Subgraph(
    "settings",
    f"""
    {link("@key", "@shareable")}
    type Query {{
      me: User @shareable
      user(id: ID!): User @shareable
      version: String! @shareable
    }}
    type User @key(fields: "id") {{ id: ID! theme: String! address: Address @shareable }}
    type Address @shareable {{ city: String! country: String! }}
    """,
    resolvers=ROOTS,
)

social = Subgraph(
    "social",
    f"""
    {link("@key", "@shareable")}
    type Query {{ users: [User!]! @shareable }}
    type User @key(fields: "id") {{ id: ID! friends: [User!]! }}
    """,
    resolvers={
        "Query.users": ROOTS["Query.users"],
        "User.friends": lambda u, w: [
            Ref("User", id=f) for f in w.get("User", id=u["id"])["friendIds"]
        ],
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[profiles, settings, social],
    world=World(
        {
            "User": [
                {
                    "id": "u1",
                    "name": "Ada",
                    "theme": "dark",
                    "friendIds": ["u2"],
                    "address": {"city": "London", "country": "UK"},
                },
                {
                    "id": "u2",
                    "name": "Bob",
                    "theme": "light",
                    "friendIds": ["u1", "u3"],
                    "address": None,
                },
                {
                    "id": "u3",
                    "name": "Cy",
                    "theme": "dark",
                    "friendIds": [],
                    "address": {"city": "Paris", "country": "FR"},
                },
            ]
        }
    ),
    queries=[
        Query("scalar", "{ version }"),
        Query("fields-of-one-subgraph", "{ me { name } }"),
        Query("fields-of-two-subgraphs", "{ me { name theme } }"),
        Query("shared-value-type", "{ me { address { city } theme } }"),
        Query("by-argument", '{ user(id: "u2") { theme name address { country } } }'),
        Query("missing", '{ user(id: "nope") { theme name } }'),
        Query("list-three-subgraphs", "{ users { name theme friends { name } } }"),
        Query("typename-only", "{ me { __typename } users { __typename id } }"),
        Query("aliased-twice", '{ a: user(id: "u1") { theme } b: user(id: "u3") { name } }'),
    ],
)
