"""Test subgraph "reviews": extends User and Product; @requires, @provides, @override."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

REVIEWS = [
    {"id": "r1", "body": "Solid", "author": "1", "product": "p1"},
    {"id": "r2", "body": "Wobbly", "author": "2", "product": "p2"},
    {"id": "r3", "body": "Bright", "author": "1", "product": "p3"},
    {"id": "r4", "body": "Comfy", "author": "3", "product": "p2"},
]
AUTHOR_NAMES = {"1": "Ada", "2": "Grace", "3": "Linus"}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)
    email: str = strawberry.federation.field(shareable=True)

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [make_review(r) for r in REVIEWS if r["author"] == self.id]

    @strawberry.field
    def flaky(self) -> str | None:
        raise GraphQLError("flaky failed", extensions={"code": "FLAKY"})

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **_: object) -> User:
        return User(id=id, name=AUTHOR_NAMES.get(id, ""), email=f"user{id}@reviews.example")


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    price: int = strawberry.federation.field(external=True)
    weight: int = strawberry.federation.field(external=True)

    @strawberry.field
    def reviews(self) -> list[Review]:
        return [make_review(r) for r in REVIEWS if r["product"] == self.upc]

    @strawberry.federation.field(override="products")
    def review_count(self) -> int:
        return sum(1 for r in REVIEWS if r["product"] == self.upc)

    @strawberry.federation.field(requires=["price weight"])
    def shipping_estimate(self) -> int:
        return self.price // 10 + self.weight

    @classmethod
    def resolve_reference(cls, upc: str, price: int = 0, weight: int = 0) -> Product:
        return Product(upc=upc, price=price, weight=weight)


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID
    body: str
    author_id: strawberry.Private[str]
    product_upc: strawberry.Private[str]

    @strawberry.federation.field(provides=["name"])
    def author(self) -> User:
        return User(
            id=strawberry.ID(self.author_id),
            name=AUTHOR_NAMES[self.author_id],
            email=f"user{self.author_id}@reviews.example",
        )

    @strawberry.field
    def product(self) -> Product:
        return Product(upc=self.product_upc, price=0, weight=0)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Review | None:
        row = next((r for r in REVIEWS if r["id"] == id), None)
        return make_review(row) if row else None


def make_review(row: dict[str, str]) -> Review:
    return Review(
        id=strawberry.ID(row["id"]),
        body=row["body"],
        author_id=row["author"],
        product_upc=row["product"],
    )


@strawberry.type
class Query:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [make_review(r) for r in REVIEWS]


schema = strawberry.federation.Schema(query=Query, types=[User, Product, Review])
