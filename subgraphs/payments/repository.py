"""SQL of the payments domain: queries only, no rules. Reads are scoped by a `Scope` the
service chooses (whose payments the caller may see)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Numeric,
    Row,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from subgraphs.payments.models import IdempotencyKey, Payment, PaymentTransaction, ProcessorEvent

# auth.users, read-only: the one column set this domain needs to address a payment request to
# a customer given by email (or to check a customerId names a customer). Reading it here, on
# the shared database, avoids a synchronous call into the auth subgraph for a single indexed
# look-up; nothing in this domain ever writes to it.
_AUTH_USERS = table("users", column("id"), column("email"), column("role"), schema="auth")


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose payments a read covers: all of them (`viewer_id` None), or those a user owns or
    that are addressed to them."""

    viewer_id: uuid.UUID | None

    def condition(self) -> ColumnElement[bool]:
        if self.viewer_id is None:
            return true()
        return or_(
            col(Payment.user_id) == self.viewer_id, col(Payment.customer_id) == self.viewer_id
        )


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    status: str | None = None
    type: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.status is not None:
            conditions.append(col(Payment.status) == self.status)
        if self.type is not None:
            conditions.append(col(Payment.type) == self.type)
        if self.created_from is not None:
            conditions.append(col(Payment.created_at) >= self.created_from)
        if self.created_to is not None:
            conditions.append(col(Payment.created_at) < self.created_to)
        # Bounds are bound as plain NUMERIC: any bound compares, none overflows NUMERIC(10,2).
        if self.min_amount is not None:
            conditions.append(col(Payment.amount) >= literal(self.min_amount, Numeric()))
        if self.max_amount is not None:
            conditions.append(col(Payment.amount) <= literal(self.max_amount, Numeric()))
        return conditions


@dataclass(frozen=True, slots=True)
class Keyset:
    """Rows after (`descending`: before) `(value, id)` in the order of `column`."""

    column: str
    descending: bool
    after: tuple[Any, uuid.UUID] | None = None

    def order_by(self) -> list[Any]:
        key = getattr(Payment, self.column)
        if self.descending:
            return [key.desc(), col(Payment.id).desc()]
        return [key.asc(), col(Payment.id).asc()]

    def condition(self) -> ColumnElement[bool]:
        if self.after is None:
            return true()
        value, after_id = self.after
        if self.column == "amount":
            value = literal(value, Numeric())
        pair = tuple_(getattr(Payment, self.column), col(Payment.id))
        bound = tuple_(value, literal(after_id))
        return pair < bound if self.descending else pair > bound


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, payment: Payment) -> Payment:
        self.session.add(payment)
        await self.session.flush()
        return payment

    async def add_transaction(self, transaction: PaymentTransaction) -> None:
        self.session.add(transaction)
        await self.session.flush()

    async def flush(self) -> None:
        await self.session.flush()

    async def get_for_update(self, payment_id: uuid.UUID) -> Payment | None:
        """The payment row, locked until the transaction ends (fresh from the database)."""
        result = await self.session.execute(
            select(Payment)
            .where(col(Payment.id) == payment_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def get_many(self, ids: Sequence[uuid.UUID], scope: Scope) -> list[Payment]:
        result = await self.session.execute(
            select(Payment).where(col(Payment.id).in_(ids), scope.condition())
        )
        return list(result.scalars())

    async def page(
        self, scope: Scope, where: PaymentFilter, keyset: Keyset, size: int
    ) -> list[Payment]:
        result = await self.session.execute(
            select(Payment)
            .where(scope.condition(), keyset.condition(), *where.conditions())
            .order_by(*keyset.order_by())
            .limit(size)
        )
        return list(result.scalars())

    async def pages_per_owner(
        self, owners: Sequence[uuid.UUID], scope: Scope, keyset: Keyset, size: int
    ) -> dict[uuid.UUID, list[Payment]]:
        """The first `size` payments of each owner in one query (a window per owner)."""
        rank = (
            func.row_number()
            .over(partition_by=col(Payment.user_id), order_by=keyset.order_by())
            .label("rank")
        )
        ranked = (
            select(Payment, rank)
            .where(col(Payment.user_id).in_(owners), scope.condition(), keyset.condition())
            .subquery()
        )
        row = aliased(Payment, ranked)
        result = await self.session.execute(
            select(row).where(ranked.c.rank <= size).order_by(ranked.c.user_id, ranked.c.rank)
        )
        pages: dict[uuid.UUID, list[Payment]] = defaultdict(list)
        for payment in result.scalars():
            pages[payment.user_id].append(payment)
        return pages

    async def transactions_of(
        self, payment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[PaymentTransaction]]:
        """Each payment's ledger, oldest first, in one query."""
        result = await self.session.execute(
            select(PaymentTransaction)
            .where(col(PaymentTransaction.payment_id).in_(payment_ids))
            .order_by(col(PaymentTransaction.seq))
        )
        ledgers: dict[uuid.UUID, list[PaymentTransaction]] = defaultdict(list)
        for transaction in result.scalars():
            ledgers[transaction.payment_id].append(transaction)
        return ledgers

    async def history(
        self,
        scope: Scope,
        *,
        owner_id: uuid.UUID | None,
        payment_id: uuid.UUID | None,
        before_seq: int | None,
        size: int,
    ) -> list[PaymentTransaction]:
        """Transactions of the payments in scope, newest first."""
        query = (
            select(PaymentTransaction)
            .join(Payment, col(Payment.id) == col(PaymentTransaction.payment_id))
            .where(scope.condition())
        )
        if owner_id is not None:
            query = query.where(col(Payment.user_id) == owner_id)
        if payment_id is not None:
            query = query.where(col(PaymentTransaction.payment_id) == payment_id)
        if before_seq is not None:
            query = query.where(col(PaymentTransaction.seq) < before_seq)
        query = query.order_by(col(PaymentTransaction.seq).desc()).limit(size)
        return list((await self.session.execute(query)).scalars())

    async def totals(
        self, *, owner_id: uuid.UUID | None, start: datetime, end: datetime
    ) -> list[Row[Any]]:
        """Count, sum and average (2 places) of the payments created in [start, end): by
        status and currency, by currency, by UTC day and currency — one grouping-sets query.
        `level` tells the rows apart: 1 by status, 3 by currency, 2 by day."""
        utc = func.timezone(literal_column("'UTC'"), col(Payment.created_at))
        day = cast(utc, Date)
        query = select(
            col(Payment.status),
            col(Payment.currency),
            day.label("day"),
            func.count().label("payments"),
            func.sum(col(Payment.amount)).label("total"),
            func.round(func.avg(col(Payment.amount)), 2).label("average"),
            func.grouping(col(Payment.status), day).label("level"),
        ).where(and_(col(Payment.created_at) >= start, col(Payment.created_at) < end))
        if owner_id is not None:
            query = query.where(col(Payment.user_id) == owner_id)
        query = query.group_by(
            func.grouping_sets(
                tuple_(col(Payment.status), col(Payment.currency)),
                tuple_(col(Payment.currency)),
                tuple_(day, col(Payment.currency)),
            )
        ).order_by(
            literal_column("level"),
            literal_column("day"),
            col(Payment.status),
            col(Payment.currency),
        )
        return list((await self.session.execute(query)).all())

    async def find_user(
        self, *, user_id: uuid.UUID | None = None, email: str | None = None
    ) -> tuple[uuid.UUID, str, str] | None:
        """(id, role, email) of an account, by id or else by email (read-only, `_AUTH_USERS`)."""
        query = select(_AUTH_USERS.c.id, _AUTH_USERS.c.role, _AUTH_USERS.c.email)
        if user_id is not None:
            query = query.where(_AUTH_USERS.c.id == user_id)
        else:
            query = query.where(_AUTH_USERS.c.email == email)
        found = (await self.session.execute(query)).first()
        return (found[0], found[1], found[2]) if found else None


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, user_id: uuid.UUID, key: str, fingerprint: str, now: datetime, expires_at: datetime
    ) -> uuid.UUID | None:
        """Take the key for this request; None when another request holds it (unexpired).
        A concurrent claimer of the same key waits here until the holder's transaction ends
        (the unique index), then gets None — or the key, when the holder rolled back."""
        values = insert(IdempotencyKey).values(
            user_id=user_id,
            idempotency_key=key,
            fingerprint=fingerprint,
            created_at=now,
            expires_at=expires_at,
        )
        statement = values.on_conflict_do_update(
            constraint="uq_idempotency_keys_user_id",
            set_={
                "fingerprint": values.excluded.fingerprint,
                "payment_id": None,
                "response": None,
                "created_at": values.excluded.created_at,
                "expires_at": values.excluded.expires_at,
            },
            where=col(IdempotencyKey.expires_at) <= now,
        ).returning(col(IdempotencyKey.id))
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def get(self, user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
        result = await self.session.execute(
            select(IdempotencyKey)
            .where(
                col(IdempotencyKey.user_id) == user_id, col(IdempotencyKey.idempotency_key) == key
            )
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def store(
        self, key_id: uuid.UUID, payment_id: uuid.UUID, response: dict[str, Any]
    ) -> None:
        row = await self.session.get(IdempotencyKey, key_id)
        assert row is not None
        row.payment_id = payment_id
        row.response = response
        await self.session.flush()


class ProcessorEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, event_id: str, payment_id: uuid.UUID, status: str) -> bool:
        """Record a webhook event; False when it was already recorded (a replay)."""
        statement = (
            insert(ProcessorEvent)
            .values(event_id=event_id, payment_id=payment_id, status=status)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(col(ProcessorEvent.event_id))
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None
