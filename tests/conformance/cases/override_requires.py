"""``@override`` on a field that ``@requires``: ``shipping`` takes ``Order.shippingCost`` from
``orders`` with its own formula needing the external ``weight``; ``tracking``'s ``eta``
requires ``shippingCost`` in turn, which must now come from ``shipping``, not the stale
``orders``."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _eta(order: dict[str, Any], _: World) -> str:
    return "express" if order["shippingCost"] >= 10 else "standard"


orders = Subgraph(
    "orders",
    f"""
    {link("@key")}
    type Query {{ orders: [Order!]! order(id: ID!): Order }}
    type Order @key(fields: "id") {{ id: ID! weight: Int! total: Int! shippingCost: Int! }}
    """,
    resolvers={
        "Query.orders": lambda _, w: w.table("Order"),
        "Query.order": lambda _, w, id: w.get("Order", id=id),
        "Order.shippingCost": lambda o, _: 1,  # the old flat rate
    },
)

shipping = Subgraph(
    "shipping",
    f"""
    {link("@key", "@external", "@requires", "@override")}
    type Order @key(fields: "id") {{
      id: ID!
      weight: Int! @external
      shippingCost: Int! @override(from: "orders") @requires(fields: "weight")
    }}
    """,
    resolvers={"Order.shippingCost": lambda o, _: o["weight"] * 2},
)

tracking = Subgraph(
    "tracking",
    f"""
    {link("@key", "@external", "@requires")}
    type Order @key(fields: "id") {{
      id: ID!
      shippingCost: Int! @external
      eta: String! @requires(fields: "shippingCost")
    }}
    """,
    resolvers={"Order.eta": _eta},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[orders, shipping, tracking],
    world=World(
        {
            "Order": [
                {"id": "o1", "weight": 3, "total": 40},
                {"id": "o2", "weight": 12, "total": 250},
            ]
        }
    ),
    queries=[
        Query("overridden-requires-field", "{ orders { id shippingCost } }"),
        Query("requires-the-overridden-field", "{ orders { id eta } }"),
        Query("both-and-owner-fields", "{ orders { total eta shippingCost weight } }"),
        Query(
            "by-id-variable",
            'query ($id: ID!) { order(id: $id) { eta } none: order(id: "x") { eta } }',
            variables={"id": "o2"},
        ),
        Query("aliased", "{ orders { cost: shippingCost when: eta w: weight } }"),
    ],
)
