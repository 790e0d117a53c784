"""Federation 1 subgraphs (no ``@link``: ``extend type`` with ``@key``, ``@external`` key
fields, ``@requires``, ``@extends``) composed into a v2 supergraph next to a Federation 2
subgraph; value types defined in two Federation 1 subgraphs are shareable by default."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

accounts = Subgraph(
    "accounts",
    """
    extend type Query { me: User users: [User!]! }
    type User @key(fields: "id") { id: ID! username: String! birthday: Date }
    type Date { year: Int! month: Int! }
    """,
    resolvers={
        "Query.me": lambda _, w: w.get("User", id="1"),
        "Query.users": lambda _, w: w.table("User"),
    },
)

reviews = Subgraph(
    "reviews",
    """
    type Review @key(fields: "id") { id: ID! body: String! author: User posted: Date }
    extend type User @key(fields: "id") {
      id: ID! @external
      username: String! @external
      reviews: [Review!]!
      signature: String @requires(fields: "username")
    }
    type Date { year: Int! month: Int! }
    """,
    resolvers={
        "User.reviews": lambda u, w: w.where("Review", author=Ref("User", id=u["id"])),
        "User.signature": lambda u, _: f"~{u['username']}",
    },
)

badges = Subgraph(
    "badges",
    f"""
    {link("@key")}
    type User @key(fields: "id") {{ id: ID! badges: [String!]! }}
    """,
)

legacy = Subgraph(
    "legacy",
    """
    type User @key(fields: "id") @extends {
      id: ID! @external
      karma: Int!
    }
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, reviews, badges, legacy],
    world=World(
        {
            "User": [
                {
                    "id": "1",
                    "username": "ada",
                    "birthday": {"year": 1815, "month": 12},
                    "badges": ["first"],
                    "karma": 7,
                },
                {"id": "2", "username": "bob", "birthday": None, "badges": [], "karma": 0},
            ],
            "Review": [
                {
                    "id": "r1",
                    "body": "Good",
                    "author": Ref("User", id="1"),
                    "posted": {"year": 2024, "month": 1},
                },
                {"id": "r2", "body": "Bad", "author": Ref("User", id="2"), "posted": None},
            ],
        }
    ),
    queries=[
        Query("extended-entity", "{ me { username reviews { body } } }"),
        Query("requires-external", "{ users { signature } }"),
        Query("four-subgraphs", "{ users { username badges karma reviews { id } } }"),
        Query(
            "shared-value-type",
            "{ me { birthday { year } reviews { posted { year month } author { username } } } }",
        ),
        Query("extends-directive", "{ users { id karma } }"),
    ],
)
