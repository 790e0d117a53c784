"""Test subgraph "inventory": the concrete entity Book (not the interface) with its stock."""

from __future__ import annotations

import strawberry

STOCK = {"b1": 3, "b2": 0}


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID

    @strawberry.field
    def stock(self) -> int:
        return STOCK.get(self.id, 0)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        return Book(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def low_stock(self) -> list[Book]:
        return [Book(id=strawberry.ID(i)) for i, n in STOCK.items() if n < 2]


schema = strawberry.federation.Schema(query=Query)
