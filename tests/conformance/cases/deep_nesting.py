"""Deep nesting across four subgraphs, where fetches can be merged: the same entity type at
the same depth under two root fields and under two fields of one parent, entities repeated in
a list (identical representations), a chain users → reviews → product → reviews → author."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _reviews_of(field: str, typename: str) -> Any:
    return lambda obj, w: w.where("Review", **{field: Ref(typename, id=obj["id"])})


accounts = Subgraph(
    "accounts",
    f"""
    {link("@key")}
    type Query {{ users: [User!]! me: User }}
    type User @key(fields: "id") {{ id: ID! username: String! }}
    """,
    resolvers={
        "Query.users": lambda _, w: w.table("User"),
        "Query.me": lambda _, w: w.get("User", id="u1"),
    },
)

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ topProducts(first: Int = 5): [Product!]! }}
    type Product @key(fields: "id") {{ id: ID! name: String! price: Int! related: [Product!]! }}
    """,
    resolvers={
        "Query.topProducts": lambda _, w, first: w.table("Product")[:first],
        "Product.related": lambda p, w: [r for r in w.table("Product") if r["id"] != p["id"]],
    },
)

inventory = Subgraph(
    "inventory",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! inStock: Boolean! }}
    """,
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Review @key(fields: "id") {{ id: ID! body: String! author: User! product: Product! }}
    type User @key(fields: "id") {{ id: ID! reviews: [Review!]! }}
    type Product @key(fields: "id") {{ id: ID! reviews: [Review!]! }}
    """,
    resolvers={
        "User.reviews": _reviews_of("author", "User"),
        "Product.reviews": _reviews_of("product", "Product"),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[accounts, catalog, inventory, reviews],
    world=World(
        {
            "User": [{"id": "u1", "username": "ada"}, {"id": "u2", "username": "bob"}],
            "Product": [
                {"id": "p1", "name": "Table", "price": 899, "inStock": True},
                {"id": "p2", "name": "Chair", "price": 120, "inStock": False},
                {"id": "p3", "name": "Lamp", "price": 40, "inStock": True},
            ],
            "Review": [
                {
                    "id": "r1",
                    "body": "Solid",
                    "author": Ref("User", id="u1"),
                    "product": Ref("Product", id="p1"),
                },
                {
                    "id": "r2",
                    "body": "Wobbly",
                    "author": Ref("User", id="u2"),
                    "product": Ref("Product", id="p2"),
                },
                {
                    "id": "r3",
                    "body": "Bright",
                    "author": Ref("User", id="u1"),
                    "product": Ref("Product", id="p3"),
                },
                {
                    "id": "r4",
                    "body": "Fine",
                    "author": Ref("User", id="u2"),
                    "product": Ref("Product", id="p1"),
                },
            ],
        }
    ),
    queries=[
        Query(
            "chain",
            "{ users { username reviews { body product { name inStock reviews "
            "{ author { username } } } } } }",
        ),
        Query(
            "same-type-under-two-roots",
            "{ topProducts { name inStock } me { reviews { product { name inStock } } } }",
        ),
        Query(
            "same-type-under-two-fields",
            "{ topProducts(first: 2) { inStock related { inStock name } } }",
        ),
        Query(
            "repeated-entities",
            "{ users { reviews { product { related { inStock } } } } }",
        ),
        Query(
            "back-and-forth",
            "{ me { reviews { product { reviews { author { reviews { product { price } } } } } "
            "} } }",
        ),
        Query(
            "wide",
            "{ topProducts { id name price inStock reviews { id body author { id username } } } }",
        ),
    ],
)
