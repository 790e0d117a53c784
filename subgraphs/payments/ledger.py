"""Writing money: a payment's status changes and amounts, each with its append-only
transaction row and its event, in the caller's transaction. Callers hold the row lock."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.events import catalog, record_event
from subgraphs.payments.models import Payment, PaymentTransaction
from subgraphs.payments.repository import PaymentRepository
from subgraphs.payments.states import PaymentStatus, check_transition


class TransactionType:
    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    AMOUNT_CHANGED = "amount_changed"


class Ledger:
    def __init__(self, session: AsyncSession, payments: PaymentRepository) -> None:
        self.session = session
        self.payments = payments

    async def open(self, payment: Payment, *, actor: uuid.UUID) -> Payment:
        """Insert a new payment with its first transaction and `payment.created`."""
        await self.payments.add(payment)
        await self._append(payment, TransactionType.CREATED, {"actor": str(actor)})
        await record_event(
            self.session,
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
            actor=actor,
            key=str(payment.id),
        )
        return payment

    async def move(
        self,
        payment: Payment,
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
        await self.payments.flush()
        await self._append(
            payment,
            TransactionType.STATUS_CHANGED,
            {
                "from": current.value,
                "to": target.value,
                "actor": str(actor) if actor else None,
                "source": source,
                "reason": reason,
            },
        )
        await record_event(
            self.session,
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
            actor=actor,
            key=str(payment.id),
        )

    async def reprice(self, payment: Payment, amount: Decimal, *, actor: uuid.UUID) -> None:
        previous = payment.amount
        if previous == amount:
            return
        payment.amount = amount
        await self.payments.flush()
        await self._append(
            payment,
            TransactionType.AMOUNT_CHANGED,
            {"from": str(previous), "to": str(amount), "actor": str(actor)},
        )

    async def _append(self, payment: Payment, kind: str, metadata: dict[str, Any]) -> None:
        await self.payments.add_transaction(
            PaymentTransaction(
                payment_id=payment.id,
                transaction_type=kind,
                amount=payment.amount,
                status=payment.status,
                metadata_=metadata,
            )
        )
