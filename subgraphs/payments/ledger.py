"""Writing money: a change of payments — a new payment, status steps, amounts, edits — each
step with its append-only transaction row and its event. The change is built in memory and
written in one statement of the caller's transaction (`Ledger.write`); callers hold the row
locks of the payments they change."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.events import catalog
from shared.events.outbox import NewEvent, outbox_event
from shared.models import utcnow
from subgraphs.payments.repository import (
    Changes,
    KeyClaim,
    LedgerEntry,
    PaymentRepository,
    PaymentRow,
)
from subgraphs.payments.states import PaymentStatus, check_transition

MICROSECOND = timedelta(microseconds=1)


class TransactionType:
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    AMOUNT_CHANGED = "amount_changed"


class Ledger:
    def __init__(self, payments: PaymentRepository) -> None:
        self.payments = payments
        self.new: PaymentRow | None = None
        self.changed: dict[uuid.UUID, PaymentRow] = {}
        self.transactions: list[LedgerEntry] = []
        self.events: list[NewEvent] = []
        self._last: datetime | None = None

    def open(self, payment: PaymentRow, *, actor: uuid.UUID) -> PaymentRow:
        """A new payment with its first transaction and `payment.created`."""
        self.new = payment
        at = self._tick()
        self._append(payment, TransactionType.CREATED, {"actor": str(actor)}, at)
        self._record(
            catalog.PAYMENT_CREATED,
            catalog.PaymentCreated(
                payment_id=payment.id,
                user_id=payment.user_id,
                type=payment.type,
                status=payment.status,
                amount=payment.amount,
                currency=payment.currency,
                customer_id=payment.customer_id,
                pays_payment_id=payment.pays_payment_id,
            ),
            actor,
            payment,
            at,
        )
        return payment

    def move(
        self,
        payment: PaymentRow,
        target: PaymentStatus,
        *,
        actor: uuid.UUID | None,
        source: str,
        reason: str | None = None,
    ) -> None:
        """One step of the state machine (INVALID_TRANSITION when it is not one)."""
        current = PaymentStatus(payment.status)
        check_transition(current, target)
        payment.status = target.value
        self.edit(payment)
        at = self._tick()
        self._append(
            payment,
            TransactionType.STATUS_CHANGED,
            {
                "from": current.value,
                "to": target.value,
                "actor": str(actor) if actor else None,
                "source": source,
                "reason": reason,
            },
            at,
        )
        self._record(
            catalog.PAYMENT_STATUS_CHANGED,
            catalog.PaymentStatusChanged(
                payment_id=payment.id,
                user_id=payment.user_id,
                from_status=current.value,
                to_status=target.value,
                actor_id=actor,
                source=source,
                amount=payment.amount,
                currency=payment.currency,
                reason=reason,
            ),
            actor,
            payment,
            at,
        )

    def reprice(self, payment: PaymentRow, amount: Decimal, *, actor: uuid.UUID) -> None:
        previous = payment.amount
        if previous == amount:
            return
        payment.amount = amount
        self.edit(payment)
        self._append(
            payment,
            TransactionType.AMOUNT_CHANGED,
            {"from": str(previous), "to": str(amount), "actor": str(actor)},
            self._tick(),
        )

    def edit(self, payment: PaymentRow) -> None:
        """Write `payment`'s columns back with the change (a new payment is written anyway)."""
        if payment is not self.new:
            self.changed[payment.id] = payment

    def held(self, payment_id: uuid.UUID) -> PaymentRow | None:
        """A payment this change already holds (its in-memory state is the current one)."""
        if self.new is not None and self.new.id == payment_id:
            return self.new
        return self.changed.get(payment_id)

    async def write(
        self,
        claim: KeyClaim | None = None,
        *,
        answered_key: uuid.UUID | None = None,
        alone: bool = False,
    ) -> bool:
        """Store the change in one statement; False (nothing stored) when `claim` names a key
        another request holds. The new payment is the answer stored with `claim` or with the
        already claimed `answered_key`. Timestamps set by the database are copied back.
        `alone`: the change needs nothing else of the transaction (no lock held, nothing read
        to be kept), so its statement may be a transaction of its own."""
        written = await self.payments.write(
            Changes(self.new, list(self.changed.values()), self.transactions, self.events),
            claim=claim,
            answered_key=answered_key,
            alone=alone,
        )
        if written is None:
            return False
        for payment in (self.new, *self.changed.values()):
            if payment is not None:
                payment.created_at, payment.updated_at = written[payment.id]
        return True

    def transactions_of(self, payment_id: uuid.UUID) -> list[LedgerEntry]:
        return [t for t in self.transactions if t.payment_id == payment_id]

    def _tick(self) -> datetime:
        """Now, later than every earlier step of this change: rows and events keep their order
        by time (the relay publishes the outbox by created_at)."""
        now = utcnow()
        if self._last is not None and now <= self._last:
            now = self._last + MICROSECOND
        self._last = now
        return now

    def _append(
        self, payment: PaymentRow, kind: str, metadata: dict[str, Any], at: datetime
    ) -> None:
        self.transactions.append(
            LedgerEntry(payment.id, kind, payment.amount, payment.status, metadata, at)
        )

    def _record(
        self, event_type: str, data: Any, actor: uuid.UUID | None, payment: PaymentRow, at: datetime
    ) -> None:
        self.events.append(outbox_event(event_type, data, actor=actor, key=str(payment.id), at=at))
