"""Progressive ``@override`` (``label``, Federation 2.7): the supergraph keeps both subgraphs'
fields with ``overrideLabel``. ``percent(100)`` sends every request to the overriding
subgraph, ``percent(0)`` none, and a custom label is off unless the router enables it (the
old subgraph answers). The two subgraphs answer differently so the source shows."""

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link

# @apollo/gateway never enables a label (its query planner starts every label as false), so it
# answers percent(100) fields from the old subgraph; Hive Gateway answers as the spec says.
_APOLLO_NO_LABELS = (
    "percent(100) routes every request to the overriding subgraph; Apollo enables no label"
)

old = Subgraph(
    "old",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! featured: Product }}
    type Product @key(fields: "id") {{
      id: ID!
      name: String!
      price: String!
      discount: String!
      badge: String
    }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.featured": lambda _, w: w.get("Product", id="1"),
        "Product.price": lambda p, _: f"old {p['id']}",
        "Product.discount": lambda p, _: f"old {p['id']}",
        "Product.badge": lambda p, _: f"old {p['id']}",
    },
)

new = Subgraph(
    "new",
    f"""
    {link("@key", "@override")}
    type Query {{ featured: Product @override(from: "old", label: "percent(100)") }}
    type Product @key(fields: "id") {{
      id: ID!
      price: String! @override(from: "old", label: "percent(100)")
      discount: String! @override(from: "old", label: "percent(0)")
      badge: String @override(from: "old", label: "badges-v2")
    }}
    """,
    resolvers={
        "Query.featured": lambda _, w: w.get("Product", id="2"),
        "Product.price": lambda p, _: f"new {p['id']}",
        "Product.discount": lambda p, _: f"new {p['id']}",
        "Product.badge": lambda p, _: f"new {p['id']}",
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[old, new],
    world=World({"Product": [{"id": "1", "name": "Table"}, {"id": "2", "name": "Chair"}]}),
    queries=[
        Query("percent-100", "{ products { id price } }"),
        Query("percent-0", "{ products { id discount } }"),
        Query("custom-label-off", "{ products { id badge } }"),
        Query("all-labels", "{ products { name price discount badge } }"),
        Query("root-field-percent-100", "{ featured { id name price } }"),
    ],
    overrides={
        "percent-100": Override(
            {"data": {"products": [{"id": "1", "price": "new 1"}, {"id": "2", "price": "new 2"}]}},
            _APOLLO_NO_LABELS,
        ),
        "all-labels": Override(
            {
                "data": {
                    "products": [
                        {"name": "Table", "price": "new 1", "discount": "old 1", "badge": "old 1"},
                        {"name": "Chair", "price": "new 2", "discount": "old 2", "badge": "old 2"},
                    ]
                }
            },
            _APOLLO_NO_LABELS,
        ),
        "root-field-percent-100": Override(
            {"data": {"featured": {"id": "2", "name": "Chair", "price": "new 2"}}},
            _APOLLO_NO_LABELS,
        ),
    },
)
