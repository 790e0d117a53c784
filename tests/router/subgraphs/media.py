"""Test subgraph "media": the entity interface ``Media @key(fields: "id")`` and its
implementations Book and Movie (each an entity with the same key)."""

from __future__ import annotations

import strawberry

MEDIA: dict[str, dict[str, str | int]] = {
    "b1": {"kind": "book", "title": "Dune", "author": "Herbert", "pages": 412},
    "m1": {"kind": "movie", "title": "Alien", "director": "Scott", "runtime": 117},
    "b2": {"kind": "book", "title": "Emma", "author": "Austen", "pages": 474},
    "m2": {"kind": "movie", "title": "Heat", "director": "Mann", "runtime": 170},
}


@strawberry.federation.interface(keys=["id"])
class Media:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Media | None:
        return make_media(id)


@strawberry.federation.type(keys=["id"])
class Book(Media):
    author: str
    pages: int


@strawberry.federation.type(keys=["id"])
class Movie(Media):
    director: str
    runtime: int


def make_media(media_id: str) -> Media | None:
    row = MEDIA.get(media_id)
    if row is None:
        return None
    if row["kind"] == "book":
        return Book(
            id=strawberry.ID(media_id),
            title=str(row["title"]),
            author=str(row["author"]),
            pages=int(row["pages"]),
        )
    return Movie(
        id=strawberry.ID(media_id),
        title=str(row["title"]),
        director=str(row["director"]),
        runtime=int(row["runtime"]),
    )


@strawberry.type
class Query:
    @strawberry.field
    def media(self, id: strawberry.ID) -> Media | None:
        return make_media(id)

    @strawberry.field
    def library(self) -> list[Media]:
        return [m for media_id in MEDIA if (m := make_media(media_id)) is not None]


schema = strawberry.federation.Schema(query=Query, types=[Book, Movie])
