"""Enums whose values differ between subgraphs: ``Color`` (output only) merges to the union of
the values, ``Size`` (input only) to their intersection — a value only one subgraph accepts is
not in the supergraph, as a literal or through a variable; one variable feeds both subgraphs."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _sized(typename: str) -> Any:
    def resolve(_: Any, world: World, size: str | None = None) -> list[dict[str, Any]]:
        return [r for r in world.table(typename) if size is None or r["size"] == size]

    return resolve


shirts = Subgraph(
    "shirts",
    f"""
    {link("@shareable")}
    type Query {{ shirts(size: Size): [Shirt!]! }}
    enum Color {{ RED GREEN BLUE }}
    enum Size {{ S M L XL }}
    type Shirt {{ id: ID! color: Color! size: String! }}
    """,
    resolvers={"Query.shirts": _sized("Shirt")},
)

hats = Subgraph(
    "hats",
    f"""
    {link("@shareable")}
    type Query {{ hats(size: Size): [Hat!]! }}
    enum Color {{ RED GREEN PURPLE }}
    enum Size {{ S M L }}
    type Hat {{ id: ID! color: Color! }}
    """,
    resolvers={"Query.hats": _sized("Hat")},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[shirts, hats],
    world=World(
        {
            "Shirt": [
                {"id": "s1", "color": "BLUE", "size": "M"},
                {"id": "s2", "color": "RED", "size": "XL"},
                {"id": "s3", "color": "GREEN", "size": "L"},
            ],
            "Hat": [
                {"id": "h1", "color": "PURPLE", "size": "M"},
                {"id": "h2", "color": "RED", "size": "L"},
            ],
        }
    ),
    queries=[
        Query("output-union-of-values", "{ shirts { id color } hats { id color } }"),
        Query("input-common-value", "{ shirts(size: M) { id size } hats(size: M) { id } }"),
        Query("input-value-of-one-subgraph", "{ shirts(size: XL) { id } }"),
        Query(
            "variable-in-two-subgraphs",
            "query ($s: Size) { shirts(size: $s) { id } hats(size: $s) { id color } }",
            variables={"s": "L"},
        ),
        Query(
            "variable-null",
            "query ($s: Size) { shirts(size: $s) { id } hats(size: $s) { id } }",
            variables={"s": None},
        ),
        Query(
            "variable-value-of-one-subgraph",
            "query ($s: Size) { shirts(size: $s) { id } }",
            variables={"s": "XL"},
        ),
        Query(
            "introspection-of-merged-enums",
            '{ size: __type(name: "Size") { enumValues { name } } '
            'color: __type(name: "Color") { enumValues { name } } }',
        ),
    ],
)
