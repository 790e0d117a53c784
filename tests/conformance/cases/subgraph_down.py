"""A subgraph that is down (HTTP 503, no GraphQL body): the fields it owns are null with an
error, non-null ones propagate to the nearest nullable parent, the rest of the answer stands;
a root field of the down subgraph fails alone."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! product(id: ID!): Product }}
    type Product @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.product": lambda _, w, id: w.get("Product", id=id),
    },
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Query {{ latestReviews: [Review!] }}
    type Product @key(fields: "id") {{ id: ID! rating: Float reviews: [Review!]! }}
    type Review {{ body: String! }}
    """,
    outage=503,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, reviews],
    world=World({"Product": [{"id": "1", "name": "Table"}, {"id": "2", "name": "Chair"}]}),
    queries=[
        Query("nullable-field-of-down-subgraph", "{ products { name rating } }"),
        Query("non-null-field-of-down-subgraph", '{ product(id: "1") { name reviews { body } } }'),
        Query("root-field-of-down-subgraph", "{ latestReviews { body } products { id } }"),
        Query("only-the-healthy-subgraph", "{ products { id name } }"),
        Query(
            "propagates-to-the-list",
            "{ products { id reviews { body } } }",
        ),
    ],
)
