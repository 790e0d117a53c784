"""Variables and arguments on fields answered in entity fetches: the variables each fetch uses
(and only those) must reach the subgraph, with input objects, enums, lists, defaults and
nulls; the same field twice with different arguments under aliases."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _reviews(product: dict[str, Any], w: World, first: int = 10, filter: Any = None) -> Any:
    rows = w.where("Review", productId=product["id"])
    if filter:
        if filter.get("minStars") is not None:
            rows = [r for r in rows if r["stars"] >= filter["minStars"]]
        if filter.get("tags"):
            rows = [r for r in rows if set(filter["tags"]) & set(r["tags"])]
    return rows[:first]


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ products(category: Category = FURNITURE): [Product!]! }}
    enum Category {{ FURNITURE LIGHTING }}
    type Product @key(fields: "id") {{ id: ID! name: String! category: Category! }}
    """,
    resolvers={"Query.products": lambda _, w, category: w.where("Product", category=category)},
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{
      id: ID!
      reviews(first: Int = 10, filter: ReviewFilter): [Review!]!
      summary(format: Format! = SHORT, locale: String): String!
    }}
    input ReviewFilter {{ minStars: Int tags: [String!] }}
    enum Format {{ SHORT LONG }}
    type Review {{ stars: Int! body: String! }}
    """,
    resolvers={
        "Product.reviews": _reviews,
        "Product.summary": lambda p, _, format, locale=None: f"{p['id']}:{format}:{locale or '-'}",
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, reviews],
    world=World(
        {
            "Product": [
                {"id": "1", "name": "Table", "category": "FURNITURE"},
                {"id": "2", "name": "Chair", "category": "FURNITURE"},
                {"id": "3", "name": "Lamp", "category": "LIGHTING"},
            ],
            "Review": [
                {"productId": "1", "stars": 5, "body": "Solid", "tags": ["wood"]},
                {"productId": "1", "stars": 2, "body": "Heavy", "tags": ["weight"]},
                {"productId": "2", "stars": 4, "body": "Comfy", "tags": []},
                {"productId": "3", "stars": 3, "body": "Dim", "tags": ["light"]},
            ],
        }
    ),
    queries=[
        Query(
            "input-object-variable",
            "query ($f: ReviewFilter) { products { name reviews(filter: $f) { stars } } }",
            variables={"f": {"minStars": 3}},
        ),
        Query(
            "variables-in-both-fetches",
            "query ($c: Category, $n: Int) { products(category: $c) { name reviews(first: $n) "
            "{ body } } }",
            variables={"c": "LIGHTING", "n": 1},
        ),
        Query(
            "enum-and-null-variables",
            "query ($f: Format!, $l: String) { products { summary(format: $f, locale: $l) } }",
            variables={"f": "LONG", "l": None},
        ),
        Query(
            "defaults-in-the-subgraph",
            "{ products { summary reviews { stars } } }",
        ),
        Query(
            "same-field-two-arguments",
            '{ products { short: summary(format: SHORT) long: summary(format: LONG, locale: "fr") '
            "top: reviews(first: 1) { stars } all: reviews { stars } } }",
        ),
        Query(
            "inline-input-object-with-list",
            '{ products { reviews(filter: { tags: ["wood", "light"] }) { body } } }',
        ),
        Query(
            "variable-inside-input-object",
            "query ($t: [String!], $m: Int) { products { reviews(filter: { tags: $t, "
            "minStars: $m }) { body } } }",
            variables={"t": ["weight", "wood"], "m": 3},
        ),
        Query(
            "unused-variable-and-operation-name",
            "query Q($f: Format!) { products { summary(format: $f) } } "
            "query Other { products { id } }",
            variables={"f": "SHORT"},
            operation_name="Q",
        ),
    ],
)
