"""Entities inside nested lists (``[[Product!]!]!``, lists with nulls at both levels) and
lists of lists of value types holding entities: every element is fetched and put back at its
own position."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _shelves(_: Any, w: World) -> list[list[Any]]:
    return [
        [Ref("Product", id="1"), Ref("Product", id="2")],
        [],
        [Ref("Product", id="3"), Ref("Product", id="1")],
    ]


def _sparse(_: Any, w: World) -> list[Any]:
    return [[Ref("Product", id="2"), None], None, [Ref("Product", id="9")]]


store = Subgraph(
    "store",
    f"""
    {link("@key")}
    type Query {{
      shelves: [[Product!]!]!
      sparse: [[Product]]
      grid: [[Cell!]!]!
    }}
    type Product @key(fields: "id") {{ id: ID! name: String! }}
    type Cell {{ label: String! product: Product }}
    """,
    resolvers={
        "Query.shelves": _shelves,
        "Query.sparse": _sparse,
        "Query.grid": lambda _, w: [
            [{"label": "a1", "product": Ref("Product", id="3")}, {"label": "a2", "product": None}],
            [{"label": "b1", "product": Ref("Product", id="1")}],
        ],
    },
)

prices = Subgraph(
    "prices",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! price: Int! history: [[Int!]!]! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[store, prices],
    world=World(
        {
            "Product": [
                {"id": "1", "name": "Table", "price": 899, "history": [[900, 899], []]},
                {"id": "2", "name": "Chair", "price": 120, "history": [[130]]},
                {"id": "3", "name": "Lamp", "price": 40, "history": []},
            ]
        }
    ),
    queries=[
        Query("list-of-lists", "{ shelves { id price } }"),
        Query("nulls-at-both-levels", "{ sparse { name price } }"),
        Query("value-types-in-lists", "{ grid { label product { price name } } }"),
        Query("nested-list-field-of-entity", "{ shelves { history } }"),
        Query("typename-in-nested-lists", "{ shelves { __typename price } grid { __typename } }"),
    ],
)
