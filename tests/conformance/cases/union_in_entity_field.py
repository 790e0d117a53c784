"""A union and an interface on an entity field that another subgraph resolves (``favorites``
adds ``User.favorites: [Favorite!]!`` and ``User.featured: Showcase``), whose members' fields
live in a third subgraph that knows neither abstract type: fragments on the members cross
two entity fetches, nested in named fragments."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

users = Subgraph(
    "users",
    f"""
    {link("@key")}
    type Query {{ users: [User!]! }}
    type User @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={"Query.users": lambda _, w: w.table("User")},
)

favorites = Subgraph(
    "favorites",
    f"""
    {link("@key")}
    type User @key(fields: "id") {{ id: ID! favorites: [Favorite!]! featured: Showcase }}
    union Favorite = Book | Movie
    interface Showcase {{ id: ID! }}
    type Book implements Showcase @key(fields: "id") {{ id: ID! }}
    type Movie implements Showcase @key(fields: "id") {{ id: ID! }}
    """,
)

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Book @key(fields: "id") {{ id: ID! title: String! pages: Int! }}
    type Movie @key(fields: "id") {{ id: ID! title: String! minutes: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[users, favorites, catalog],
    world=World(
        {
            "User": [
                {
                    "id": "u1",
                    "name": "Ada",
                    "favorites": [Ref("Book", id="b1"), Ref("Movie", id="m1")],
                    "featured": Ref("Movie", id="m1"),
                },
                {"id": "u2", "name": "Bob", "favorites": [], "featured": None},
                {
                    "id": "u3",
                    "name": "Cy",
                    "favorites": [Ref("Book", id="b2")],
                    "featured": Ref("Book", id="b2"),
                },
            ],
            "Book": [
                {"id": "b1", "title": "Dune", "pages": 412},
                {"id": "b2", "title": "Emma", "pages": 320},
            ],
            "Movie": [{"id": "m1", "title": "Alien", "minutes": 117}],
        }
    ),
    queries=[
        Query(
            "union-in-entity-fetch",
            "{ users { name favorites { __typename ... on Book { title } "
            "... on Movie { title minutes } } } }",
        ),
        Query(
            "interface-in-entity-fetch",
            "{ users { featured { id ... on Book { pages } ... on Movie { minutes } } } }",
        ),
        Query(
            "named-fragments-nested",
            "{ users { ...U } } fragment U on User { favorites { ...F } featured { ...S } } "
            "fragment F on Favorite { ... on Book { title } } "
            "fragment S on Showcase { __typename ... on Movie { title } }",
        ),
        Query("typename-only-members", "{ users { favorites { __typename } } }"),
        Query(
            "one-member-selected-nullable",
            "{ users { id featured { ... on Movie { minutes } } } }",
        ),
    ],
)
