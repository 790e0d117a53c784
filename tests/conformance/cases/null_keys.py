"""Null and missing entities: a nullable key field that is null (no representation can be
made: the entity's other fields are null, the rest of the list stands), null references,
lists with null items, and entities another subgraph does not find."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

books = Subgraph(
    "books",
    f"""
    {link("@key")}
    type Query {{ books: [Book!]! shelf: [Book] }}
    type Book @key(fields: "id") @key(fields: "isbn") {{
      id: ID!
      isbn: String
      title: String!
      sequel: Book
    }}
    """,
    resolvers={
        "Query.books": lambda _, w: w.table("Book"),
        "Query.shelf": lambda _, w: [w.get("Book", id="1"), None, w.get("Book", id="3")],
    },
)

library = Subgraph(
    "library",
    f"""
    {link("@key")}
    type Book @key(fields: "isbn") {{ isbn: String! copies: Int! location: String }}
    """,
    # Only the books with copies exist here.
    entity_resolvers={
        "Book": lambda rep, w: next(
            (b for b in w.table("Book") if b["isbn"] == rep["isbn"] and "copies" in b), None
        )
    },
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Book @key(fields: "id") {{ id: ID! rating: Float }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[books, library, reviews],
    world=World(
        {
            "Book": [
                {
                    "id": "1",
                    "isbn": "111",
                    "title": "Dune",
                    "copies": 2,
                    "location": "A1",
                    "rating": 4.5,
                    "sequel": Ref("Book", id="2"),
                },
                {"id": "2", "isbn": None, "title": "Dune Messiah", "rating": 4.0, "sequel": None},
                {
                    "id": "3",
                    "isbn": "333",
                    "title": "Emma",
                    "copies": 1,
                    "location": None,
                    "sequel": Ref("Book", id="4"),
                },
                # Known to "books" but not to "library" (isbn 444 has no copies row) nor
                # "reviews" (the harness finds it, its rating is null).
                {"id": "4", "isbn": "444", "title": "Persuasion", "sequel": None},
            ]
        }
    ),
    queries=[
        Query("null-key-in-list", "{ books { id isbn location } }"),
        Query("null-key-non-null-field", "{ books { title copies } }"),
        Query("null-reference", "{ books { title sequel { title rating } } }"),
        Query("null-reference-other-subgraph", "{ books { sequel { location } } }"),
        Query("null-list-items", "{ shelf { title rating location } }"),
        Query("entity-not-found", "{ books { id rating } }"),
        Query("typename-of-null-key", "{ books { __typename isbn copies } }"),
    ],
)
