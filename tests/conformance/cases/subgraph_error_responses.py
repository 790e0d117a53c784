"""Subgraphs that answer with errors and no usable data: HTTP 200 with ``errors`` and no
``data`` (request-level error), ``data: null`` with errors (a non-null root field failed
inside the subgraph), HTTP 400 with errors, and errors without ``path`` from an entity
fetch. The fields those fetches should have filled are null with errors; the rest stands."""

from typing import Any

from graphql import GraphQLError

from tests.conformance.harness import Case, Override, Query, Subgraph, World, link


def _refuse(rep: dict[str, Any], _: World) -> Any:
    raise GraphQLError("entity lookups are disabled")


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! strict: Product! }}
    type Product @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={
        "Query.products": lambda _, w: w.table("Product"),
        "Query.strict": lambda *_: (_ for _ in ()).throw(ValueError("strict root failed")),
    },
)

ratings = Subgraph(
    "ratings",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! stars: Int }}
    """,
    # Raising here fails the whole _entities field: data is null for it, one error, no index.
    entity_resolvers={"Product": _refuse},
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! count: Int }}
    """,
    outage=400,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, ratings, stock],
    world=World({"Product": [{"id": "1", "name": "Table"}, {"id": "2", "name": "Chair"}]}),
    queries=[
        Query("entities-field-fails", "{ products { name stars } }"),
        Query("http-400", "{ products { name count } }"),
        Query("both-fail", "{ products { id stars count } }"),
        Query("non-null-root-in-subgraph", "{ strict { id } }"),
        Query("non-null-root-beside-others", "{ strict { name } products { id } }"),
    ],
    # Apollo's path ["products", "@", "_entities"] is a path in its query plan, not in the
    # response; the spec's answer has the same data and an error (placed or not).
    overrides={
        "entities-field-fails": Override(
            {
                "errors": [{"message": "entity lookups are disabled"}],
                "data": {
                    "products": [{"name": "Table", "stars": None}, {"name": "Chair", "stars": None}]
                },
            },
            "Apollo's error path ['products', '@', '_entities'] is its plan's, not the response's",
        ),
        "both-fail": Override(
            {
                "errors": [
                    {"message": "400: Bad Request"},
                    {"message": "entity lookups are disabled"},
                ],
                "data": {
                    "products": [
                        {"id": "1", "stars": None, "count": None},
                        {"id": "2", "stars": None, "count": None},
                    ]
                },
            },
            "Apollo's error path ['products', '@', '_entities'] is its plan's, not the response's",
        ),
    },
)
