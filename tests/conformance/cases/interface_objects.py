"""``@interfaceObject`` beyond ``@requires``: two interface objects adding fields to every
implementation of an entity interface; queried from the interface owner, from an interface
object's root field, nested in another interface object's field, with ``__typename`` and
fragments on implementations, and a missing entity."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

accounts = Subgraph(
    "accounts",
    f"""
    {link("@key")}
    type Query {{ accounts: [Account!]! account(id: ID!): Account }}
    interface Account @key(fields: "id") {{ id: ID! name: String! }}
    type User implements Account @key(fields: "id") {{ id: ID! name: String! email: String! }}
    type Team implements Account @key(fields: "id") {{ id: ID! name: String! size: Int! }}
    """,
    resolvers={
        "Query.accounts": lambda _, w: w.table("User") + w.table("Team"),
        "Query.account": lambda _, w, id: w.get("Account", id=id),
    },
)

billing = Subgraph(
    "billing",
    f"""
    {link("@key", "@interfaceObject")}
    type Query {{ overdue: [Account!]! }}
    type Account @key(fields: "id") @interfaceObject {{
      id: ID!
      balance: Int!
      referrer: Account
    }}
    """,
    resolvers={
        "Query.overdue": lambda _, w: [
            a for a in w.table("User") + w.table("Team") if a["balance"] < 0
        ],
    },
)

activity = Subgraph(
    "activity",
    f"""
    {link("@key", "@interfaceObject")}
    type Query {{ recent: [Account!]! }}
    type Account @key(fields: "id") @interfaceObject {{ id: ID! lastSeen: String }}
    """,
    resolvers={"Query.recent": lambda _, w: [w.get("Account", id="t1"), w.get("Account", id="u2")]},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, billing, activity],
    world=World(
        {
            "User": [
                {
                    "id": "u1",
                    "name": "Ada",
                    "email": "ada@example.com",
                    "balance": 10,
                    "lastSeen": "mon",
                    "referrer": None,
                },
                {
                    "id": "u2",
                    "name": "Bob",
                    "email": "bob@example.com",
                    "balance": -5,
                    "lastSeen": None,
                    "referrer": Ref("Account", id="t1"),
                },
            ],
            "Team": [
                {
                    "id": "t1",
                    "name": "Core",
                    "size": 4,
                    "balance": -20,
                    "lastSeen": "tue",
                    "referrer": Ref("Account", id="u1"),
                },
            ],
        },
        implementations={"Account": ["User", "Team"]},
    ),
    queries=[
        Query("fields-of-both-objects", "{ accounts { id balance lastSeen } }"),
        Query(
            "from-interface-object-root",
            "{ overdue { __typename name balance ... on User { email } ... on Team { size } } }",
        ),
        Query("interface-object-fields-only", "{ overdue { id balance } }"),
        Query("other-interface-object", "{ overdue { id lastSeen } }"),
        Query(
            "nested-through-interface-object",
            "{ recent { lastSeen referrer { __typename name referrer { id balance } } } }",
        ),
        Query(
            "typename-only-from-interface-object",
            "{ recent { __typename } }",
        ),
        Query(
            "fragments-on-implementations",
            "{ accounts { ... on User { balance email } ... on Team { lastSeen } } }",
        ),
        Query("missing", '{ account(id: "zz") { id balance } }'),
        Query(
            "by-id-all-subgraphs",
            '{ account(id: "t1") { name balance lastSeen ... on Team { size } } }',
        ),
    ],
)
