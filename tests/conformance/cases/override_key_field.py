"""``@override`` of a field ``legacy`` still uses as a key (the supergraph marks it
``usedOverridden``): queries for ``sku`` read it from ``catalog``, but ``legacy`` may still
supply it as the key that ``stock`` needs."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

legacy = Subgraph(
    "legacy",
    f"""
    {link("@key")}
    type Query {{ items: [Item!]! }}
    type Item @key(fields: "id") @key(fields: "sku") {{ id: ID! sku: String! name: String! }}
    """,
    resolvers={"Query.items": lambda _, w: w.table("Item")},
)

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key", "@override", "@shareable")}
    type Query {{ item(sku: String!): Item }}
    type Item @key(fields: "id") {{
      id: ID!
      sku: String! @shareable @override(from: "legacy")
      color: String
    }}
    """,
    resolvers={"Query.item": lambda _, w, sku: w.get("Item", sku=sku)},
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    type Item @key(fields: "sku") {{ sku: String! quantity: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[legacy, catalog, stock],
    world=World(
        {
            "Item": [
                {"id": "i1", "sku": "A-1", "name": "Bolt", "color": "grey", "quantity": 100},
                {"id": "i2", "sku": "B-2", "name": "Nut", "color": None, "quantity": 0},
            ]
        }
    ),
    queries=[
        Query("overridden-key-field", "{ items { name sku } }"),
        Query("key-for-third-subgraph", "{ items { name quantity } }"),
        Query("all-fields", "{ items { id sku name color quantity } }"),
        Query("from-overriding-root", '{ item(sku: "B-2") { quantity name } }'),
    ],
)
