"""A mutation whose payload is a union (``Order | Rejected``, the result-or-error pattern), the
success member completed by an entity fetch from another subgraph: fragments on the members,
``__typename``, and two aliased mutations with variables run one after the other."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _place(_: Any, world: World, input: dict[str, Any]) -> dict[str, Any]:
    if input["qty"] < 1:
        return {"__typename": "Rejected", "reason": "quantity must be positive", "code": 422}
    orders = world.table("Order")
    order = {
        "__typename": "Order",
        "id": f"o{len(orders) + 1}",
        "total": input["qty"] * 10,
        "eta": "tomorrow" if input["qty"] < 5 else "next week",
    }
    orders.append(order)
    return order


orders = Subgraph(
    "orders",
    f"""
    {link("@key")}
    type Query {{ order(id: ID!): Order }}
    type Mutation {{ placeOrder(input: OrderInput!): PlaceResult! }}
    input OrderInput {{ sku: String! qty: Int! = 1 }}
    union PlaceResult = Order | Rejected
    type Order @key(fields: "id") {{ id: ID! total: Int! }}
    type Rejected {{ reason: String! code: Int }}
    """,
    resolvers={
        "Query.order": lambda _, w, id: w.get("Order", id=id),
        "Mutation.placeOrder": _place,
    },
)

shipping = Subgraph(
    "shipping",
    f"""
    {link("@key")}
    type Order @key(fields: "id") {{ id: ID! eta: String! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[orders, shipping],
    world=World({"Order": []}),
    queries=[
        Query(
            "success-member-with-entity-fetch",
            'mutation { placeOrder(input: {sku: "A", qty: 2}) { __typename '
            "... on Order { id total eta } ... on Rejected { reason } } }",
        ),
        Query(
            "rejected-member",
            'mutation { placeOrder(input: {sku: "A", qty: 0}) { '
            "... on Order { eta } ... on Rejected { reason code } } }",
        ),
        Query(
            "aliased-mutations-in-order",
            "mutation Place($a: OrderInput!, $b: OrderInput!) { "
            "first: placeOrder(input: $a) { ...R } second: placeOrder(input: $b) { ...R } } "
            "fragment R on PlaceResult { __typename ... on Order { id eta } "
            "... on Rejected { code } }",
            variables={"a": {"sku": "A", "qty": 7}, "b": {"sku": "B"}},
            operation_name="Place",
        ),
        Query(
            "typename-only",
            'mutation { placeOrder(input: {sku: "B"}) { __typename } }',
        ),
    ],
)
