"""``@requires`` on ``@interfaceObject`` fields and on an entity interface's implementations:
the required fields come from the subgraph owning the interface and from another interface
object; queried on the interface, on each implementation and through fragments."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

media = Subgraph(
    "media",
    f"""
    {link("@key")}
    type Query {{ library: [Media!]! media(id: ID!): Media }}
    interface Media @key(fields: "id") {{ id: ID! title: String! }}
    type Book implements Media @key(fields: "id") {{ id: ID! title: String! pages: Int! }}
    type Movie implements Media @key(fields: "id") {{ id: ID! title: String! minutes: Int! }}
    """,
    resolvers={
        "Query.library": lambda _, w: w.table("Book") + w.table("Movie"),
        "Query.media": lambda _, w, id: w.get("Media", id=id),
    },
)

ratings = Subgraph(
    "ratings",
    f"""
    {link("@key", "@interfaceObject")}
    type Query {{ topRated: [Media!]! }}
    type Media @key(fields: "id") @interfaceObject {{ id: ID! score: Int! }}
    """,
    resolvers={
        "Query.topRated": lambda _, w: sorted(
            w.table("Book") + w.table("Movie"), key=lambda m: -m["score"]
        )[:2],
    },
)

labels = Subgraph(
    "labels",
    f"""
    {link("@key", "@interfaceObject", "@external", "@requires")}
    type Media @key(fields: "id") @interfaceObject {{
      id: ID!
      score: Int! @external
      title: String! @external
      label: String! @requires(fields: "score title")
    }}
    """,
    resolvers={"Media.label": lambda m, _: f"{m['title']} ({m['score']}/10)"},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[media, ratings, labels],
    world=World(
        {
            "Book": [{"id": "b1", "title": "Dune", "pages": 412, "score": 9}],
            "Movie": [
                {"id": "m1", "title": "Alien", "minutes": 117, "score": 8},
                {"id": "m2", "title": "Cats", "minutes": 110, "score": 2},
            ],
        },
        implementations={"Media": ["Book", "Movie"]},
    ),
    queries=[
        Query("on-interface", "{ library { id label } }"),
        Query("with-typename", "{ library { __typename label } }"),
        Query(
            "on-implementations",
            "{ library { ... on Book { pages label } ... on Movie { minutes } } }",
        ),
        Query("from-interface-object-root", "{ topRated { id label } }"),
        Query(
            "from-interface-object-root-concrete",
            "{ topRated { __typename label ... on Movie { minutes } } }",
        ),
        Query("by-id", '{ media(id: "m2") { label score } }'),
        Query(
            "fragment",
            "{ library { ...L } } fragment L on Media { title label score }",
        ),
        Query(
            "skip-requires",
            "query ($s: Boolean!) { topRated { id label @skip(if: $s) score } }",
            variables={"s": True},
        ),
    ],
)
