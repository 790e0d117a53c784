"""The external processor's signed webhook: signature, timestamp window, replay, dedupe."""

from __future__ import annotations

import time
from typing import Any

import orjson

from shared.graphql.context import Resources
from subgraphs.payments.webhook import PATH, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import WEBHOOK_SECRET, call, create, payment_body


async def deliver(
    api: ApiClient,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    at: int | None = None,
    signature: str | None = None,
) -> Any:
    body = orjson.dumps(event)
    timestamp = str(at if at is not None else int(time.time()))
    headers = {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature or sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }
    return await api.http.post(PATH, content=body, headers=headers)


def outcome(payment: dict[str, Any], status: str, event_id: str = "evt_1") -> dict[str, Any]:
    return {"id": event_id, "paymentId": payment["id"], "status": status}


async def status_of(api: ApiClient, user: User, payment: dict[str, Any]) -> str:
    response = await call(api, "GET", f"/api/payments/{payment['id']}", user)
    status: str = response.json()["data"]["status"]
    return status


async def test_a_signed_outcome_moves_the_payment_through_processing(
    external_api: ApiClient, customer: User
) -> None:
    payment = await create(external_api, customer, payment_body())
    response = await deliver(external_api, outcome(payment, "completed"))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"eventId": "evt_1", "applied": True}
    detail = await call(external_api, "GET", f"/api/payments/{payment['id']}", customer)
    ledger = detail.json()["data"]["transactions"]
    assert [t["status"] for t in ledger] == ["pending", "processing", "completed"]
    assert ledger[-1]["metadata"]["source"] == "external"


async def test_a_replayed_event_is_acknowledged_once(
    external_api: ApiClient, customer: User
) -> None:
    payment = await create(external_api, customer, payment_body())
    first = await deliver(external_api, outcome(payment, "processing", "evt_a"))
    replay = await deliver(external_api, outcome(payment, "processing", "evt_a"))
    assert first.json()["data"]["applied"] is True
    assert replay.status_code == 200
    assert replay.json()["data"]["applied"] is False
    done = await deliver(external_api, outcome(payment, "failed", "evt_b"))
    assert done.json()["data"]["applied"] is True
    assert await status_of(external_api, customer, payment) == "failed"


async def test_wrong_signatures_are_401(external_api: ApiClient, customer: User) -> None:
    payment = await create(external_api, customer, payment_body())
    event = outcome(payment, "completed")
    for response in (
        await deliver(external_api, event, secret="not-the-secret"),
        await deliver(external_api, event, signature="sha256=" + "0" * 64),
        await deliver(external_api, event, signature="garbage"),
    ):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "INVALID_SIGNATURE"
    unsigned = await external_api.http.post(PATH, content=orjson.dumps(event))
    assert unsigned.status_code == 401
    assert await status_of(external_api, customer, payment) == "pending"


async def test_old_and_future_timestamps_are_refused(
    external_api: ApiClient, customer: User
) -> None:
    payment = await create(external_api, customer, payment_body())
    now = int(time.time())
    for at in (now - 301, now + 301):
        response = await deliver(external_api, outcome(payment, "completed"), at=at)
        assert response.status_code == 401
    within = await deliver(external_api, outcome(payment, "completed"), at=now - 290)
    assert within.status_code == 200


async def test_a_tampered_body_is_refused(external_api: ApiClient, customer: User) -> None:
    payment = await create(external_api, customer, payment_body())
    timestamp = str(int(time.time()))
    signed = orjson.dumps(outcome(payment, "failed"))
    tampered = orjson.dumps(outcome(payment, "completed"))
    response = await external_api.http.post(
        PATH,
        content=tampered,
        headers={
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(WEBHOOK_SECRET, timestamp, signed),
        },
    )
    assert response.status_code == 401


async def test_invalid_outcomes(
    external_api: ApiClient, customer: User, resources: Resources
) -> None:
    payment = await create(external_api, customer, payment_body())
    await deliver(external_api, outcome(payment, "completed", "evt_done"))
    late = await deliver(external_api, outcome(payment, "failed", "evt_late"))
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "INVALID_TRANSITION"
    unknown = await deliver(
        external_api,
        {"id": "evt_x", "paymentId": "00000000-0000-0000-0000-000000000000", "status": "failed"},
    )
    assert unknown.status_code == 404
    malformed = await deliver(external_api, {"id": "evt_y", "status": "cancelled"})
    assert malformed.status_code == 400
