"""``@shareable`` entity fields (not only root fields): fields several subgraphs resolve, so the
gateway can take them from the subgraph it already queries; a shared nested value type; a field
shared between two of three subgraphs."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

users = Subgraph(
    "users",
    f"""
    {link("@key", "@shareable")}
    type Query {{ users: [User!]! }}
    type User @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      profile: Profile! @shareable
      email: String!
    }}
    type Profile @shareable {{ bio: String avatar: String! }}
    """,
    resolvers={"Query.users": lambda _, w: w.table("User")},
)

posts = Subgraph(
    "posts",
    f"""
    {link("@key", "@shareable")}
    type Query {{ posts: [Post!]! }}
    type Post @key(fields: "id") {{ id: ID! title: String! author: User! }}
    type User @key(fields: "id") {{
      id: ID!
      name: String! @shareable
      profile: Profile! @shareable
      postCount: Int!
    }}
    type Profile @shareable {{ bio: String avatar: String! }}
    """,
    resolvers={
        "Query.posts": lambda _, w: w.table("Post"),
        "User.postCount": lambda u, w: sum(
            1 for p in w.table("Post") if w.deref(p["author"])["id"] == u["id"]
        ),
    },
)

social = Subgraph(
    "social",
    f"""
    {link("@key", "@shareable")}
    type User @key(fields: "id") {{ id: ID! name: String! @shareable followers: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[users, posts, social],
    world=World(
        {
            "User": [
                {
                    "id": "u1",
                    "name": "Ada",
                    "email": "ada@example.com",
                    "followers": 10,
                    "profile": {"bio": "math", "avatar": "a.png"},
                },
                {
                    "id": "u2",
                    "name": "Bob",
                    "email": "bob@example.com",
                    "followers": 0,
                    "profile": {"bio": None, "avatar": "b.png"},
                },
            ],
            "Post": [
                {"id": "t1", "title": "Hello", "author": Ref("User", id="u1")},
                {"id": "t2", "title": "Again", "author": Ref("User", id="u1")},
                {"id": "t3", "title": "Hi", "author": Ref("User", id="u2")},
            ],
        }
    ),
    queries=[
        Query("shared-field-from-current-subgraph", "{ posts { title author { name } } }"),
        Query("shared-value-type", "{ posts { author { profile { avatar bio } } } }"),
        Query("shared-and-owned-fields", "{ posts { author { name postCount email } } }"),
        Query("three-subgraphs", "{ users { name followers postCount } }"),
        Query("shared-from-root", "{ users { id name profile { avatar } } }"),
        Query("followers-and-shared", "{ posts { author { followers name } } }"),
    ],
)
