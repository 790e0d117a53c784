"""Aliases against what the gateway needs itself: a client alias named like the key (``id:
username``) or swapping two fields, aliased ``__typename``, the same field twice with
different arguments in one entity fetch, aliased roots with variables, and conflicting
aliases (a validation error)."""

from typing import Any

from tests.conformance.harness import Case, Override, Query, Ref, Subgraph, World, link

# @apollo/gateway fetches its key `id` under the response key the client gave another field
# and answers the key's value there; Hive Gateway sends both under one name (the subgraph
# rejects the document).
_ALIAS_IS_KEY = "a client alias named like the key answers the aliased field, not the key"


def _posts(
    user: dict[str, Any], world: World, first: int | None = None, tag: str | None = None
) -> list[dict[str, Any]]:
    posts = world.where("Post", author=Ref("User", id=user["id"]))
    posts = [p for p in posts if tag is None or tag in p["tags"]]
    return posts[:first] if first is not None else posts


users = Subgraph(
    "users",
    f"""
    {link("@key")}
    type Query {{ me: User user(id: ID!): User }}
    type User @key(fields: "id") {{ id: ID! name: String! username: String! }}
    """,
    resolvers={
        "Query.me": lambda _, w: w.get("User", id="u1"),
        "Query.user": lambda _, w, id: w.get("User", id=id),
    },
)

posts = Subgraph(
    "posts",
    f"""
    {link("@key")}
    type User @key(fields: "id") {{ id: ID! posts(first: Int, tag: String): [Post!]! }}
    type Post @key(fields: "id") {{ id: ID! title: String! tags: [String!]! author: User! }}
    """,
    resolvers={"User.posts": _posts},
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[users, posts],
    world=World(
        {
            "User": [
                {"id": "u1", "name": "Ada", "username": "ada"},
                {"id": "u2", "name": "Bob", "username": "bob"},
            ],
            "Post": [
                {"id": "p1", "title": "Hello", "tags": ["go"], "author": Ref("User", id="u1")},
                {"id": "p2", "title": "Again", "tags": [], "author": Ref("User", id="u1")},
                {"id": "p3", "title": "Mine", "tags": ["go"], "author": Ref("User", id="u2")},
            ],
        }
    ),
    queries=[
        Query("alias-named-like-key", "{ me { id: username posts { title } } }"),
        Query("swapped-aliases", "{ me { id: name name: id posts { id: title } } }"),
        Query(
            "aliased-typename",
            "{ me { kind: __typename __typename posts { kind: __typename id } } }",
        ),
        Query(
            "same-field-different-arguments",
            '{ me { recent: posts(first: 1) { title } tagged: posts(tag: "go") { id } '
            "posts { id } } }",
        ),
        Query(
            "aliased-roots-with-variables",
            "query ($a: ID!, $b: ID!, $n: Int) { a: user(id: $a) { name posts(first: $n) "
            "{ title } } b: user(id: $b) { name posts { title } } }",
            variables={"a": "u2", "b": "u1", "n": 1},
        ),
        Query(
            "aliases-on-nested-entity",
            "{ me { posts { author { uid: id id: name username } } } }",
        ),
        Query("conflicting-aliases-rejected", "{ me { name: username name } }"),
        Query(
            "same-field-merged-selections",
            "{ me { posts { id } posts { title author { name } } } }",
        ),
    ],
    overrides={
        "alias-named-like-key": Override(
            {"data": {"me": {"id": "ada", "posts": [{"title": "Hello"}, {"title": "Again"}]}}},
            _ALIAS_IS_KEY,
        ),
        "swapped-aliases": Override(
            {
                "data": {
                    "me": {
                        "id": "Ada",
                        "name": "u1",
                        "posts": [{"id": "Hello"}, {"id": "Again"}],
                    }
                }
            },
            _ALIAS_IS_KEY,
        ),
    },
)
