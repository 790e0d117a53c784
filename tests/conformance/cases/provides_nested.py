"""Nested ``@provides``: ``Review.product`` provides ``name maker { id name }``, two levels into
``products``' entities, so only fields beyond what is provided (the product's price, the
maker's country) need entity fetches (the maker's by the provided ``id``)."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _provided_product(review: dict[str, Any], world: World) -> dict[str, Any]:
    """What ``reviews`` stores of a product: exactly the provided fields."""
    product = world.deref(review["product"])
    maker = world.deref(product["maker"])
    return {
        "__typename": "Product",
        "upc": product["upc"],
        "name": product["name"],
        "maker": {"__typename": "Maker", "id": maker["id"], "name": maker["name"]},
    }


products = Subgraph(
    "products",
    f"""
    {link("@key", "@shareable")}
    type Query {{ products: [Product!]! }}
    type Product @key(fields: "upc") {{
      upc: ID!
      name: String! @shareable
      maker: Maker! @shareable
      price: Int!
    }}
    type Maker @key(fields: "id") {{ id: ID! name: String! @shareable country: String! }}
    """,
    resolvers={"Query.products": lambda _, w: w.table("Product")},
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key", "@external", "@provides")}
    type Query {{ topReviews(first: Int = 2): [Review!]! }}
    type Review {{
      body: String!
      product: Product! @provides(fields: "name maker {{ id name }}")
    }}
    type Product @key(fields: "upc") {{
      upc: ID!
      name: String! @external
      maker: Maker! @external
      reviews: [Review!]!
    }}
    type Maker @key(fields: "id") {{ id: ID! name: String! @external }}
    """,
    resolvers={
        "Query.topReviews": lambda _, w, first: w.table("Review")[:first],
        "Review.product": _provided_product,
        "Product.reviews": lambda p, w: w.where("Review", product=Ref("Product", upc=p["upc"])),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, reviews],
    world=World(
        {
            "Maker": [
                {"id": "m1", "name": "Acme", "country": "US"},
                {"id": "m2", "name": "Hansa", "country": "DE"},
            ],
            "Product": [
                {"upc": "p1", "name": "Table", "maker": Ref("Maker", id="m1"), "price": 899},
                {"upc": "p2", "name": "Chair", "maker": Ref("Maker", id="m2"), "price": 120},
            ],
            "Review": [
                {"body": "Sturdy", "product": Ref("Product", upc="p1")},
                {"body": "Wobbly", "product": Ref("Product", upc="p2")},
                {"body": "Good", "product": Ref("Product", upc="p1")},
            ],
        }
    ),
    queries=[
        Query("two-levels-provided", "{ topReviews { body product { name maker { name } } } }"),
        Query("beyond-second-level", "{ topReviews { product { maker { name country } } } }"),
        Query("first-level-not-provided", "{ topReviews { product { name price } } }"),
        Query(
            "argument-variable",
            "query ($n: Int) { topReviews(first: $n) { product { upc maker { id } } } }",
            variables={"n": 3},
        ),
        Query(
            "from-owner-back",
            "{ products { upc reviews { product { name maker { name country } } } } }",
        ),
        Query(
            "fragments-in-provided",
            "{ topReviews { product { ...P } } } "
            "fragment P on Product { name maker { ... on Maker { name } } }",
        ),
    ],
)
