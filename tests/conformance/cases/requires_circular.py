"""Circular ``@requires`` between two subgraphs: ``store.total`` needs ``tax.tax``, which needs
``store.price`` — the gateway goes store → tax → store; plus ``@requires`` on the
implementations of an entity interface needing a field of the interface's owner."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

store = Subgraph(
    "store",
    f"""
    {link("@key", "@external", "@requires")}
    type Query {{ products: [Product!]! }}
    type Product @key(fields: "id") {{
      id: ID!
      price: Int!
      tax: Int! @external
      total: Int! @requires(fields: "tax")
      label: String! @requires(fields: "tax")
    }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Product.total": lambda p, _: p["price"] + p["tax"],
        "Product.label": lambda p, _: f"{p['id']}: {p['price']} + {p['tax']}",
    },
)

tax = Subgraph(
    "tax",
    f"""
    {link("@key", "@external", "@requires")}
    type Product @key(fields: "id") {{
      id: ID!
      price: Int! @external
      tax: Int! @requires(fields: "price")
      rate: Float!
    }}
    """,
    resolvers={
        "Product.tax": lambda p, _: p["price"] // 5,
        "Product.rate": lambda _p, _w: 0.2,
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[store, tax],
    world=World({"Product": [{"id": "1", "price": 100}, {"id": "2", "price": 55}]}),
    queries=[
        Query("total", "{ products { total } }"),
        Query("total-and-tax", "{ products { id tax total } }"),
        Query("two-fields-needing-tax", "{ products { label total rate } }"),
        Query("tax-only", "{ products { tax } }"),
        Query(
            "skip-the-cycle",
            "query ($s: Boolean!) { products { id total @skip(if: $s) } }",
            variables={"s": True},
        ),
    ],
)
