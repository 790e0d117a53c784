"""``@override`` (no label): ``modern`` takes ``Product.price`` and the root field ``deals``
from ``legacy``. ``legacy`` still has the old code (its stale answers differ), but the
supergraph routes the overridden fields to ``modern`` only; ``legacy``'s other fields stay."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _stale_price(product: dict[str, Any], _: World) -> int:
    return int(product["price"] * 100)  # legacy still answers in cents


legacy = Subgraph(
    "legacy",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! product(id: ID!): Product deals: [Product!]! }}
    type Product @key(fields: "id") {{ id: ID! name: String! price: Int! inStock: Boolean! }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.product": lambda _, w, id: w.get("Product", id=id),
        "Query.deals": lambda _, w: w.table("Product"),  # stale: everything was a deal
        "Product.price": _stale_price,
    },
)

modern = Subgraph(
    "modern",
    f"""
    {link("@key", "@override")}
    type Query {{ deals: [Product!]! @override(from: "legacy") }}
    type Product @key(fields: "id") {{
      id: ID!
      price: Int! @override(from: "legacy")
      rating: Float
    }}
    """,
    resolvers={"Query.deals": lambda _, w: [p for p in w.table("Product") if p["price"] < 100]},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[legacy, modern],
    world=World(
        {
            "Product": [
                {"id": "1", "name": "Table", "price": 899, "inStock": True, "rating": 4.5},
                {"id": "2", "name": "Lamp", "price": 35, "inStock": False, "rating": None},
                {"id": "3", "name": "Mug", "price": 9, "inStock": True, "rating": 3.0},
            ]
        }
    ),
    queries=[
        Query("overridden-entity-field", "{ products { name price } }"),
        Query("overridden-root-field", "{ deals { id name } }"),
        Query("overridden-root-and-field", "{ deals { price rating } }"),
        Query(
            "by-id-aliases",
            "query ($id: ID!) { p: product(id: $id) { cost: price stock: inStock } "
            'none: product(id: "9") { price } }',
            variables={"id": "2"},
        ),
        Query("field-left-in-legacy", "{ products { id inStock } }"),
        Query(
            "typename-through-override", "{ deals { __typename } products { __typename price } }"
        ),
    ],
)
