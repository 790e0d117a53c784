"""Fields whose type differs between subgraphs (``String!`` in one, ``String`` in another; list
nullability), selected on several members of an abstract type in one subgraph query: valid in
the supergraph (merged to the nullable type), in conflict inside the subgraph unless the
gateway aliases them."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key", "@shareable")}
    type Query {{ items: [Item!]! featured: Item }}
    union Item = Book | Song
    type Book @key(fields: "id") {{
      id: ID!
      code: String! @shareable
      tags: [String!]! @shareable
      title: String!
    }}
    type Song @key(fields: "id") {{
      id: ID!
      code: String @shareable
      tags: [String] @shareable
      title: String!
    }}
    """,
    resolvers={
        "Query.items": lambda _, w: w.table("Book") + w.table("Song"),
        "Query.featured": lambda _, w: w.get("Song", id="s1"),
    },
)

legacy = Subgraph(
    "legacy",
    f"""
    {link("@key", "@shareable")}
    type Book @key(fields: "id") {{
      id: ID!
      code: String @shareable
      tags: [String] @shareable
      shelf: String
    }}
    type Song @key(fields: "id") {{
      id: ID!
      code: String @shareable
      tags: [String] @shareable
      album: Album
    }}
    type Album {{ name: String! code: Int }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, legacy],
    world=World(
        {
            "Book": [
                {"id": "b1", "code": "B-1", "tags": ["x"], "title": "Dune", "shelf": "A3"},
                {"id": "b2", "code": "B-2", "tags": [], "title": "Emma", "shelf": None},
            ],
            "Song": [
                {
                    "id": "s1",
                    "code": None,
                    "tags": ["y", None],
                    "title": "Hey",
                    "album": {"name": "Blue", "code": 7},
                },
            ],
        }
    ),
    queries=[
        Query("inline-fragments", "{ items { ... on Book { code } ... on Song { code } } }"),
        Query(
            "named-fragments",
            "{ items { __typename ...B ...S } } "
            "fragment B on Book { id code tags } fragment S on Song { id code tags }",
        ),
        Query(
            "same-alias",
            "{ items { ... on Book { c: code t: title } ... on Song { c: code t: title } } }",
        ),
        Query(
            "with-entity-fields",
            "{ items { ... on Book { code shelf } ... on Song { code album { name } } } }",
        ),
        Query(
            "alias-of-different-fields",
            "{ items { ... on Book { x: shelf } ... on Song { x: code } } }",
        ),
        Query("single-member", "{ featured { ... on Song { code tags } ... on Book { code } } }"),
        Query(
            "typename-and-spreads",
            "{ items { __typename ... on Book { __typename code } "
            "... on Song { code __typename } } }",
        ),
    ],
)
