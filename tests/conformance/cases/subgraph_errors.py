"""Subgraph errors and partial data: a nullable field that fails is null with an error at its
path; a failing non-null field nulls its nearest nullable parent; one failed fetch leaves the
other fetches' data; entity-level errors land on the entity's path."""

from typing import Any

from graphql import GraphQLError

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _boom(*_: Any, **__: Any) -> Any:
    raise ValueError("boom")


products = Subgraph(
    "products",
    f"""
    {link("@key")}
    type Query {{
      products: [Product!]!
      broken: Product
      brokenList: [Product!]
    }}
    type Product @key(fields: "id") {{ id: ID! name: String! description: String }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.broken": _boom,
        "Query.brokenList": _boom,
        "Product.description": lambda p, _: _boom() if p["id"] == "2" else p["description"],
    },
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{
      id: ID!
      quantity: Int
      warehouse: Warehouse!
      mandatory: Int!
    }}
    type Warehouse {{ name: String! manager: String }}
    """,
    resolvers={
        "Product.quantity": lambda p, _: _boom() if p["id"] == "1" else p["quantity"],
        "Product.mandatory": lambda p, _: _boom() if p["id"] == "2" else 1,
        "Warehouse.manager": _boom,
    },
    # Product 3's representation fails in this subgraph (an error at that entity).
    entity_resolvers={
        "Product": lambda rep, w: (
            GraphQLError("no stock record")
            if rep["id"] == "3"
            else dict(w.get("Product", id=rep["id"]) or {}, **rep)
        )
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, stock],
    world=World(
        {
            "Product": [
                {
                    "id": "1",
                    "name": "Table",
                    "description": "Oak",
                    "quantity": 5,
                    "warehouse": {"name": "North"},
                },
                {
                    "id": "2",
                    "name": "Chair",
                    "description": "Pine",
                    "quantity": 0,
                    "warehouse": {"name": "South"},
                },
                {
                    "id": "3",
                    "name": "Lamp",
                    "description": None,
                    "quantity": 9,
                    "warehouse": {"name": "North"},
                },
            ]
        }
    ),
    queries=[
        Query("nullable-root-field-error", "{ broken { id } products { id } }"),
        Query("nullable-list-root-error", "{ brokenList { id } }"),
        Query("nullable-field-in-root-fetch", "{ products { id description } }"),
        Query("nullable-field-in-entity-fetch", "{ products { id quantity } }"),
        Query("entity-error", "{ products { id name warehouse { name } } }"),
        Query("non-null-field-error-propagates", "{ products { id mandatory } }"),
        Query("nested-nullable-error", "{ products { id warehouse { name manager } } }"),
        Query(
            "errors-from-both-subgraphs",
            "{ products { name description quantity } broken { name } }",
        ),
    ],
)
