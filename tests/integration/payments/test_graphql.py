"""The payments subgraph through GraphQL: federation SDL, entities with object-level checks,
`User.payments`, and lists that cost the same number of SQL statements for 1 or 50 rows."""

from __future__ import annotations

import uuid
from typing import Any

from graphql import parse

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient, statements_of
from tests.integration.payments.conftest import create, payment_body, request_body

LIST = """query($limit: Int) {
  payments(limit: $limit) {
    edges { node { id amount user { id } customer { id } transactions { id status } } }
    pageInfo { hasNextPage }
  }
}"""
ENTITIES = """query($reps: [_Any!]!) {
  _entities(representations: $reps) {
    ... on Payment { id amount status transactions { transactionType } }
    ... on User { id payments(first: 5) { edges { node { id amount } } pageInfo { hasNextPage } } }
  }
}"""


async def test_service_sdl_extends_user_and_keys_payment(api: ApiClient) -> None:
    sdl = (await api.graphql("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    parse(sdl)
    assert 'type User @key(fields: "id")' in sdl
    assert 'type Payment @key(fields: "id")' in sdl
    user = sdl[sdl.index('type User @key(fields: "id")') :]
    assert "payments(" in user[: user.index("}")]
    assert "scalar Decimal" in sdl


async def test_graphql_operations(api: ApiClient, vendor: User, customer: User) -> None:
    created = await api.graphql(
        """mutation($input: CreatePaymentInput!) {
            createPayment(input: $input) { id status amount currency customer { id } }
        }""",
        {"input": {"type": "initiate", "amount": "19.90", "customerId": str(customer.id)}},
        token=vendor.token,
    )
    request = created["data"]["createPayment"]
    assert request["amount"] == "19.90" and request["status"] == "initiated"
    updated = await api.graphql(
        """mutation($id: UUID!) {
            updatePayment(id: $id, input: {description: "Invoice 9"}) { description }
        }""",
        {"id": request["id"]},
        token=vendor.token,
    )
    assert updated["data"]["updatePayment"] == {"description": "Invoice 9"}
    seen = await api.graphql(
        "query($id: UUID!) { payment(id: $id) { id user { id } } }",
        {"id": request["id"]},
        token=customer.token,
    )
    assert seen["data"]["payment"]["user"] == {"id": str(vendor.id)}
    cancelled = await api.graphql(
        "mutation($id: UUID!) { cancelPayment(id: $id) { status } }",
        {"id": request["id"]},
        token=vendor.token,
    )
    assert cancelled["data"]["cancelPayment"] == {"status": "cancelled"}
    report = await api.graphql(
        "{ paymentReport { byStatus { status count total } } }", token=vendor.token
    )
    assert report["data"]["paymentReport"]["byStatus"] == [
        {"status": "cancelled", "count": 1, "total": "19.90"}
    ]
    refused = await api.graphql("{ paymentReport { byCurrency { total } } }", token=customer.token)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_payment_entities_apply_the_object_level_check(
    api: ApiClient, vendor: User, customer: User, make_user: Any
) -> None:
    mine = await create(api, customer, payment_body("3.00"))
    theirs = await create(api, vendor, request_body("4.00"))
    reps = [
        {"__typename": "Payment", "id": mine["id"]},
        {"__typename": "Payment", "id": theirs["id"]},
        {"__typename": "Payment", "id": str(uuid.uuid4())},
        {"__typename": "Payment", "id": "not-a-uuid"},
    ]
    body = await api.graphql(ENTITIES, {"reps": reps}, token=customer.token)
    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert entities[0]["id"] == mine["id"]
    assert entities[0]["transactions"][0]["transactionType"] == "created"
    assert entities[1:] == [None, None, None]
    anonymous = await api.graphql(ENTITIES, {"reps": reps[:1]})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHORIZED"


async def test_user_payments_through_entities(
    api: ApiClient, vendor: User, customer: User, admin: User
) -> None:
    for amount in ("1.00", "2.00", "3.00", "4.00", "5.00", "6.00"):
        await create(api, customer, payment_body(amount))
    await create(api, vendor, request_body("7.00"))
    reps = [{"__typename": "User", "id": str(u.id)} for u in (customer, vendor)]

    as_customer = await api.graphql(ENTITIES, {"reps": reps}, token=customer.token)
    own, other = as_customer["data"]["_entities"]
    assert [e["node"]["amount"] for e in own["payments"]["edges"]] == [
        "6.00", "5.00", "4.00", "3.00", "2.00"
    ]  # fmt: skip
    assert own["payments"]["pageInfo"]["hasNextPage"] is True
    assert other["payments"]["edges"] == []  # the vendor's request is not addressed to them

    as_admin = await api.graphql(ENTITIES, {"reps": reps}, token=admin.token)
    assert [len(e["payments"]["edges"]) for e in as_admin["data"]["_entities"]] == [5, 1]


async def test_lists_do_not_query_per_row(
    api: ApiClient, make_user: Any, admin: User, resources: Resources
) -> None:
    """The same statements for 1 and for 50 payments (and users): a list, its nested
    transactions, and `_entities` of payments and of users with their `payments`."""
    customers: list[User] = []

    async def cost(rows: int) -> tuple[int, int]:
        while len(customers) < rows:
            customers.append(await make_user(Role.CUSTOMER))
            await create(api, customers[-1], payment_body())
        with statements_of(resources) as listed:
            body = await api.graphql(LIST, {"limit": 100}, token=admin.token)
        edges = body["data"]["payments"]["edges"]
        assert len(edges) == rows
        reps = [{"__typename": "User", "id": str(c.id)} for c in customers]
        reps += [{"__typename": "Payment", "id": e["node"]["id"]} for e in edges]
        with statements_of(resources) as entities:
            body = await api.graphql(ENTITIES, {"reps": reps}, token=admin.token)
        assert "errors" not in body, body
        assert all(e is not None for e in body["data"]["_entities"])
        return len(listed), len(entities)

    one = await cost(1)
    fifty = await cost(50)
    assert fifty == one, (one, fifty)


async def test_pages_loaded_with_their_ledgers_keep_each_payment_its_own(
    api: ApiClient, vendor: User, customer: User, admin: User, resources: Resources
) -> None:
    """A page whose selection asks for ledgers (here through a fragment) loads them with the
    page: each payment still shows its own, for one user's page as for several users'."""
    paid = [await create(api, customer, payment_body(amount)) for amount in ("1.00", "2.00")]
    await create(api, vendor, request_body("3.00", customerId=str(customer.id)))
    by_users = """query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on User { id payments(first: 5) { ...Page } } } }
      fragment Page on PaymentConnection { edges { node { id ...Ledger } } }
      fragment Ledger on Payment { transactions { paymentId transactionType } }"""
    reps = [{"__typename": "User", "id": str(u.id)} for u in (customer, vendor)]
    with statements_of(resources) as statements:
        body = await api.graphql(by_users, {"reps": reps}, token=admin.token)
    assert "errors" not in body, body
    nodes = [e["node"] for user in body["data"]["_entities"] for e in user["payments"]["edges"]]
    assert len(nodes) == 3
    for node in nodes:
        assert node["transactions"], node
        assert {t["paymentId"] for t in node["transactions"]} == {node["id"]}
    assert any("payment_transactions" in s for s in statements), statements
    listed = await api.graphql(
        "{ payments { edges { node { id transactions { paymentId } } } } }", token=customer.token
    )
    for edge in listed["data"]["payments"]["edges"]:
        assert {t["paymentId"] for t in edge["node"]["transactions"]} == {edge["node"]["id"]}
    assert {p["id"] for p in paid} <= {e["node"]["id"] for e in listed["data"]["payments"]["edges"]}


async def test_a_ledger_is_read_only_when_the_selection_asks_for_it(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    """A payment whose ledger was not loaded with it (an entity, a single payment) reads it
    when selected — batched, once for many — and never when not selected."""
    paid = [await create(api, customer, payment_body(amount)) for amount in ("1.00", "2.00")]
    reps = [{"__typename": "Payment", "id": p["id"]} for p in paid]
    bare = """query($reps: [_Any!]!) { _entities(representations: $reps) {
        ... on Payment { id amount } } }"""
    with statements_of(resources) as statements:
        body = await api.graphql(bare, {"reps": reps}, token=customer.token)
    assert [e["amount"] for e in body["data"]["_entities"]] == ["1.00", "2.00"]
    assert not any("payment_transactions" in s for s in statements), statements
    with statements_of(resources) as statements:
        body = await api.graphql(ENTITIES, {"reps": reps}, token=customer.token)
    assert [len(e["transactions"]) for e in body["data"]["_entities"]] == [3, 3], body
    assert sum("payment_transactions" in s for s in statements) == 1, statements
    single = "query($id: UUID!) { payment(id: $id) { id status } }"
    with statements_of(resources) as statements:
        body = await api.graphql(single, {"id": paid[0]["id"]}, token=customer.token)
    assert body["data"]["payment"]["id"] == paid[0]["id"]
    assert not any("payment_transactions" in s for s in statements), statements


async def test_user_payments_page_each_owner_newest_first(
    api: ApiClient, vendor: User, customer: User, admin: User, make_user: Any
) -> None:
    """`User.payments` for several users in one request: each owner's own page, newest first,
    `after` continuing it; a caller sees only what it may see of each owner's payments."""
    other = await make_user(Role.CUSTOMER)
    mine = [await create(api, customer, payment_body(f"{n}.00")) for n in range(1, 5)]
    theirs = [await create(api, other, payment_body(f"{n}.50")) for n in range(1, 3)]
    addressed = await create(api, vendor, request_body("9.00", customerId=str(customer.id)))
    pages = """query($reps: [_Any!]!, $after: String) { _entities(representations: $reps) {
        ... on User { id payments(first: 2, after: $after) {
            edges { node { id } } pageInfo { hasNextPage endCursor } } } } }"""

    def ids(entity: dict[str, Any]) -> list[str]:
        return [edge["node"]["id"] for edge in entity["payments"]["edges"]]

    owners = (customer, other, vendor)
    reps = [{"__typename": "User", "id": str(u.id)} for u in owners]
    body = await api.graphql(pages, {"reps": reps}, token=admin.token)
    assert "errors" not in body, body
    first, second, third = body["data"]["_entities"]
    assert ids(first) == [mine[3]["id"], mine[2]["id"]]
    assert first["payments"]["pageInfo"]["hasNextPage"] is True
    assert ids(second) == [theirs[1]["id"], theirs[0]["id"]]
    assert second["payments"]["pageInfo"]["hasNextPage"] is False
    assert ids(third) == [addressed["id"]]
    after = first["payments"]["pageInfo"]["endCursor"]
    body = await api.graphql(pages, {"reps": reps[:1], "after": after}, token=admin.token)
    (rest,) = body["data"]["_entities"]
    assert ids(rest) == [mine[1]["id"], mine[0]["id"]]
    assert rest["payments"]["pageInfo"]["hasNextPage"] is False
    body = await api.graphql(pages, {"reps": reps}, token=customer.token)
    own, others, vendors = body["data"]["_entities"]
    assert ids(own) == [mine[3]["id"], mine[2]["id"]]
    assert ids(others) == []
    assert ids(vendors) == [addressed["id"]]  # addressed to the caller
