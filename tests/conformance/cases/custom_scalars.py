"""Custom scalars through the gateway: a JSON-like scalar with object and list values, a scalar
used as (part of) a key, scalar and enum values in representations, and scalar arguments."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _by_sku(rep: dict[str, Any], w: World) -> Any:
    for row in w.table("Item"):
        if row["sku"] == rep["sku"] and row["region"] == rep["region"]:
            return {**row, **rep}
    return None


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    scalar JSON
    scalar Sku
    enum Region {{ EU US }}
    type Query {{ items(where: JSON): [Item!]! }}
    type Item @key(fields: "sku region") {{ sku: Sku! region: Region! meta: JSON title: String! }}
    """,
    resolvers={
        "Query.items": lambda _, w, where=None: [
            i for i in w.table("Item") if not where or i["region"] == where.get("region")
        ],
    },
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    scalar JSON
    scalar Sku
    enum Region {{ EU US }}
    type Item @key(fields: "sku region") {{ sku: Sku! region: Region! stock: JSON! }}
    """,
    entity_resolvers={"Item": _by_sku},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, stock],
    world=World(
        {
            "Item": [
                {
                    "sku": "A-1",
                    "region": "EU",
                    "title": "Table",
                    "meta": {"colour": "oak", "sizes": [1, 2]},
                    "stock": {"count": 3, "bins": ["x", "y"]},
                },
                {
                    "sku": "A-1",
                    "region": "US",
                    "title": "Table",
                    "meta": None,
                    "stock": [1, {"nested": True}],
                },
            ]
        }
    ),
    queries=[
        Query("scalar-and-enum-key", "{ items { sku region stock } }"),
        Query("json-values", "{ items { meta stock title } }"),
        Query(
            "json-argument-literal",
            '{ items(where: { region: "US" }) { title stock } }',
        ),
        Query(
            "json-argument-variable",
            "query ($w: JSON) { items(where: $w) { sku stock } }",
            variables={"w": {"region": "EU", "extra": [1, None]}},
        ),
    ],
)
