"""Test subgraph "users": the User entity, an interface and a root field that fails."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

USERS = {
    "1": {"name": "Ada", "email": "ada@example.com", "secret": "s1"},
    "2": {"name": "Grace", "email": "grace@example.com", "secret": "s2"},
    "3": {"name": "Linus", "email": "linus@example.com", "secret": "s3"},
}


@strawberry.federation.interface
class Node:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class User(Node):
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    email: str = strawberry.federation.field(shareable=True)
    secret: str = strawberry.federation.field(inaccessible=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User | None:
        return make_user(id)


def make_user(user_id: str) -> User | None:
    row = USERS.get(str(user_id))
    if row is None:
        return None
    return User(id=strawberry.ID(user_id), **row)


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User | None:
        return make_user("1")

    @strawberry.field
    def users(self) -> list[User]:
        return [u for uid in USERS if (u := make_user(uid)) is not None]

    @strawberry.field
    def user(self, id: strawberry.ID) -> User | None:
        return make_user(id)

    @strawberry.field
    def node(self, id: strawberry.ID) -> Node | None:
        return make_user(id)

    @strawberry.field
    def viewer(self, info: strawberry.Info) -> User | None:
        """Like the domain subgraphs' guarded fields: an anonymous caller gets UNAUTHORIZED."""
        if "authorization" not in info.context["request"].headers:
            raise GraphQLError("Authentication required", extensions={"code": "UNAUTHORIZED"})
        return make_user("1")

    @strawberry.field
    def boom(self) -> str | None:
        raise GraphQLError("users exploded", extensions={"code": "BOOM"})


@strawberry.input
class RenameInput:
    id: strawberry.ID
    name: str


@strawberry.type
class Mutation:
    @strawberry.mutation
    def rename(self, input: RenameInput) -> User | None:
        if input.id in USERS:
            USERS[input.id]["name"] = input.name
        return make_user(input.id)


schema = strawberry.federation.Schema(query=Query, mutation=Mutation, types=[User])
