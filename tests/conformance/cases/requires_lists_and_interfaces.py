"""``@requires`` in harder places: a required list of entities whose required field lives in a
third subgraph (``cart.total`` needs ``items { price }``), ``@requires`` on an implementation
of an entity interface needing the interface owner's field, ``@requires`` under a parent that a
variable skips or includes, and on entities that came from a shared root field."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _total(cart: dict[str, Any], _: World) -> int:
    return sum(item["price"] for item in cart["items"])


carts = Subgraph(
    "carts",
    f"""
    {link("@key", "@shareable")}
    type Query {{ carts: [Cart!]! cart(id: ID!): Cart @shareable }}
    type Cart @key(fields: "id") {{ id: ID! owner: String! items: [Item!]! }}
    type Item @key(fields: "sku") {{ sku: ID! }}
    """,
    resolvers={
        "Query.carts": lambda _, w: w.table("Cart"),
        "Query.cart": lambda _, w, id: w.get("Cart", id=id),
    },
)

prices = Subgraph(
    "prices",
    f"""
    {link("@key")}
    type Item @key(fields: "sku") {{ sku: ID! price: Int! }}
    """,
)

checkout = Subgraph(
    "checkout",
    f"""
    {link("@key", "@external", "@requires", "@shareable")}
    type Query {{ cart(id: ID!): Cart @shareable }}
    type Cart @key(fields: "id") {{
      id: ID!
      items: [Item!]! @external
      total: Int! @requires(fields: "items {{ price }}")
    }}
    type Item @key(fields: "sku") {{ sku: ID! price: Int! @external }}
    """,
    resolvers={"Cart.total": _total, "Query.cart": lambda _, w, id: w.get("Cart", id=id)},
)

vehicles = Subgraph(
    "vehicles",
    f"""
    {link("@key")}
    type Query {{ vehicles: [Vehicle!]! }}
    interface Vehicle @key(fields: "id") {{ id: ID! wheels: Int! }}
    type Car implements Vehicle @key(fields: "id") {{ id: ID! wheels: Int! doors: Int! }}
    type Bike implements Vehicle @key(fields: "id") {{ id: ID! wheels: Int! }}
    """,
    resolvers={"Query.vehicles": lambda _, w: w.table("Car") + w.table("Bike")},
)

tolls = Subgraph(
    "tolls",
    f"""
    {link("@key", "@external", "@requires")}
    type Car @key(fields: "id") {{
      id: ID!
      wheels: Int! @external
      toll: Int! @requires(fields: "wheels")
    }}
    """,
    resolvers={"Car.toll": lambda c, _: c["wheels"] * 2},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[carts, prices, checkout, vehicles, tolls],
    world=World(
        {
            "Cart": [
                {"id": "c1", "owner": "ada", "items": [Ref("Item", sku="A"), Ref("Item", sku="B")]},
                {"id": "c2", "owner": "bob", "items": []},
            ],
            "Item": [{"sku": "A", "price": 10}, {"sku": "B", "price": 32}],
            "Car": [{"id": "car1", "wheels": 4, "doors": 5}],
            "Bike": [{"id": "bike1", "wheels": 2}],
        }
    ),
    queries=[
        Query("required-list-of-entities", "{ carts { id total } }"),
        Query("required-list-and-selected", "{ carts { total items { sku price } } }"),
        Query("from-shared-root", '{ cart(id: "c1") { owner total } }'),
        Query("shared-root-missing", '{ cart(id: "zz") { total } }'),
        Query(
            "implementation-of-entity-interface",
            "{ vehicles { id ... on Car { toll doors } } }",
        ),
        Query(
            "under-skipped-parent",
            "query ($s: Boolean!) { carts { id ... @skip(if: $s) { total } } }",
            variables={"s": True},
        ),
        Query(
            "under-included-parent",
            "query ($i: Boolean!) { carts { owner ... @include(if: $i) { total } } }",
            variables={"i": True},
        ),
        Query(
            "typename-and-requires-on-interface",
            "{ vehicles { __typename wheels ... on Car { toll } } }",
        ),
    ],
)
