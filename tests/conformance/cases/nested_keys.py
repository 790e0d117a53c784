"""A nested composite key (``id organization { id }``) and a key that is
``resolvable: false`` in the subgraph that only references the entity."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

accounts = Subgraph(
    "accounts",
    f"""
    {link("@key")}
    type Query {{ users: [User!]! }}
    type User @key(fields: "id organization {{ id }}") {{
      id: ID!
      organization: Organization!
      name: String!
    }}
    type Organization @key(fields: "id") {{ id: ID! }}
    """,
    resolvers={"Query.users": lambda _, w: w.table("User")},
)

billing = Subgraph(
    "billing",
    f"""
    {link("@key")}
    type User @key(fields: "id organization {{ id }}") {{
      id: ID!
      organization: Organization!
      plan: String!
      invoices: [Invoice!]!
    }}
    type Organization @key(fields: "id", resolvable: false) {{ id: ID! }}
    type Invoice {{ number: String! payer: User! }}
    """,
    resolvers={"User.invoices": lambda u, w: w.where("Invoice", payer=Ref("User", id=u["id"]))},
)

orgs = Subgraph(
    "orgs",
    f"""
    {link("@key")}
    type Query {{ organizations: [Organization!]! }}
    type Organization @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={"Query.organizations": lambda _, w: w.table("Organization")},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, billing, orgs],
    world=World(
        {
            "Organization": [{"id": "o1", "name": "Acme"}, {"id": "o2", "name": "Globex"}],
            "User": [
                {
                    "id": "u1",
                    "organization": Ref("Organization", id="o1"),
                    "name": "Ada",
                    "plan": "pro",
                },
                {
                    "id": "u2",
                    "organization": Ref("Organization", id="o2"),
                    "name": "Bob",
                    "plan": "free",
                },
            ],
            "Invoice": [
                {"number": "I-1", "payer": Ref("User", id="u1")},
                {"number": "I-2", "payer": Ref("User", id="u2")},
                {"number": "I-3", "payer": Ref("User", id="u1")},
            ],
        }
    ),
    queries=[
        Query("nested-key-entity-call", "{ users { name plan } }"),
        Query("nested-key-then-org", "{ users { plan organization { id name } } }"),
        Query("org-before-fields", "{ users { organization { name } name plan } }"),
        Query(
            "back-through-nested-key",
            "{ users { invoices { number payer { name organization { name } } } } }",
        ),
        Query("unresolvable-key-side", "{ organizations { id name } }"),
    ],
)
