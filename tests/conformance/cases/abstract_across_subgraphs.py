"""Interfaces and unions whose members live in different subgraphs: a subgraph must never
receive a fragment on a type it does not know (or that is not a member there), and fields of
members resolved elsewhere must be fetched."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

kitchen = Subgraph(
    "kitchen",
    f"""
    {link("@key", "@shareable")}
    type Query {{ appliances: [Appliance!]! thing(id: ID!): Thing }}
    interface Appliance {{ id: ID! name: String! }}
    type Oven implements Appliance @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      temperature: Int!
    }}
    type Kettle implements Appliance @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      litres: Float!
    }}
    union Thing = Oven | Kettle
    """,
    resolvers={
        "Query.appliances": lambda _, w: w.table("Oven") + w.table("Kettle"),
        "Query.thing": lambda _, w, id: w.get("Oven", id=id) or w.get("Kettle", id=id),
    },
)

garage = Subgraph(
    "garage",
    f"""
    {link("@key", "@shareable")}
    type Query {{ tools: [Appliance!]! things: [Thing!]! }}
    interface Appliance {{ id: ID! name: String! }}
    type Drill implements Appliance @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      torque: Int!
    }}
    type Oven implements Appliance @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      warranty: Int
    }}
    union Thing = Drill | Oven
    """,
    resolvers={
        "Query.tools": lambda _, w: w.table("Drill") + w.table("Oven")[:1],
        "Query.things": lambda _, w: w.table("Oven")[1:] + w.table("Drill"),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[kitchen, garage],
    world=World(
        {
            "Oven": [
                {"id": "o1", "name": "Big oven", "temperature": 250, "warranty": 2},
                {"id": "o2", "name": "Small oven", "temperature": 180, "warranty": None},
            ],
            "Kettle": [{"id": "k1", "name": "Kettle", "litres": 1.5}],
            "Drill": [{"id": "d1", "name": "Drill", "torque": 40}],
        }
    ),
    queries=[
        Query(
            "fragment-on-unknown-member",
            "{ appliances { id name ... on Oven { temperature } ... on Drill { torque } } }",
        ),
        Query(
            "member-fields-from-other-subgraph",
            "{ appliances { name ... on Oven { warranty } } }",
        ),
        Query(
            "other-root-back-to-first",
            "{ tools { __typename name ... on Oven { temperature warranty } "
            "... on Drill { torque } ... on Kettle { litres } } }",
        ),
        Query(
            "union-members-differ",
            "{ things { __typename ... on Kettle { litres } ... on Oven { id temperature } "
            "... on Drill { torque } } }",
        ),
        Query(
            "interface-fragment-in-union",
            "{ things { ... on Appliance { id name } } }",
        ),
        Query(
            "named-fragment-on-interface",
            "{ tools { ...A } appliances { ...A } } fragment A on Appliance { id name }",
        ),
        Query(
            "nested-inline-fragments",
            "{ tools { ... on Appliance { ... on Oven { temperature } "
            "... on Kettle { litres } } } }",
        ),
        Query(
            "union-by-id",
            '{ o: thing(id: "o1") { ... on Oven { warranty } ... on Drill { torque } } '
            'k: thing(id: "k1") { __typename ... on Kettle { litres } } '
            'none: thing(id: "x") { __typename } }',
        ),
    ],
)
