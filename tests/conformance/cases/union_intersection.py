"""A union whose members differ per subgraph: ``Media`` is ``Book | Movie`` in ``a`` and
``Movie | Song`` in ``b`` (which knows ``Book`` but not as a member), so each subgraph must
receive only fragments on its own members, and member fields come from either side."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

a = Subgraph(
    "a",
    f"""
    {link("@key", "@shareable")}
    type Query {{ mediaA: [Media!]! }}
    union Media = Book | Movie
    type Book @key(fields: "id") {{ id: ID! title: String! @shareable }}
    type Movie @key(fields: "id") {{ id: ID! title: String! @shareable }}
    """,
    resolvers={"Query.mediaA": lambda _, w: w.table("Book") + w.table("Movie")},
)

b = Subgraph(
    "b",
    f"""
    {link("@key", "@shareable")}
    type Query {{ mediaB: [Media!]! }}
    union Media = Movie | Song
    type Movie @key(fields: "id") {{ id: ID! title: String! @shareable year: Int! }}
    type Song @key(fields: "id") {{ id: ID! title: String! length: Int }}
    type Book @key(fields: "id") {{ id: ID! pages: Int! }}
    """,
    resolvers={"Query.mediaB": lambda _, w: w.table("Song") + w.table("Movie")},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[a, b],
    world=World(
        {
            "Book": [{"id": "b1", "title": "Dune", "pages": 412}],
            "Movie": [{"id": "m1", "title": "Alien", "year": 1979}],
            "Song": [{"id": "s1", "title": "Blue", "length": 182}],
        }
    ),
    queries=[
        Query(
            "all-members-from-a",
            "{ mediaA { __typename ... on Book { title pages } ... on Movie { title year } "
            "... on Song { title } } }",
        ),
        Query(
            "non-member-fragment-from-b",
            "{ mediaB { ... on Book { title } ... on Movie { year } ... on Song { length } } }",
        ),
        Query("only-non-member-fragment", "{ mediaB { ... on Book { pages } } }"),
        Query(
            "named-fragment-both-roots",
            "{ mediaA { ...F } mediaB { ...F } } "
            "fragment F on Media { __typename ... on Movie { title year } }",
        ),
        Query("typename-only", "{ mediaA { __typename } mediaB { __typename } }"),
    ],
)
