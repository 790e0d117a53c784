"""Client aliases on ``@requires`` fields and on the fields they require: the representation
``shipping`` receives must carry ``weight`` and ``price`` under their own names, whatever the
client called them — even an alias ``price`` on another field."""

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link

products = Subgraph(
    "products",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! }}
    type Product @key(fields: "id") {{ id: ID! name: String! weight: Int! price: Int! }}
    """,
    resolvers={"Query.products": lambda _, w: w.table("Product")},
)

shipping = Subgraph(
    "shipping",
    f"""
    {link("@key", "@external", "@requires")}
    type Product @key(fields: "id") {{
      id: ID!
      weight: Int! @external
      price: Int! @external
      cost: Int! @requires(fields: "weight price")
    }}
    """,
    resolvers={"Product.cost": lambda p, _: 0 if p["price"] > 500 else p["weight"] * 3},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, shipping],
    world=World(
        {
            "Product": [
                {"id": "1", "name": "Table", "weight": 20, "price": 899},
                {"id": "2", "name": "Lamp", "weight": 2, "price": 35},
            ]
        }
    ),
    queries=[
        Query("aliased-requires-and-required", "{ products { w: weight c: cost } }"),
        Query("swapped-aliases", "{ products { weight: cost cost: weight } }"),
        Query("alias-named-like-required-field", "{ products { price: name cost } }"),
        Query(
            "required-field-twice",
            "{ products { a: price b: price cost price } }",
        ),
        Query("requires-aliased-twice", "{ products { x: cost y: cost name } }"),
    ],
    overrides={
        # @apollo/gateway puts the client's `price: name` into the representation as `price`
        # (shipping then fails on a string); Hive Gateway sends both under one response key.
        "alias-named-like-required-field": Override(
            {"data": {"products": [{"price": "Table", "cost": 0}, {"price": "Lamp", "cost": 6}]}},
            "the representation carries the required price, not the client's alias price: name",
        ),
    },
)
