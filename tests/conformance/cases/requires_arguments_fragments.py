"""``@requires`` whose field set has field arguments and inline fragments on an abstract type
(the required value is a union in the owning subgraph), and a required nested object."""

from typing import Any

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key", "@shareable")}
    type Query {{ shipments: [Shipment!]! }}
    type Shipment @key(fields: "id") {{
      id: ID!
      weight(unit: Unit!): Float!
      contents: Content!
      dimensions: Dimensions!
    }}
    enum Unit {{ KG LB }}
    union Content = Parcel | Letter
    type Parcel {{ grams: Int! fragile: Boolean! }}
    type Letter {{ pages: Int! }}
    type Dimensions @shareable {{ width: Int! height: Int! depth: Int }}
    """,
    resolvers={
        "Query.shipments": lambda _, w: w.table("Shipment"),
        "Shipment.weight": lambda s, _, unit: s["kg"] if unit == "KG" else round(s["kg"] * 2.2, 1),
    },
)


def _fee(shipment: dict[str, Any], _: World) -> int:
    contents = shipment["contents"]
    base = 3 if "pages" in contents else 5 + (2 if contents["fragile"] else 0)
    size = shipment["dimensions"]["width"] * shipment["dimensions"]["height"]
    return base + int(shipment["weight"]) + size // 100


REQUIRED = (
    "weight(unit: KG) contents { ... on Parcel { fragile } ... on Letter { pages } } "
    "dimensions { width height }"
)

fees = Subgraph(
    "fees",
    f"""
    {link("@key", "@external", "@requires", "@shareable")}
    type Shipment @key(fields: "id") {{
      id: ID!
      weight(unit: Unit!): Float! @external
      contents: Content! @external
      dimensions: Dimensions! @external
      fee: Int!
        @requires(
          fields: "{REQUIRED}"
        )
    }}
    enum Unit {{ KG LB }}
    union Content = Parcel | Letter
    type Parcel {{ fragile: Boolean! @external }}
    type Letter {{ pages: Int! @external }}
    type Dimensions @shareable {{ width: Int! height: Int! depth: Int }}
    """,
    resolvers={"Shipment.fee": _fee},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, fees],
    world=World(
        {
            "Shipment": [
                {
                    "id": "s1",
                    "kg": 2.0,
                    "contents": {"__typename": "Parcel", "grams": 2000, "fragile": True},
                    "dimensions": {"width": 30, "height": 20, "depth": 10},
                },
                {
                    "id": "s2",
                    "kg": 0.1,
                    "contents": {"__typename": "Letter", "pages": 3},
                    "dimensions": {"width": 10, "height": 20, "depth": None},
                },
            ]
        }
    ),
    queries=[
        Query("fee", "{ shipments { id fee } }"),
        Query("fee-and-other-argument", "{ shipments { weight(unit: LB) fee } }"),
        Query(
            "fee-and-required-fields",
            "{ shipments { fee weight(unit: KG) contents { __typename ... on Letter { pages } } "
            "} }",
        ),
        Query(
            "fee-with-aliased-required",
            "{ shipments { w: weight(unit: KG) d: dimensions { width } fee } }",
        ),
        Query(
            "variable-argument-and-fee",
            "query ($u: Unit!) { shipments { weight(unit: $u) fee } }",
            variables={"u": "LB"},
        ),
        Query(
            "required-union-selected-differently",
            "{ shipments { contents { ... on Parcel { grams } } fee } }",
        ),
    ],
    overrides={
        name: Override(
            {"data": {"shipments": [{"weight": 4.4, "fee": 15}, {"weight": 0.2, "fee": 5}]}},
            "Apollo sends the client's weight(unit: LB) as the required weight(unit: KG): fee 17",
        )
        for name in ("fee-and-other-argument", "variable-argument-and-fee")
    },
)
