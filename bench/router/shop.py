"""Benchmark graph "shop": accounts, products, inventory, reviews (in-memory Strawberry subgraphs).

The four-subgraph shape that the public federation gateway benchmarks use (The Guild's
graphql-gateways-benchmark, after Apollo's classic demo): ``User @key(id)`` owned by accounts
and extended by reviews, ``Product @key(upc)`` owned by products and extended by inventory
(``shippingEstimate @requires(fields: "price weight")``) and reviews, ``Review @key(id)`` in
reviews with ``author @provides(fields: "username")``. The data below is our own; the shape, the
nullability and :data:`DEEP_QUERY` follow the public benchmark (whose subgraphs speak Federation 1,
where every field is shareable; ours speak Federation 2, so accounts marks ``User.username``
``@shareable`` for reviews to provide it). Served by
``python -m bench.router.subgraphs NAME PORT`` like the other benchmark subgraphs (answers
memoised by request body).
"""

from __future__ import annotations

import strawberry

SHOP_SUBGRAPHS = ("accounts", "products", "inventory", "reviews")

# accounts: id -> (name, username, birthday)
USERS = {
    "1": ("Ada Lovelace", "ada", 1815),
    "2": ("Alan Turing", "alan", 1912),
    "3": ("Grace Hopper", "grace", 1906),
    "4": ("Edsger Dijkstra", "edsger", 1930),
    "5": ("Barbara Liskov", "barbara", 1939),
    "6": ("Donald Knuth", "donald", 1938),
}
# products: upc -> (name, price, weight)
PRODUCTS = {
    "1": ("Table", 899, 100),
    "2": ("Couch", 1299, 1000),
    "3": ("Glass", 15, 20),
    "4": ("Chair", 499, 100),
    "5": ("TV", 1299, 1000),
    "6": ("Lamp", 6999, 300),
    "7": ("Grill", 3999, 2000),
    "8": ("Fridge", 100000, 6000),
    "9": ("Sofa", 9999, 800),
}
# inventory: upc -> inStock
IN_STOCK = {upc: int(upc) % 3 != 0 for upc in PRODUCTS}

_WORDS = (
    "Sturdy and well made, it arrived on time and looks exactly like the pictures. "
    "Assembly took a while but the instructions were clear enough to follow. "
)
# reviews: id -> (product upc, author id, body); bodies of a few hundred characters
REVIEWS = {
    str(n): (upc, author, f"Review {n}. " + _WORDS * (1 + n % 3))
    for n, (upc, author) in enumerate(
        [
            ("1", "1"),
            ("1", "2"),
            ("1", "3"),
            ("1", "1"),
            ("2", "2"),
            ("2", "4"),
            ("2", "5"),
            ("2", "1"),
            ("3", "6"),
            ("4", "3"),
            ("4", "2"),
        ],
        start=1,
    )
}

# The deep query of the public gateway benchmarks (k6.js of graphql-gateways-benchmark).
DEEP_QUERY = """fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users {
    ...User
    reviews {
      ...Review
      product {
        ...Product
        reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
      }
    }
  }
  topProducts {
    ...Product
    reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } }
  }
}"""


# accounts ----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], name="User")
class AccountsUser:
    id: strawberry.ID
    name: str | None
    # Provided by reviews (Review.author @provides): Fed 2 wants it shareable where it lives.
    username: str | None = strawberry.federation.field(shareable=True)
    birthday: int | None

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> AccountsUser | None:
        return account(id)


def account(user_id: str) -> AccountsUser | None:
    row = USERS.get(user_id)
    if row is None:
        return None
    name, username, birthday = row
    return AccountsUser(id=strawberry.ID(user_id), name=name, username=username, birthday=birthday)


@strawberry.type(name="Query")
class AccountsQuery:
    @strawberry.field
    def me(self) -> AccountsUser | None:
        return account("1")

    @strawberry.field
    def user(self, id: strawberry.ID) -> AccountsUser | None:
        return account(id)

    @strawberry.field
    def users(self) -> list[AccountsUser | None] | None:
        return [account(user_id) for user_id in USERS]


# products ----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["upc"], name="Product")
class ProductsProduct:
    upc: str
    name: str | None
    price: int | None
    weight: int | None

    @classmethod
    def resolve_reference(cls, upc: str) -> ProductsProduct | None:
        return product(upc)


def product(upc: str) -> ProductsProduct | None:
    row = PRODUCTS.get(upc)
    if row is None:
        return None
    name, price, weight = row
    return ProductsProduct(upc=upc, name=name, price=price, weight=weight)


@strawberry.type(name="Query")
class ProductsQuery:
    @strawberry.field
    def top_products(self, first: int | None = 5) -> list[ProductsProduct | None] | None:
        return [product(upc) for upc in list(PRODUCTS)[: first if first is not None else 5]]


# inventory ---------------------------------------------------------------------------------


@strawberry.federation.type(keys=["upc"], name="Product")
class InventoryProduct:
    upc: str
    weight: int | None = strawberry.federation.field(external=True)
    price: int | None = strawberry.federation.field(external=True)
    in_stock: bool | None

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int | None:
        """Free above 1000, else half the weight; unknown without price and weight."""
        if self.price is None or self.weight is None:
            return None
        return 0 if self.price > 1000 else self.weight // 2

    @classmethod
    def resolve_reference(
        cls, upc: str, price: int | None = None, weight: int | None = None
    ) -> InventoryProduct:
        return InventoryProduct(upc=upc, price=price, weight=weight, in_stock=IN_STOCK.get(upc))


# reviews -----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID
    body: str | None
    product_upc: strawberry.Private[str]
    author_id: strawberry.Private[str]

    @strawberry.field
    def product(self) -> ReviewsProduct | None:
        return ReviewsProduct(upc=self.product_upc)

    @strawberry.federation.field(provides=["username"])
    def author(self) -> ReviewsUser | None:
        return ReviewsUser.resolve_reference(strawberry.ID(self.author_id))

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Review | None:
        return review(id)


def review(review_id: str) -> Review | None:
    row = REVIEWS.get(review_id)
    if row is None:
        return None
    upc, author, body = row
    return Review(id=strawberry.ID(review_id), body=body, product_upc=upc, author_id=author)


@strawberry.federation.type(keys=["id"], name="User")
class ReviewsUser:
    id: strawberry.ID
    username: str | None = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review | None] | None:
        return [review(n) for n, row in REVIEWS.items() if row[1] == self.id]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewsUser:
        row = USERS.get(id)
        return ReviewsUser(id=id, username=row[1] if row else None)


@strawberry.federation.type(keys=["upc"], name="Product")
class ReviewsProduct:
    upc: str

    @strawberry.field
    def reviews(self) -> list[Review | None] | None:
        return [review(n) for n, row in REVIEWS.items() if row[0] == self.upc]

    @classmethod
    def resolve_reference(cls, upc: str) -> ReviewsProduct:
        return ReviewsProduct(upc=upc)


def shop_schema(name: str) -> strawberry.federation.Schema:
    if name == "accounts":
        return strawberry.federation.Schema(query=AccountsQuery, types=[AccountsUser])
    if name == "products":
        return strawberry.federation.Schema(query=ProductsQuery, types=[ProductsProduct])
    if name == "inventory":
        return strawberry.federation.Schema(types=[InventoryProduct])
    if name == "reviews":
        return strawberry.federation.Schema(types=[Review, ReviewsUser, ReviewsProduct])
    raise ValueError(name)
