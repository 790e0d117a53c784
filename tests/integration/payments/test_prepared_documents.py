"""`/graphql` runs the documents it has prepared (`shared.graphql.documents`) and answers exactly
as Strawberry's standard path does: the same data, errors, codes, status and transaction, with
each request's own variables and caller, and the limits applied every time a document comes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shared.graphql.documents import MAX_KEPT_LENGTH
from shared.rbac import Role
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import create, payment_body, request_body

# Past the length the cache keeps, a document takes Strawberry's standard path; padding with
# whitespace changes nothing else (not a token, not a location).
PAD = " " * (MAX_KEPT_LENGTH + 1)

USER_PAYMENTS = """query($reps: [_Any!]!, $first: Int!) {
  _entities(representations: $reps) {
    __typename
    ... on User { __typename id payments(first: $first) {
      edges { cursor node { __typename id amount currency status type createdAt } }
      pageInfo { hasNextPage endCursor }
    } }
  }
}"""
LIST = """query($limit: Int, $status: PaymentStatus) {
  payments(limit: $limit, status: $status) {
    edges { node { id amount ...Owner } }
    pageInfo { hasNextPage }
  }
}
fragment Owner on Payment { user { id } mine: customer { id } }"""


async def _post(
    api: ApiClient, query: str, variables: dict[str, Any] | None, user: User | None
) -> httpx.Response:
    headers = user.headers if user else {}
    return await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def _same_as_standard(
    api: ApiClient, query: str, variables: dict[str, Any] | None, user: User | None
) -> dict[str, Any]:
    """The answer to `query`, checked against the standard path's answer to the same."""
    prepared = await _post(api, query, variables, user)
    standard = await _post(api, query + PAD, variables, user)
    assert prepared.status_code == standard.status_code == 200, prepared.text
    assert prepared.headers["content-type"] == standard.headers["content-type"]
    body: dict[str, Any] = prepared.json()
    assert body == standard.json()
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


@pytest.fixture
async def customers(api: ApiClient, make_user: Callable[..., Any]) -> list[User]:
    users = [await make_user(Role.CUSTOMER) for _ in range(2)]
    for n, user in enumerate(users):
        for k in range(n + 2):
            await create(api, user, payment_body(amount=f"{n + 1}.{k}0"))
    return users


async def test_answers_are_the_standard_paths(
    api: ApiClient, customers: list[User], make_user: Callable[..., Any]
) -> None:
    first, second = customers
    reps = [{"__typename": "User", "id": str(u.id)} for u in customers]
    cases: list[tuple[str, dict[str, Any] | None, User | None]] = [
        (USER_PAYMENTS, {"reps": reps[:1], "first": 5}, first),
        (USER_PAYMENTS, {"reps": reps, "first": 1}, second),  # another's page: empty
        (USER_PAYMENTS, {"reps": reps, "first": 5}, await make_user(Role.ADMIN)),
        (USER_PAYMENTS, {"reps": [{"__typename": "User", "id": "x"}], "first": 5}, first),
        (USER_PAYMENTS, {"reps": reps, "first": 5}, None),  # UNAUTHORIZED
        (USER_PAYMENTS, {"reps": reps, "first": "five"}, first),  # a variable refused
        (USER_PAYMENTS, {"reps": reps}, first),  # a variable missing
        (LIST, {"limit": 2}, first),
        (LIST, {"status": "completed"}, second),
        (LIST, {"status": "complete"}, second),  # not an enum value
        (LIST, None, None),
        ("query($id: UUID!) { payment(id: $id) { id } }", {"id": str(uuid.uuid4())}, first),
        ("{ payment(id: 12) { id } }", None, first),  # not a UUID
        ("{ paymentReport { from } }", None, first),  # FORBIDDEN for a CUSTOMER
        ("{ payments { edges { node { nope } } } }", None, first),  # not valid
        ("{ _service { sdl } }", None, None),
    ]
    for query, variables, user in cases:
        await _same_as_standard(api, query, variables, user)


async def test_each_request_has_its_own_variables_and_caller(
    api: ApiClient, customers: list[User]
) -> None:
    first, second = customers
    for user, count in ((first, 2), (second, 3), (first, 2)):
        rep = [{"__typename": "User", "id": str(user.id)}]
        body = await _same_as_standard(api, USER_PAYMENTS, {"reps": rep, "first": 10}, user)
        (entity,) = body["data"]["_entities"]
        assert entity["id"] == str(user.id)
        assert len(entity["payments"]["edges"]) == count
    body = await _same_as_standard(api, LIST, {"limit": 1}, second)
    assert body["data"]["payments"]["pageInfo"]["hasNextPage"] is True
    body = await _same_as_standard(api, LIST, {"limit": 5}, second)
    assert len(body["data"]["payments"]["edges"]) == 3


async def test_an_error_is_never_kept_for_the_next_request(
    api: ApiClient, customers: list[User]
) -> None:
    first, _ = customers
    reps = [{"__typename": "User", "id": str(first.id)}]
    refused = (await _post(api, USER_PAYMENTS, {"reps": reps, "first": 5}, None)).json()
    assert _codes(refused) == ["UNAUTHORIZED"]
    answer = (await _post(api, USER_PAYMENTS, {"reps": reps, "first": 5}, first)).json()
    assert "errors" not in answer and answer["data"]["_entities"][0]["id"] == str(first.id)
    refused = (await _post(api, USER_PAYMENTS, {"reps": reps, "first": None}, first)).json()
    assert _codes(refused) == ["VALIDATION_ERROR"] and refused["data"] is None
    answer = (await _post(api, USER_PAYMENTS, {"reps": reps, "first": 1}, first)).json()
    assert len(answer["data"]["_entities"][0]["payments"]["edges"]) == 1


async def test_limits_refuse_a_document_every_time(api: ApiClient, customer: User) -> None:
    cycle = ["payments(first: 1)", "edges", "node", "user"]
    selection = "id"
    for level in reversed([cycle[i % 4] for i in range(15)]):
        selection = f"{level} {{ {selection} }}"
    deep = f"{{ _entities(representations: []) {{ ... on User {{ {selection} }} }} }}"
    aliases = "{ payments { " + " ".join(f"a{i}: pageInfo {{ limit }}" for i in range(31)) + " } }"
    tokens = "{ payments { " + "pageInfo { limit } " * 700 + "} }"
    for query in (deep, aliases, tokens):
        answers = [await _same_as_standard(api, query, None, customer) for _ in range(2)]
        assert answers[0] == answers[1]
        assert answers[0]["data"] is None and _codes(answers[0]) == ["VALIDATION_ERROR"]


async def test_a_mutation_with_an_error_commits_nothing(api: ApiClient, vendor: User) -> None:
    """The request's transaction commits only when the operation ended without an error."""
    created = await create(api, vendor, request_body("5.00"))
    change = "updatePayment(id: $id, input: {description: $text}) { id }"
    failing = f"mutation($id: UUID!, $text: String, $missing: UUID!) {{ {change} "
    failing += "cancelPayment(id: $missing) { id } }"
    for query in (failing, failing + PAD):
        variables = {"id": created["id"], "text": "changed", "missing": str(uuid.uuid4())}
        body = (await _post(api, query, variables, vendor)).json()
        assert body["data"] is None and _codes(body) == ["NOT_FOUND"], body
    read = "query($id: UUID!) { payment(id: $id) { description } }"
    shown = (await _post(api, read, {"id": created["id"]}, vendor)).json()
    assert shown["data"]["payment"]["description"] == created["description"]
    done = f"mutation($id: UUID!, $text: String) {{ {change} }}"
    body = (await _post(api, done, {"id": created["id"], "text": "changed"}, vendor)).json()
    assert "errors" not in body, body
    shown = (await _post(api, read, {"id": created["id"]}, vendor)).json()
    assert shown["data"]["payment"]["description"] == "changed"


async def test_a_creation_followed_by_an_error_commits_nothing(
    api: ApiClient, customer: User
) -> None:
    """A creation that is not the operation's only root field runs in the request's
    transaction (not in autocommit): a later field's error undoes it, key claim included."""
    create_one = 'createPayment(input: $input, idempotencyKey: "then-fails") { id }'
    failing = f"mutation($input: CreatePaymentInput!, $missing: UUID!) {{ {create_one} "
    failing += "cancelPayment(id: $missing) { id } }"
    listed = "{ payments { edges { node { id } } } }"
    for query in (failing, failing + PAD):
        variables = {"input": payment_body("4.00"), "missing": str(uuid.uuid4())}
        body = (await _post(api, query, variables, customer)).json()
        assert body["data"] is None and _codes(body) == ["NOT_FOUND"], body
        shown = (await _post(api, listed, None, customer)).json()
        assert shown["data"]["payments"]["edges"] == [], shown
    created = await create(api, customer, payment_body("4.00"), "then-fails")  # key not kept
    shown = (await _post(api, listed, None, customer)).json()
    assert shown["data"]["payments"]["edges"] == [{"node": {"id": created["id"]}}], shown


async def test_prepared_answers_are_written_in_utf8(api: ApiClient, customer: User) -> None:
    """The one difference: orjson writes UTF-8 where `json.dumps` escapes (the same JSON)."""
    await create(api, customer, payment_body(description="café ☕"))
    query = "{ payments { edges { node { description } } } }"
    prepared = await _post(api, query, None, customer)
    standard = await _post(api, query + PAD, None, customer)
    assert "café ☕".encode() in prepared.content
    assert b"caf\\u00e9 \\u2615" in standard.content
    assert prepared.json() == standard.json()
