"""An interface with different fields per subgraph (``Account { id name }`` in ``a``,
``Account { id karma }`` in ``b``, merged to ``{ id name karma }``), and a type that implements
it only in ``a``: interface fields a subgraph lacks come from the other through each
implementation, and ``b`` must never receive ``... on Account`` on ``Team``."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

a = Subgraph(
    "a",
    f"""
    {link("@key")}
    type Query {{ accounts: [Account!]! }}
    interface Account {{ id: ID! name: String! }}
    type User implements Account @key(fields: "id") {{ id: ID! name: String! email: String! }}
    type Bot implements Account @key(fields: "id") {{ id: ID! name: String! model: String! }}
    type Team implements Account @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={
        "Query.accounts": lambda _, w: w.table("User") + w.table("Team") + w.table("Bot"),
    },
)

b = Subgraph(
    "b",
    f"""
    {link("@key")}
    type Query {{ leaders: [Account!]! teams: [Team!]! }}
    interface Account {{ id: ID! karma: Int! }}
    type User implements Account @key(fields: "id") {{ id: ID! karma: Int! }}
    type Bot implements Account @key(fields: "id") {{ id: ID! karma: Int! }}
    type Team @key(fields: "id") {{ id: ID! karma: Int! }}
    """,
    resolvers={
        "Query.leaders": lambda _, w: sorted(
            w.table("User") + w.table("Bot"), key=lambda r: -r["karma"]
        ),
        "Query.teams": lambda _, w: w.table("Team"),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[a, b],
    world=World(
        {
            "User": [{"id": "u1", "name": "Ada", "email": "ada@example.com", "karma": 5}],
            "Bot": [{"id": "x1", "name": "Robo", "model": "R2", "karma": 9}],
            "Team": [{"id": "t1", "name": "Core", "karma": 20}],
        }
    ),
    queries=[
        Query("interface-field-from-other-subgraph", "{ accounts { __typename name karma } }"),
        Query("reverse", "{ leaders { id karma name } }"),
        Query(
            "implements-in-one-subgraph-only",
            "{ teams { ... on Account { id name karma } } }",
        ),
        Query(
            "named-fragment-both-roots",
            "{ accounts { ...A } leaders { ...A } } fragment A on Account { name karma }",
        ),
        Query(
            "implementation-fields",
            "{ accounts { ... on User { email karma } ... on Bot { model } "
            "... on Team { karma } } }",
        ),
    ],
)
