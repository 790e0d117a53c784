"""Keys assembled from several places: ``Price`` is keyed by ``id currency``, where the currency
comes from the store the product belongs to (fetched from another subgraph); one type with a
different key in each subgraph, chosen per path."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

products = Subgraph(
    "products",
    f"""
    {link("@key")}
    type Query {{ topProducts: [Product!]! }}
    type Product @key(fields: "id") {{ id: ID! name: String! store: Store! }}
    type Store @key(fields: "id") {{ id: ID! }}
    """,
    resolvers={"Query.topProducts": lambda _, w: w.table("Product")},
)

stores = Subgraph(
    "stores",
    f"""
    {link("@key")}
    type Store @key(fields: "id") {{ id: ID! currency: String! city: String! }}
    """,
)

pricing = Subgraph(
    "pricing",
    f"""
    {link("@key", "@external", "@requires")}
    type Product @key(fields: "id") {{
      id: ID!
      store: Store! @external
      price: Price! @requires(fields: "store {{ currency }}")
    }}
    type Store @key(fields: "id") {{ id: ID! currency: String! @external }}
    type Price @key(fields: "id currency") {{ id: ID! currency: String! amount: Int! }}
    """,
    resolvers={
        "Product.price": lambda p, _: Ref("Price", id=p["id"], currency=p["store"]["currency"]),
    },
)

fx = Subgraph(
    "fx",
    f"""
    {link("@key")}
    type Price @key(fields: "id currency") {{ id: ID! currency: String! inEuro: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, stores, pricing, fx],
    world=World(
        {
            "Store": [
                {"id": "s1", "currency": "GBP", "city": "London"},
                {"id": "s2", "currency": "EUR", "city": "Paris"},
            ],
            "Product": [
                {"id": "p1", "name": "Table", "store": Ref("Store", id="s1")},
                {"id": "p2", "name": "Chair", "store": Ref("Store", id="s2")},
            ],
            "Price": [
                {"id": "p1", "currency": "GBP", "amount": 100, "inEuro": 117},
                {"id": "p2", "currency": "EUR", "amount": 50, "inEuro": 50},
            ],
        }
    ),
    queries=[
        Query("price-amount", "{ topProducts { name price { amount } } }"),
        Query("price-in-euro", "{ topProducts { price { inEuro currency } } }"),
        Query(
            "everything",
            "{ topProducts { id name store { city currency } price { id currency amount inEuro } "
            "} }",
        ),
        Query("typename-of-composite", "{ topProducts { price { __typename inEuro } } }"),
    ],
)
