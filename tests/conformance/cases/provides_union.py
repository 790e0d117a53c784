"""``@provides`` on fields returning a union, with inline fragments per member: ``search``
provides every member's display field, ``suggest`` only the album's, so a book's title there
(and every member's other fields) comes from ``catalog``."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link

DISPLAY = {"Book": "title", "Album": "name"}


def _stored(world: World, provided: set[str]) -> list[dict[str, Any]]:
    """What ``search`` stores: each result's key, plus its display field where provided."""
    out = []
    for item in world.table("Book") + world.table("Album"):
        typename = item["__typename"]
        extra = {DISPLAY[typename]: item[DISPLAY[typename]]} if typename in provided else {}
        out.append({"__typename": typename, "id": item["id"], **extra})
    return out


def _search(_: Any, world: World, q: str) -> list[dict[str, Any]]:
    found = _stored(world, {"Book", "Album"})
    return [r for r in found if q.lower() in (r.get("title") or r.get("name") or "").lower()]


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key", "@shareable")}
    type Query {{ books: [Book!]! }}
    type Book @key(fields: "id") {{ id: ID! title: String! @shareable author: String! }}
    type Album @key(fields: "id") {{ id: ID! name: String! @shareable artist: String }}
    """,
    resolvers={"Query.books": lambda _, w: w.table("Book")},
)

search = Subgraph(
    "search",
    f"""
    {link("@key", "@external", "@provides")}
    type Query {{
      search(q: String!): [Result!]!
        @provides(fields: "... on Book {{ title }} ... on Album {{ name }}")
      suggest: [Result!]! @provides(fields: "... on Album {{ name }}")
    }}
    union Result = Book | Album
    type Book @key(fields: "id") {{ id: ID! title: String! @external }}
    type Album @key(fields: "id") {{ id: ID! name: String! @external }}
    """,
    resolvers={
        "Query.search": _search,
        "Query.suggest": lambda _, w: _stored(w, {"Album"}),
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, search],
    world=World(
        {
            "Book": [
                {"id": "b1", "title": "Dune", "author": "Herbert"},
                {"id": "b2", "title": "Blue Moon", "author": "Child"},
            ],
            "Album": [
                {"id": "a1", "name": "Blue", "artist": "Joni Mitchell"},
                {"id": "a2", "name": "Dune OST", "artist": None},
            ],
        }
    ),
    queries=[
        Query(
            "provided-members",
            '{ search(q: "blue") { ... on Book { title } ... on Album { name } } }',
        ),
        Query(
            "provided-and-owned",
            "query ($q: String!) { search(q: $q) { __typename ... on Book { title author } "
            "... on Album { name artist } } }",
            variables={"q": "dune"},
        ),
        Query(
            "provided-for-one-member",
            "{ suggest { ... on Album { name } ... on Book { title } } }",
        ),
        Query("typename-only", "{ suggest { __typename } }"),
        Query("no-results", '{ search(q: "zzz") { ... on Book { title author } } }'),
        Query(
            "one-member-selected",
            '{ search(q: "") { ... on Album { id artist } } }',
        ),
    ],
)
