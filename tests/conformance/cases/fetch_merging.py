"""Shapes where fetches can be merged or skipped: two entity types needing the same subgraph at
the same depth (one ``_entities`` call can carry both), the same type at two depths, a whole
root fetch removed by ``@skip``, fifty entities with repeated keys (one batch, deduplicated),
and a mutation whose result needs a ``@requires`` field."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _bump(_: Any, w: World, id: str) -> Any:
    row = w.get("Product", id=id)
    assert row is not None
    row["price"] += 1
    return row


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! users: [User!]! many: [Product!]! }}
    type Mutation {{ bump(id: ID!): Product! }}
    type Product @key(fields: "id") {{ id: ID! name: String! price: Int! owner: User! }}
    type User @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.users": lambda _, w: w.table("User"),
        "Query.many": lambda _, w: [w.table("Product")[i % 3] for i in range(50)],
        "Mutation.bump": _bump,
    },
)

social = Subgraph(
    "social",
    f"""
    {link("@key", "@external", "@requires")}
    type Query {{ trending: [Product!]! }}
    type Product @key(fields: "id") {{
      id: ID!
      likes: Int!
      price: Int! @external
      pricePerLike: Float! @requires(fields: "price")
    }}
    type User @key(fields: "id") {{ id: ID! followers: Int! }}
    """,
    resolvers={
        "Query.trending": lambda _, w: w.table("Product")[:1],
        "Product.pricePerLike": lambda p, w: round(
            p["price"] / max(w.get("Product", id=p["id"])["likes"], 1), 2
        ),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, social],
    world=World(
        {
            "User": [
                {"id": "u1", "name": "Ada", "followers": 3},
                {"id": "u2", "name": "Bob", "followers": 1},
            ],
            "Product": [
                {
                    "id": "1",
                    "name": "Table",
                    "price": 90,
                    "likes": 9,
                    "owner": Ref("User", id="u1"),
                },
                {
                    "id": "2",
                    "name": "Chair",
                    "price": 30,
                    "likes": 0,
                    "owner": Ref("User", id="u2"),
                },
                {"id": "3", "name": "Lamp", "price": 12, "likes": 4, "owner": Ref("User", id="u1")},
            ],
        }
    ),
    queries=[
        Query(
            "two-types-same-subgraph-same-depth",
            "{ products { likes } users { followers } }",
        ),
        Query(
            "two-types-under-one-parent",
            "{ products { likes owner { followers } } }",
        ),
        Query(
            "same-type-two-depths",
            "{ trending { name owner { name followers } } users { followers } }",
        ),
        Query(
            "root-fetch-skipped",
            "query ($s: Boolean!) { products @skip(if: $s) { name } trending { likes } }",
            variables={"s": True},
        ),
        Query(
            "everything-skipped",
            "query ($s: Boolean!) { products @skip(if: $s) { likes } }",
            variables={"s": True},
        ),
        Query("fifty-entities-three-keys", "{ many { id likes } }"),
        Query("mutation-result-with-requires", 'mutation { bump(id: "2") { price pricePerLike } }'),
        Query(
            "requires-and-plain-in-one-fetch",
            "{ products { likes pricePerLike owner { followers } } }",
        ),
    ],
)
