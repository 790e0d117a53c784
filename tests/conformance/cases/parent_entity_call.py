"""Entity calls that need a key from the parent's subgraph first: ``Product.category`` comes
from ``links`` (the root subgraph only knows products' ids), the category's ``details`` from a
third subgraph, which knows categories by a composite key where one part (``kind``) lives only
in ``links``."""

from tests.conformance.harness import Case, Query, Ref, Subgraph, World, link

products = Subgraph(
    "products",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! }}
    type Product @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={"Query.products": lambda _, w: w.table("Product")},
)

links = Subgraph(
    "links",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! category: Category }}
    type Category @key(fields: "id kind") {{ id: ID! kind: String! }}
    """,
)

details = Subgraph(
    "details",
    f"""
    {link("@key")}
    type Category @key(fields: "id kind") {{
      id: ID!
      kind: String!
      title: String!
      parent: Category
    }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[products, links, details],
    world=World(
        {
            "Product": [
                {"id": "p1", "name": "Table", "category": Ref("Category", id="c1")},
                {"id": "p2", "name": "Chair", "category": Ref("Category", id="c2")},
                {"id": "p3", "name": "Gift card", "category": None},
            ],
            "Category": [
                {"id": "c1", "kind": "furniture", "title": "Tables", "parent": None},
                {
                    "id": "c2",
                    "kind": "furniture",
                    "title": "Chairs",
                    "parent": Ref("Category", id="c1"),
                },
            ],
        }
    ),
    queries=[
        Query("category-title", "{ products { name category { title } } }"),
        Query("category-key-only", "{ products { category { id kind } } }"),
        Query("two-hops-nested", "{ products { category { title parent { title kind } } } }"),
        Query("typename-through-parent", "{ products { category { __typename title } } }"),
        Query("only-entity-fields", "{ products { category { parent { id } } } }"),
    ],
)
