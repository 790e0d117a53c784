"""Test subgraph "products": Product entity, a union, and a field later overridden."""

from __future__ import annotations

from typing import Annotated

import strawberry

PRODUCTS = {
    "p1": {"name": "Table", "price": 100, "weight": 20, "category": "c1"},
    "p2": {"name": "Chair", "price": 50, "weight": 5, "category": "c1"},
    "p3": {"name": "Lamp", "price": 30, "weight": 2, "category": "c2"},
}
CATEGORIES = {"c1": "Furniture", "c2": "Lighting"}


@strawberry.type
class Category:
    id: strawberry.ID
    title: str


@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str
    price: int
    weight: int
    category_id: strawberry.Private[str]

    @strawberry.field
    def category(self) -> Category:
        return Category(id=strawberry.ID(self.category_id), title=CATEGORIES[self.category_id])

    @strawberry.field
    def review_count(self) -> int:
        return -1

    @classmethod
    def resolve_reference(cls, upc: str) -> Product | None:
        return make_product(upc)


def make_product(upc: str) -> Product | None:
    row = PRODUCTS.get(upc)
    if row is None:
        return None
    return Product(
        upc=upc,
        name=str(row["name"]),
        price=int(row["price"]),
        weight=int(row["weight"]),
        category_id=str(row["category"]),
    )


SearchResult = Annotated[Product | Category, strawberry.union("SearchResult")]


@strawberry.type
class Query:
    @strawberry.field
    def top_products(self, first: int = 5) -> list[Product]:
        return [p for upc in list(PRODUCTS)[:first] if (p := make_product(upc)) is not None]

    @strawberry.field
    def product(self, upc: str) -> Product | None:
        return make_product(upc)

    @strawberry.field
    def search(self, text: str) -> list[SearchResult]:
        found: list[Product | Category] = [
            p for upc in PRODUCTS if (p := make_product(upc)) and text.lower() in p.name.lower()
        ]
        found += [
            Category(id=strawberry.ID(cid), title=title)
            for cid, title in CATEGORIES.items()
            if text.lower() in title.lower()
        ]
        return found


schema = strawberry.federation.Schema(query=Query, types=[Product])
