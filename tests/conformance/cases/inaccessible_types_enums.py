"""``@inaccessible`` types and enum values: an object type that implements an interface and
belongs to a union but is hidden from the API schema, and an enum value hidden from it — as
input (a validation or variable error) and when a subgraph returns it anyway."""

from typing import Any

from tests.conformance.harness import Case, Query, Subgraph, World, link


def _items(_: Any, world: World, status: str | None = None) -> list[dict[str, Any]]:
    return [i for i in world.table("Item") if status is None or i["status"] == status]


catalog = Subgraph(
    "catalog",
    f"""
    {link("@key", "@inaccessible")}
    type Query {{
      items(status: Status): [Item!]!
      nodes: [Node!]!
      search: [Result!]!
    }}
    enum Status {{ ACTIVE ARCHIVED HIDDEN @inaccessible }}
    interface Node {{ id: ID! }}
    union Result = Item | Secret
    type Item implements Node @key(fields: "id") {{ id: ID! name: String! status: Status }}
    type Secret implements Node @inaccessible {{ id: ID! code: String! }}
    """,
    resolvers={
        "Query.items": _items,
        "Query.nodes": lambda _, w: w.table("Item")[:1] + w.table("Secret") + w.table("Item")[1:],
        "Query.search": lambda _, w: w.table("Secret") + w.table("Item"),
    },
)

reviews = Subgraph(
    "reviews",
    f"""
    {link("@key")}
    type Item @key(fields: "id") {{ id: ID! rating: Int }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, reviews],
    world=World(
        {
            "Item": [
                {"id": "i1", "name": "Lamp", "status": "ACTIVE", "rating": 4},
                {"id": "i2", "name": "Prototype", "status": "HIDDEN", "rating": None},
                {"id": "i3", "name": "Vase", "status": "ARCHIVED", "rating": 2},
            ],
            "Secret": [{"id": "s1", "code": "0000"}],
        }
    ),
    queries=[
        Query("accessible-enum-argument", "{ items(status: ARCHIVED) { id status rating } }"),
        Query("inaccessible-enum-literal", "{ items(status: HIDDEN) { id } }"),
        Query(
            "inaccessible-enum-variable",
            "query ($s: Status) { items(status: $s) { id } }",
            variables={"s": "HIDDEN"},
        ),
        Query("inaccessible-enum-in-result", "{ items { id status rating } }"),
        Query("interface-inaccessible-implementation", "{ nodes { __typename id } }"),
        Query(
            "union-inaccessible-member",
            "{ search { __typename ... on Item { name rating } } }",
        ),
        Query("fragment-on-inaccessible-type", "{ nodes { id ... on Secret { code } } }"),
        Query(
            "introspection-hides",
            '{ s: __type(name: "Status") { enumValues { name } } '
            'r: __type(name: "Result") { possibleTypes { name } } '
            'n: __type(name: "Node") { possibleTypes { name } } '
            'x: __type(name: "Secret") { name } }',
        ),
    ],
)
