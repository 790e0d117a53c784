"""Introspection through the gateway, next to federated fields: the API schema's root types,
a type's fields and their types (fields from every subgraph, in the supergraph's order),
enum values, an interface's possible types, and types that exist only in the supergraph's
machinery (``join__Graph``) or only in one subgraph's federation definitions (``_Entity``),
which the API schema does not have."""

from tests.conformance.harness import Case, Query, Subgraph, World, link

catalog = Subgraph(
    "catalog",
    f"""
    {link("@key")}
    type Query {{ products: [Product!]! }}
    "A thing we sell."
    type Product implements Named @key(fields: "id") {{
      id: ID!
      "What it is called."
      name: String!
      kind: Kind!
      legacyCode: String @deprecated(reason: "use id")
    }}
    interface Named {{ name: String! }}
    enum Kind {{ FURNITURE LIGHTING @deprecated(reason: "merged into FURNITURE") }}
    """,
    resolvers={"Query.products": lambda _, w: w.table("Product")},
)

stock = Subgraph(
    "stock",
    f"""
    {link("@key")}
    type Product @key(fields: "id") {{ id: ID! quantity(warehouse: String = "main"): Int! }}
    """,
)

TYPE_FIELDS = (
    "fields(includeDeprecated: true) { name description isDeprecated deprecationReason "
    "args { name defaultValue type { name } } type { kind name ofType { kind name } } }"
)

CASE = Case(
    description=__doc__ or "",
    subgraphs=[catalog, stock],
    world=World({"Product": [{"id": "1", "name": "Table", "kind": "FURNITURE", "quantity": 3}]}),
    queries=[
        Query(
            "root-types-and-data",
            "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } "
            "products { name quantity } }",
        ),
        Query(
            "type-fields-from-every-subgraph",
            '{ __type(name: "Product") { kind name description ' + TYPE_FIELDS + " } }",
        ),
        Query(
            "enum-values",
            '{ __type(name: "Kind") { enumValues(includeDeprecated: true) '
            "{ name isDeprecated deprecationReason } } }",
        ),
        Query(
            "interfaces-and-possible-types",
            '{ product: __type(name: "Product") { interfaces { name } } '
            'named: __type(name: "Named") { kind possibleTypes { name } } }',
        ),
        Query(
            "machinery-is-not-in-the-api",
            '{ graph: __type(name: "join__Graph") { name } entity: __type(name: "_Entity") '
            '{ name } service: __type(name: "_Service") { name } any: __type(name: "_Any") '
            "{ name } }",
        ),
        Query(
            "typename-with-introspection",
            '{ __typename products { __typename id } __type(name: "Query") { fields { name } } }',
        ),
    ],
)
