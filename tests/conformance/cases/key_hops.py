"""Multiple and composite keys where the key a subgraph needs is not the one the parent fetch
has: ``stock`` knows products only by ``sku``, ``pricing`` by ``id sku``, so from ``catalog``
(which has only ``id``) the gateway must first fetch ``sku`` from ``ids``."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ topProducts: [Product!]! product(id: ID!): Product }}
    type Product @key(fields: "id") {{ id: ID! name: String! }}
    """,
    resolvers={
        "Query.topProducts": lambda _, w: w.table("Product"),
        "Query.product": lambda _, w, id: w.get("Product", id=id),
    },
)

ids = Subgraph(
    "ids",
    f"""
    {link("@key")}
    type Product @key(fields: "id") @key(fields: "sku") {{ id: ID! sku: String! }}
    """,
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    type Query {{ lowStock: [Product!]! }}
    type Product @key(fields: "sku") {{ sku: String! quantity: Int! }}
    """,
    resolvers={"Query.lowStock": lambda _, w: [p for p in w.table("Product") if p["quantity"] < 5]},
)

pricing = Subgraph(
    "pricing",
    f"""
    {link("@key")}
    type Product @key(fields: "id sku") {{ id: ID! sku: String! price: Int! }}
    """,
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, ids, stock, pricing],
    world=World(
        {
            "Product": [
                {"id": "1", "sku": "TBL", "name": "Table", "quantity": 3, "price": 899},
                {"id": "2", "sku": "CHR", "name": "Chair", "quantity": 12, "price": 120},
            ]
        }
    ),
    queries=[
        Query("key-through-third-subgraph", "{ topProducts { name quantity } }"),
        Query("composite-key", "{ topProducts { price } }"),
        Query("all-fields", "{ topProducts { id sku name quantity price } }"),
        Query("from-other-key-side", "{ lowStock { sku quantity name price } }"),
        Query("by-id", '{ product(id: "2") { __typename quantity } }'),
        Query("missing", '{ product(id: "9") { quantity } }'),
        Query(
            "aliases",
            '{ a: product(id: "1") { q: quantity p: price } b: product(id: "2") { q: quantity } }',
        ),
    ],
)
