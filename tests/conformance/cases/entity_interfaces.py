"""Entity interfaces (``@key`` on an interface): implementations extended by other subgraphs
as plain entities, fields selected on the interface and on some implementations only, an
entity interface as a field type in another subgraph (``@interfaceObject`` reference that is
``resolvable: false``), and ``__typename`` of the concrete types."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

content = Subgraph(
    "content",
    f"""
    {link("@key")}
    type Query {{ nodes: [Node!]! node(id: ID!): Node }}
    interface Node @key(fields: "id") {{ id: ID! createdAt: String! }}
    type Article implements Node @key(fields: "id") {{
      id: ID!
      createdAt: String!
      headline: String!
    }}
    type Video implements Node @key(fields: "id") {{ id: ID! createdAt: String! seconds: Int! }}
    """,
    resolvers={
        "Query.nodes": lambda _, w: w.table("Article") + w.table("Video"),
        "Query.node": lambda _, w, id: w.get("Node", id=id),
    },
)

seo = Subgraph(
    "seo",
    f"""
    {link("@key")}
    type Article @key(fields: "id") {{ id: ID! slug: String! }}
    """,
)

feed = Subgraph(
    "feed",
    f"""
    {link("@key", "@interfaceObject")}
    type Query {{ feed: [FeedItem!]! }}
    type FeedItem {{ position: Int! node: Node! }}
    type Node @key(fields: "id", resolvable: false) @interfaceObject {{ id: ID! }}
    """,
    resolvers={
        "Query.feed": lambda _, w: [
            {"position": 1, "node": Ref("Node", id="v1")},
            {"position": 2, "node": Ref("Node", id="a2")},
            {"position": 3, "node": Ref("Node", id="a1")},
        ],
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[content, seo, feed],
    world=World(
        {
            "Article": [
                {"id": "a1", "createdAt": "mon", "headline": "Hello", "slug": "hello"},
                {"id": "a2", "createdAt": "tue", "headline": "News", "slug": "news"},
            ],
            "Video": [{"id": "v1", "createdAt": "wed", "seconds": 42}],
        },
        implementations={"Node": ["Article", "Video"]},
    ),
    queries=[
        Query("fields-of-one-implementation", "{ nodes { id ... on Article { slug } } }"),
        Query(
            "interface-and-member-fields",
            "{ nodes { __typename createdAt ... on Article { headline slug } "
            "... on Video { seconds } } }",
        ),
        Query("by-id", '{ node(id: "a2") { ... on Article { slug headline } } }'),
        Query("from-unresolvable-interface-object", "{ feed { position node { id createdAt } } }"),
        Query(
            "concrete-fields-from-interface-object",
            "{ feed { node { __typename ... on Article { slug } ... on Video { seconds } } } }",
        ),
        Query("typename-only", "{ feed { node { __typename } } }"),
        Query("missing", '{ node(id: "x") { id ... on Article { slug } } }'),
    ],
)
