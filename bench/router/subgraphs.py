"""Benchmark subgraphs: payments, users and profiles (Strawberry federation, in-memory data).

``python -m bench.router.subgraphs NAME PORT`` serves one of them, or one of the "shop" graph
(accounts, products, inventory, reviews; :mod:`bench.router.shop`), with uvicorn. Answers are
memoised by request body (:class:`Memo`): the first request of a body runs Strawberry, the
rest are served from memory, so the subgraphs cost next to nothing and the gateway is what
the benchmark measures.
"""

from __future__ import annotations

import sys

import strawberry
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from bench.router.shop import SHOP_SUBGRAPHS, shop_schema

USER_COUNT = 200
PAYMENT_COUNT = 1000


def _user_id(payment: int) -> strawberry.ID:
    return strawberry.ID(str(payment % USER_COUNT))


# payments ----------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], name="User")
class PaymentsUser:
    id: strawberry.ID

    @strawberry.field
    def payments(self, first: int = 5) -> list[Payment]:
        start = int(self.id)
        return [
            Payment(id=strawberry.ID(str(p)), amount=p * 3 % 1000, currency="EUR")
            for p in range(start, PAYMENT_COUNT, USER_COUNT)[:first]
        ]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> PaymentsUser:
        return PaymentsUser(id=id)


@strawberry.federation.type(keys=["id"])
class Payment:
    id: strawberry.ID
    amount: int
    currency: str

    @strawberry.field
    def user(self) -> PaymentsUser:
        return PaymentsUser(id=_user_id(int(self.id)))


@strawberry.type
class PaymentsQuery:
    @strawberry.field
    def payments(self, first: int = 20) -> list[Payment]:
        return [
            Payment(id=strawberry.ID(str(p)), amount=p * 3 % 1000, currency="EUR")
            for p in range(min(first, PAYMENT_COUNT))
        ]


# users -------------------------------------------------------------------------------------


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str
    email: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return User(id=id, name=f"User {id}", email=f"user{id}@example.com")


@strawberry.type
class UsersQuery:
    @strawberry.field
    def user(self, id: strawberry.ID) -> User:
        return User.resolve_reference(id)


# profiles ----------------------------------------------------------------------------------


@strawberry.type
class Profile:
    bio: str
    avatar_url: str


@strawberry.federation.type(keys=["id"], name="User")
class ProfileUser:
    id: strawberry.ID

    @strawberry.field
    def profile(self) -> Profile:
        return Profile(bio=f"Bio of {self.id}", avatar_url=f"https://cdn.example/{self.id}.png")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ProfileUser:
        return ProfileUser(id=id)


@strawberry.type
class ProfilesQuery:
    @strawberry.field
    def profile_count(self) -> int:
        return USER_COUNT


def _schema(name: str) -> strawberry.federation.Schema:
    if name in SHOP_SUBGRAPHS:
        return shop_schema(name)
    if name == "payments":
        return strawberry.federation.Schema(query=PaymentsQuery, types=[Payment, PaymentsUser])
    if name == "users":
        return strawberry.federation.Schema(query=UsersQuery, types=[User])
    return strawberry.federation.Schema(query=ProfilesQuery, types=[ProfileUser])


SUBGRAPHS = ("payments", "users", "profiles")


class Memo:
    """Serves a POST body seen before from memory (the subgraphs' data never changes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answers: dict[bytes, tuple[int, list[tuple[bytes, bytes]], bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        known = self.answers.get(body)
        if known is not None:
            status, headers, content = known
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        started: dict[str, object] = {}
        parts: list[bytes] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay, capture)
        if started.get("status") == 200:
            headers = [(k, v) for k, v in started.get("headers", []) if k != b"content-length"]  # type: ignore[attr-defined]
            self.answers[body] = (200, headers, b"".join(parts))


def main() -> None:
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(
        Memo(GraphQL(_schema(name))),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
