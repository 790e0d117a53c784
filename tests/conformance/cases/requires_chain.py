"""``@requires`` chains: a required field that itself needs another subgraph's field, across
three subgraphs, with ``@skip``/``@include`` on the fields that need them."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

products = Subgraph(
    "products",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! product(upc: ID!): Product }}
    type Product @key(fields: "upc") {{ upc: ID! name: String! price: Int! weight: Int }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.product": lambda _, w, upc: w.get("Product", upc=upc),
    },
)

inventory = Subgraph(
    "inventory",
    f"""
    {link("@key", "@external", "@requires")}
    type Product @key(fields: "upc") {{
      upc: ID!
      price: Int! @external
      weight: Int @external
      inStock: Boolean!
      shippingCost: Int! @requires(fields: "price weight")
    }}
    """,
    resolvers={
        "Product.shippingCost": lambda p, _: 0 if p["price"] > 500 else (p["weight"] or 1) * 2,
    },
)

shipping = Subgraph(
    "shipping",
    f"""
    {link("@key", "@external", "@requires")}
    type Product @key(fields: "upc") {{
      upc: ID!
      shippingCost: Int! @external
      inStock: Boolean! @external
      deliveryNote: String! @requires(fields: "shippingCost inStock")
    }}
    """,
    resolvers={
        "Product.deliveryNote": lambda p, _: (
            f"ships for {p['shippingCost']}" if p["inStock"] else "out of stock"
        ),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, inventory, shipping],
    world=World(
        {
            "Product": [
                {"upc": "p1", "name": "Table", "price": 899, "weight": 100, "inStock": True},
                {"upc": "p2", "name": "Chair", "price": 120, "weight": 10, "inStock": True},
                {"upc": "p3", "name": "Lamp", "price": 40, "weight": None, "inStock": False},
            ]
        }
    ),
    queries=[
        Query("one-level", "{ products { upc shippingCost } }"),
        Query("two-levels", "{ products { name deliveryNote } }"),
        Query("both-levels", "{ products { deliveryNote shippingCost name } }"),
        Query("by-key", '{ product(upc: "p2") { deliveryNote } }'),
        Query(
            "skip-requires",
            "query ($skip: Boolean!) { products { upc deliveryNote @skip(if: $skip) } }",
            variables={"skip": True},
        ),
        Query(
            "include-requires",
            "query ($on: Boolean!) { products { upc shippingCost @include(if: $on) } }",
            variables={"on": True},
        ),
        Query("typename", "{ products { __typename deliveryNote } }"),
        Query("missing", '{ product(upc: "nope") { upc deliveryNote } }'),
    ],
)
