"""Test subgraph "ratings": ``Media @key(fields: "id") @interfaceObject`` adds ratings to every
implementation of the entity interface without knowing them."""

from __future__ import annotations

import strawberry

RATINGS: dict[str, list[tuple[int, str | None]]] = {
    "b1": [(5, "Epic"), (4, None)],
    "m1": [(5, "Tense"), (2, "Gory")],
    "b2": [(3, "Witty"), (2, None)],
    "m2": [],
}
SIMILAR = {"b1": ["m1", "b2"], "m1": ["m2"], "b2": ["b1"], "m2": []}


@strawberry.type
class Rating:
    stars: int
    comment: str | None


@strawberry.federation.interface_object(keys=["id"])
class Media:
    id: strawberry.ID

    @strawberry.field
    def ratings(self) -> list[Rating]:
        return [Rating(stars=s, comment=c) for s, c in RATINGS.get(self.id, [])]

    @strawberry.field
    def average_rating(self) -> float | None:
        stars = [s for s, _ in RATINGS.get(self.id, [])]
        return sum(stars) / len(stars) if stars else None

    @strawberry.field
    def similar(self) -> list[Media]:
        return [Media(id=strawberry.ID(i)) for i in SIMILAR.get(self.id, [])]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media:
        return Media(id=id)


@strawberry.type
class Query:
    @strawberry.field
    def top_rated(self, first: int = 10) -> list[Media]:
        ranked = sorted(RATINGS, key=lambda i: -max((s for s, _ in RATINGS[i]), default=0))
        return [Media(id=strawberry.ID(i)) for i in ranked[:first]]


schema = strawberry.federation.Schema(query=Query)
