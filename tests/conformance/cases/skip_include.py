"""``@skip``/``@include`` with variables (and literals) on fields answered by other subgraphs,
on ``@requires`` fields, on inline fragments and fragment spreads, both on one field, and on
a whole entity fetch's fields."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

users = Subgraph(
    "users",
    f"""
    {link("@key")}
    type Query {{ me: User }}
    type User @key(fields: "id") {{ id: ID! name: String! email: String }}
    """,
    resolvers={"Query.me": lambda _, w: w.get("User", id="u1")},
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key", "@external", "@requires")}
    type User @key(fields: "id") {{
      id: ID!
      name: String! @external
      reviews: [Review!]!
      signature: String! @requires(fields: "name")
    }}
    type Review @key(fields: "id") {{ id: ID! body: String! stars: Int! author: User! }}
    """,
    resolvers={
        "User.reviews": lambda u, w: w.where("Review", author=Ref("User", id=u["id"])),
        "User.signature": lambda u, _: f"-- {u['name']}",
    },
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[users, reviews],
    world=World(
        {
            "User": [{"id": "u1", "name": "Ada", "email": "ada@example.com"}],
            "Review": [
                {"id": "r1", "body": "Great", "stars": 5, "author": Ref("User", id="u1")},
                {"id": "r2", "body": "Meh", "stars": 2, "author": Ref("User", id="u1")},
            ],
        }
    ),
    queries=[
        Query(
            "skip-entity-field-true",
            "query ($s: Boolean!) { me { name reviews @skip(if: $s) { body } } }",
            variables={"s": True},
        ),
        Query(
            "skip-entity-field-false",
            "query ($s: Boolean!) { me { name reviews @skip(if: $s) { body } } }",
            variables={"s": False},
        ),
        Query(
            "include-requires-false",
            "query ($i: Boolean!) { me { id signature @include(if: $i) } }",
            variables={"i": False},
        ),
        Query(
            "include-requires-true",
            "query ($i: Boolean!) { me { id signature @include(if: $i) } }",
            variables={"i": True},
        ),
        Query(
            "skip-required-field-kept-for-requires",
            "query ($s: Boolean!) { me { name @skip(if: $s) signature } }",
            variables={"s": True},
        ),
        Query(
            "include-on-inline-fragment",
            "query ($i: Boolean!) { me { id ... on User @include(if: $i) { reviews { stars } } } }",
            variables={"i": False},
        ),
        Query(
            "skip-on-fragment-spread",
            "query ($s: Boolean!) { me { id ...R @skip(if: $s) } } "
            "fragment R on User { reviews { id } signature }",
            variables={"s": False},
        ),
        Query(
            "skip-and-include-on-one-field",
            "query ($s: Boolean!, $i: Boolean!) "
            "{ me { id reviews @skip(if: $s) @include(if: $i) { id } } }",
            variables={"s": False, "i": True},
        ),
        Query(
            "default-variable",
            "query ($i: Boolean = false) { me { id reviews @include(if: $i) { id } } }",
        ),
        Query(
            "literal-conditions",
            "{ me { a: name @include(if: true) b: email @skip(if: true) "
            "reviews @include(if: false) { id } } }",
        ),
        Query(
            "same-field-one-skipped",
            "query ($s: Boolean!) { me { reviews @skip(if: $s) { id } reviews { body } } }",
            variables={"s": True},
        ),
        Query(
            "everything-skipped-in-subgraph",
            "query ($s: Boolean!) { me { id reviews @skip(if: $s) { body author { email } } } }",
            variables={"s": False},
        ),
    ],
)
