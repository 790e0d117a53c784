"""Named and inline fragments, nested and on an interface, whose fields are spread over three
subgraphs: fragments inside fragments, inline fragments without a type condition, the same
fragment at two levels, fragments merged with direct selections, variables inside
fragments."""

from typing import Any

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link


def _reviews(product: dict[str, Any], world: World, first: int | None = None) -> Any:
    found = world.where("Review", product=Ref("Product", id=product["id"]))
    return found[:first] if first is not None else found


shop = Subgraph(
    "shop",
    f"""
    {link("@key")}
    type Query {{ node(id: ID!): Node nodes: [Node!]! }}
    interface Node {{ id: ID! }}
    type Product implements Node @key(fields: "id") {{ id: ID! name: String! }}
    type Category implements Node @key(fields: "id") {{
      id: ID!
      title: String!
      products: [Product!]!
    }}
    """,
    resolvers={
        "Query.node": lambda _, w, id: w.get("Product", id=id) or w.get("Category", id=id),
        "Query.nodes": lambda _, w: w.table("Category") + w.table("Product"),
    },
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! reviews(first: Int): [Review!]! }}
    type Review {{ body: String! stars: Int! }}
    """,
    resolvers={"Product.reviews": _reviews},
)

inventory = Subgraph(
    "inventory",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! stock: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[shop, reviews, inventory],
    world=World(
        {
            "Product": [
                {"id": "p1", "name": "Table", "stock": 3},
                {"id": "p2", "name": "Chair", "stock": 0},
            ],
            "Category": [
                {
                    "id": "c1",
                    "title": "Furniture",
                    "products": [Ref("Product", id="p1"), Ref("Product", id="p2")],
                }
            ],
            "Review": [
                {"body": "Solid", "stars": 5, "product": Ref("Product", id="p1")},
                {"body": "Heavy", "stars": 3, "product": Ref("Product", id="p1")},
            ],
        }
    ),
    queries=[
        Query(
            "nested-named-fragments",
            "{ nodes { ...N } } fragment N on Node { id ...P ...C } "
            "fragment P on Product { name ...R } fragment R on Product { reviews { body } stock } "
            "fragment C on Category { title products { ...P } }",
        ),
        Query(
            "inline-without-type-condition",
            "{ nodes { ... { id } ... on Product { ... { stock } } } }",
        ),
        Query(
            "interface-fragment-inside-concrete",
            '{ node(id: "p1") { ... on Node { ... on Product { stock reviews { stars } } } } }',
        ),
        Query(
            "fragment-merged-with-direct-fields",
            "{ nodes { ... on Product { stock } ...P id } } "
            "fragment P on Product { stock name reviews { stars } }",
        ),
        Query(
            "variables-in-fragments",
            "query ($n: Int!) { nodes { ...F } } "
            "fragment F on Node { ... on Product { reviews(first: $n) { body } } "
            "... on Category { products { reviews(first: $n) { stars } } } }",
            variables={"n": 1},
        ),
        Query(
            "same-fragment-two-levels",
            '{ node(id: "c1") { ...X ... on Category { products { ...X } } } } '
            "fragment X on Node { __typename id ... on Product { stock } }",
        ),
    ],
)
