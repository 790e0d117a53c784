"""Live payment updates over WebSocket (graphql-transport-ws), fed from the event hub's
`payment.status_changed` stream: `paymentStatusChanged(paymentId)` for one payment the viewer
may see, `myPaymentUpdates` for every payment the viewer owns or is asked to pay.

Every update is checked before it goes out: the payment must be visible to the viewer (the
same scope as the queries) and the viewer's token still valid (not expired, not revoked), so
a logout or deactivation ends the subscription at the next update."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from shared.errors import NotFound, Unauthorized
from shared.events import Envelope, catalog
from shared.events.live import live_feed
from shared.graphql.context import RequestContext, context_of
from shared.graphql.permissions import guard
from shared.rbac import AUTHENTICATED
from shared.security.denylist import is_revoked
from shared.security.tokens import AccessClaims, bearer_token, decode_access_token
from subgraphs.payments.repository import PaymentRepository, Scope
from subgraphs.payments.service import scope_of

VISIBILITY_CACHE_SIZE = 1000


@strawberry.type(description="A payment moved from one status to another.")
class PaymentStatusUpdate:
    event_id: uuid.UUID
    payment_id: uuid.UUID
    from_status: str
    to_status: str
    amount: Decimal
    currency: str
    reason: str | None
    occurred_at: datetime

    @classmethod
    def from_event(cls, envelope: Envelope) -> PaymentStatusUpdate:
        data = envelope.payload(catalog.PaymentStatusChanged)
        return cls(
            event_id=envelope.id,
            payment_id=data.payment_id,
            from_status=data.from_status,
            to_status=data.to_status,
            amount=data.amount,
            currency=data.currency,
            reason=data.reason,
            occurred_at=envelope.occurred_at,
        )


class Visibility:
    """Which payments a scope covers, asked of the database once per payment (who owns a
    payment and whom it is addressed to never change)."""

    def __init__(self, context: RequestContext, scope: Scope) -> None:
        self.context = context
        self.scope = scope
        self.known: dict[uuid.UUID, bool] = {}

    async def covers(self, payment_id: uuid.UUID) -> bool:
        if payment_id not in self.known:
            if len(self.known) >= VISIBILITY_CACHE_SIZE:
                self.known.clear()
            async with self.context.resources.session_factory() as session:
                found = await PaymentRepository(session).get_many([payment_id], self.scope)
            self.known[payment_id] = bool(found)
        return self.known[payment_id]


async def _still_authorized(context: RequestContext) -> None:
    """Raise Unauthorized once the subscriber's token has expired or been revoked."""
    token = bearer_token(context.authorization)
    if token is None:
        raise Unauthorized()
    claims = decode_access_token(token, context.settings)
    if await is_revoked(context.redis, claims):
        raise Unauthorized("The access token has been revoked", code="TOKEN_REVOKED")


async def _updates(
    context: RequestContext, visibility: Visibility, payment_id: uuid.UUID | None = None
) -> AsyncGenerator[PaymentStatusUpdate, None]:
    async for envelope in live_feed(context.redis).subscribe(catalog.PAYMENT_STATUS_CHANGED):
        update = PaymentStatusUpdate.from_event(envelope)
        if payment_id is not None and update.payment_id != payment_id:
            continue
        if not await visibility.covers(update.payment_id):
            continue
        await _still_authorized(context)
        yield update


@strawberry.type
class Subscription:
    @strawberry.subscription(
        extensions=guard(AUTHENTICATED),
        description="Status changes of one payment the caller may see (404 otherwise).",
    )
    async def payment_status_changed(
        self, info: Info, payment_id: uuid.UUID
    ) -> AsyncGenerator[PaymentStatusUpdate, None]:
        context = context_of(info)
        viewer: AccessClaims = await context.require_viewer()
        visibility = Visibility(context, scope_of(viewer))
        if not await visibility.covers(payment_id):
            raise NotFound("Payment not found")
        async for update in _updates(context, visibility, payment_id):
            yield update

    @strawberry.subscription(
        extensions=guard(AUTHENTICATED),
        description="Status changes of the caller's payments and of requests addressed to them.",
    )
    async def my_payment_updates(self, info: Info) -> AsyncGenerator[PaymentStatusUpdate, None]:
        context = context_of(info)
        viewer = await context.require_viewer()
        async for update in _updates(context, Visibility(context, Scope(viewer.user_id))):
            yield update
