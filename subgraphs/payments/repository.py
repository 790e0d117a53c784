"""SQL of the payments domain: queries only, no rules. Reads are scoped by a `Scope` the
service chooses (whose payments the caller may see)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from pydantic import TypeAdapter
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
    select,
    table,
    true,
    tuple_,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.db import fetch
from shared.events.outbox import NewEvent
from shared.ids import uuid7
from subgraphs.payments.models import IdempotencyKey, Payment, PaymentTransaction, ProcessorEvent

# auth.users, read-only: the one column set this domain needs to address a payment request to
# a customer given by email (or to check a customerId names a customer). Reading it here, on
# the shared database, avoids a synchronous call into the auth subgraph for a single indexed
# look-up; nothing in this domain ever writes to it.
_AUTH_USERS = table("users", column("id"), column("email"), column("role"), schema="auth")
# Every column of a payment, labelled with its attribute's name (`metadata_`).
_PAYMENT_COLUMNS = tuple(
    attribute.columns[0].label(attribute.key) for attribute in sa_inspect(Payment).column_attrs
)
# A payment's ledger rows beside its columns (`locked_with_ledger`), named apart from them.
_ENTRY = PaymentTransaction.__table__.alias("entry")  # type: ignore[attr-defined]
_ENTRY_COLUMNS = (
    _ENTRY.c.id.label("entry_id"),
    _ENTRY.c.transaction_type.label("entry_type"),
    _ENTRY.c.amount.label("entry_amount"),
    _ENTRY.c.status.label("entry_status"),
    _ENTRY.c.metadata.label("entry_metadata"),
    _ENTRY.c.created_at.label("entry_created_at"),
)


# The hot reads run as SQL text through asyncpg (`shared.db.fetch`): each distinct text is
# prepared once per connection. Columns in `PaymentRow`'s order (`metadata` is `metadata_`).
_SELECT_PAYMENTS = (
    "SELECT id, user_id, amount, currency, status, type, description, metadata, customer_id, "
    "pays_payment_id, created_at, updated_at FROM payments.payments"
)
# Columns in `LedgerEntry`'s order.
_SELECT_LEDGERS = (
    "SELECT payment_id, transaction_type, amount, status, metadata, created_at, id "
    "FROM payments.payment_transactions WHERE payment_id = ANY($1::uuid[]) ORDER BY seq"
)
# Each owner's page: an index range scan per owner (`idx_payments_user_created`), not a sort of
# all their payments; its text continues with the page's `_SELECT_PAYMENTS … LIMIT n`.
_OWNERS_PAGES = "SELECT page.* FROM unnest($1::uuid[]) AS owner(owner_id) CROSS JOIN LATERAL ("
# A page merged from branches, each `(… LIMIT n)`: `_MERGED_PAGE + branches joined + ")) AS page
# ORDER BY … LIMIT n"`.
_MERGED_PAGE = "SELECT * FROM (("
_BETWEEN_BRANCHES = ") UNION ALL ("
# History: ledger rows newest first, columns in `LedgerEntry`'s order, then `seq`. Of the whole
# ledger, or of one payment, from the ledger's own indexes (`seq`, `payment_id`) …
_HISTORY_COLUMNS = (
    "e.payment_id, e.transaction_type, e.amount, e.status, e.metadata, e.created_at, e.id, e.seq"
)
_LEDGER_HISTORY = (
    "SELECT {columns} FROM payments.payment_transactions AS e WHERE {where} "
    "ORDER BY seq DESC LIMIT $1"
)
# … and of one party's payments from its range of `ledger_parties`, cut at the page first: a
# join of the ledger to the party's payments either read the whole ledger backwards or sorted
# the party's whole history for each page.
_PARTY_HISTORY = (
    "SELECT {columns} FROM (SELECT seq FROM payments.ledger_parties WHERE {where} "
    "ORDER BY seq DESC LIMIT $1) AS party "
    "JOIN payments.payment_transactions AS e ON e.seq = party.seq ORDER BY e.seq DESC"
)
# The columns a page may be sorted by (`Keyset.column`), as SQL.
_SORTABLE = {"created_at": "created_at", "amount": "amount"}


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose payments a read covers: all of them (`viewer_id` None), or those a user owns or
    that are addressed to them."""

    viewer_id: uuid.UUID | None

    def sql(self, arguments: list[Any]) -> list[str]:
        """The scope as one SQL condition, its values appended to `arguments` (numbered after
        them): the `branches` in one condition."""
        if self.viewer_id is None:
            return []
        return ["(" + " OR ".join(f"({branch})" for branch in self.branches(arguments)) + ")"]

    def branches(self, arguments: list[Any]) -> list[str]:
        """The scope as disjoint conditions, one per index that serves it in order: the
        payments a user owns (`idx_payments_user_created`), and those addressed to them that
        they do not own (`idx_payments_customer_created`); everything for an administrator."""
        if self.viewer_id is None:
            return ["TRUE"]
        arguments.append(self.viewer_id)
        n = len(arguments)
        return [f"user_id = ${n}::uuid", f"customer_id = ${n}::uuid AND user_id <> ${n}::uuid"]


@dataclass(frozen=True, slots=True)
class Party:
    """A user whose payments a history covers: those they own or are the customer of, or
    (`owned_only`) those they own."""

    user_id: uuid.UUID
    owned_only: bool = False


def _all(conditions: list[str]) -> str:
    return " AND ".join(conditions) or "TRUE"


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

    def sql(self, arguments: list[Any]) -> list[str]:
        """`conditions` as SQL text, their values appended to `arguments`."""
        conditions: list[str] = []
        for value, condition in (
            (self.status, "status = ${}::text"),
            (self.type, "type = ${}::text"),
            (self.created_from, "created_at >= ${}::timestamptz"),
            (self.created_to, "created_at < ${}::timestamptz"),
            (self.min_amount, "amount >= ${}::numeric"),
            (self.max_amount, "amount <= ${}::numeric"),
        ):
            if value is not None:
                arguments.append(value)
                conditions.append(condition.format(len(arguments)))
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

    def order_by_sql(self) -> str:
        direction = "DESC" if self.descending else "ASC"
        return f"{_SORTABLE[self.column]} {direction}, id {direction}"

    def sql(self, arguments: list[Any]) -> list[str]:
        """`condition` as SQL text, its values appended to `arguments`."""
        if self.after is None:
            return []
        value, after_id = self.after
        arguments.extend((value, after_id))
        n = len(arguments)
        cast_ = "numeric" if self.column == "amount" else "timestamptz"
        operator = "<" if self.descending else ">"
        return [f"({_SORTABLE[self.column]}, id) {operator} (${n - 1}::{cast_}, ${n}::uuid)"]


@dataclass(slots=True)
class PaymentRow:
    """A payment's columns, held by a change (new, or read under its row lock): plain data,
    no ORM instance state, written back by `PaymentRepository.write`."""

    id: uuid.UUID
    user_id: uuid.UUID
    amount: Decimal
    currency: str
    status: str
    type: str
    description: str | None
    metadata_: dict[str, Any] | None
    customer_id: uuid.UUID | None
    pays_payment_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


_PAYMENT_JSON: TypeAdapter[PaymentRow] = TypeAdapter(PaymentRow)
_WRITTEN_BY_DATABASE = {"created_at", "updated_at"}


def payment_of_answer(answer: dict[str, Any]) -> PaymentRow:
    """The payment an idempotency key's stored answer holds."""
    return _PAYMENT_JSON.validate_python(answer)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A ledger row, to be written or as read with its locked payment (the columns of
    `PaymentTransaction` but `seq`)."""

    payment_id: uuid.UUID
    transaction_type: str
    amount: Decimal
    status: str
    metadata_: dict[str, Any] | None
    created_at: datetime
    id: uuid.UUID = field(default_factory=uuid7)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A ledger row as the history reads it, with its place in the ledger (the page's key)."""

    entry: LedgerEntry
    seq: int


@dataclass(frozen=True, slots=True)
class Changes:
    """What one change of payments writes: a new payment, changed payments (their columns
    as they are now), ledger rows and outbox events, each list in the order it happened."""

    new: PaymentRow | None
    changed: Sequence[PaymentRow]
    transactions: Sequence[LedgerEntry]
    events: Sequence[NewEvent]


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """An Idempotency-Key taken in the same statement as the payment that answers it."""

    user_id: uuid.UUID
    key: str
    fingerprint: str
    ttl: timedelta


Written = dict[uuid.UUID, tuple[datetime, datetime]]
"""created_at and updated_at of each payment a change wrote, by id."""


def page_statement(
    scope: Scope, where: PaymentFilter, keyset: Keyset, size: int
) -> tuple[str, list[Any]]:
    """The statement (and its arguments) of the first `size` payments in scope after the
    keyset. A user's page is the merge of two index-ordered ranges, each cut at `size` (owned,
    and addressed to them), not one `user_id OR customer_id` condition: that one reads and sorts
    every payment of the user for each page, so a page's cost grew with the user's history."""
    arguments: list[Any] = []
    branches = scope.branches(arguments)
    conditions = [*keyset.sql(arguments), *where.sql(arguments)]
    arguments.append(size)
    tail = f" ORDER BY {keyset.order_by_sql()} LIMIT ${len(arguments)}"
    selects = [
        _SELECT_PAYMENTS + " WHERE " + " AND ".join([branch, *conditions]) + tail
        for branch in branches
    ]
    if len(selects) == 1:
        return selects[0], arguments
    return _MERGED_PAGE + _BETWEEN_BRANCHES.join(selects) + ")) AS page" + tail, arguments


class PaymentRepository:
    """`session`: the change's transaction. `autocommit` (optional): a session whose statements
    commit one by one, for reads that need no lock and for a change that is alone in its
    transaction (`write(alone=True)`): one round trip, no BEGIN and COMMIT."""

    def __init__(self, session: AsyncSession, *, autocommit: AsyncSession | None = None) -> None:
        self.session = session
        self.autocommit = autocommit

    async def get_for_update(self, payment_id: uuid.UUID) -> PaymentRow | None:
        """The payment row, locked until the transaction ends (detached: changes to it are
        written by `write`)."""
        result = await self.session.execute(
            select(*_PAYMENT_COLUMNS).where(col(Payment.id) == payment_id).with_for_update()
        )
        row = result.first()
        return PaymentRow(**row._mapping) if row else None

    async def locked_with_ledger(
        self, payment_id: uuid.UUID
    ) -> tuple[PaymentRow, list[LedgerEntry]] | None:
        """As `get_for_update`, with the payment's ledger, oldest first, in the same round
        trip. Every writer of a ledger holds its payment's lock first, so the ledger read is
        the whole ledger until this transaction ends."""
        result = await self.session.execute(
            select(*_PAYMENT_COLUMNS, *_ENTRY_COLUMNS)
            .outerjoin(_ENTRY, _ENTRY.c.payment_id == col(Payment.id))
            .where(col(Payment.id) == payment_id)
            .order_by(_ENTRY.c.seq)
            .with_for_update(of=Payment)
        )
        rows = result.all()
        if not rows:
            return None
        first = rows[0]._mapping
        payment = PaymentRow(**{column.key: first[column.key] for column in _PAYMENT_COLUMNS})
        ledger = [
            LedgerEntry(
                payment_id=payment.id,
                transaction_type=row.entry_type,
                amount=row.entry_amount,
                status=row.entry_status,
                metadata_=row.entry_metadata,
                created_at=row.entry_created_at,
                id=row.entry_id,
            )
            for row in rows
            if row.entry_id is not None
        ]
        return payment, ledger

    async def write(
        self,
        changes: Changes,
        *,
        claim: KeyClaim | None = None,
        answered_key: uuid.UUID | None = None,
        alone: bool = False,
    ) -> Written | None:
        """Everything of `changes` in one statement (one round trip). With `claim`, only when
        the key is free or expired (a concurrent claimer waits on the unique index until the
        holder's transaction ends) — else nothing is written and the answer is None. The new
        payment, as stored, becomes the key's answer (`claim`, or the already claimed
        `answered_key`). `alone`: the statement is a transaction of its own (committed when
        it returns) unless the session's transaction has already begun."""
        session = self.session
        if alone and self.autocommit is not None and not self.session.in_transaction():
            session = self.autocommit
        rows = await fetch(session, _WRITE, *_write_arguments(changes, claim, answered_key))
        written = {row[0]: (row[1], row[2]) for row in rows}
        return written or None

    async def get_many(self, ids: Sequence[uuid.UUID], scope: Scope) -> list[PaymentRow]:
        arguments: list[Any] = [list(ids)]
        conditions = ["id = ANY($1::uuid[])", *scope.sql(arguments)]
        rows = await fetch(
            self.session, _SELECT_PAYMENTS + " WHERE " + " AND ".join(conditions), *arguments
        )
        return [PaymentRow(*row) for row in rows]

    async def page(
        self, scope: Scope, where: PaymentFilter, keyset: Keyset, size: int
    ) -> list[PaymentRow]:
        statement, arguments = page_statement(scope, where, keyset, size)
        return [PaymentRow(*row) for row in await fetch(self.session, statement, *arguments)]

    async def pages_per_owner(
        self, owners: Sequence[uuid.UUID], scope: Scope, keyset: Keyset, size: int
    ) -> dict[uuid.UUID, list[PaymentRow]]:
        """The first `size` payments of each owner in one query (an index range per owner)."""
        arguments: list[Any] = [list(dict.fromkeys(owners))]
        conditions = ["user_id = owner_id", *scope.sql(arguments), *keyset.sql(arguments)]
        arguments.append(size)
        order = keyset.order_by_sql()
        statement = (
            _OWNERS_PAGES
            + _SELECT_PAYMENTS
            + " WHERE "
            + " AND ".join(conditions)
            + f" ORDER BY {order} LIMIT ${len(arguments)}) AS page ORDER BY owner_id, {order}"
        )
        pages: dict[uuid.UUID, list[PaymentRow]] = defaultdict(list)
        for row in await fetch(self.session, statement, *arguments):
            payment = PaymentRow(*row)
            pages[payment.user_id].append(payment)
        return pages

    async def transactions_of(
        self, payment_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[LedgerEntry]]:
        """Each payment's ledger, oldest first, in one query."""
        ledgers: dict[uuid.UUID, list[LedgerEntry]] = defaultdict(list)
        for row in await fetch(self.session, _SELECT_LEDGERS, list(payment_ids)):
            entry = LedgerEntry(*row)  # the columns are selected in LedgerEntry's order
            ledgers[entry.payment_id].append(entry)
        return ledgers

    async def history(
        self,
        party: Party | None,
        *,
        payment_id: uuid.UUID | None,
        before_seq: int | None,
        size: int,
    ) -> list[HistoryEntry]:
        """Ledger rows newest first, of the payments `party` is a party to (None: of every
        payment), of one payment, before `before_seq`."""
        arguments: list[Any] = [size]

        def bind(value: Any, type_: str) -> str:
            arguments.append(value)
            return f"${len(arguments)}::{type_}"

        entries: list[str] = []  # conditions on the ledger rows
        if before_seq is not None:
            entries.append(f"seq < {bind(before_seq, 'bigint')}")
        if payment_id is not None:
            entries.append(f"payment_id = {bind(payment_id, 'uuid')}")
        if party is None:
            statement = _LEDGER_HISTORY.format(columns=_HISTORY_COLUMNS, where=_all(entries))
        else:
            parties = [f"party_id = {bind(party.user_id, 'uuid')}"]
            if party.owned_only:
                parties.append("owns")
            if payment_id is None:
                statement = _PARTY_HISTORY.format(
                    columns=_HISTORY_COLUMNS, where=_all([*parties, *entries])
                )
            else:
                party_of_entry = (
                    "EXISTS (SELECT FROM payments.ledger_parties AS party "
                    f"WHERE party.seq = e.seq AND {_all(parties)})"
                )
                statement = _LEDGER_HISTORY.format(
                    columns=_HISTORY_COLUMNS, where=_all([*entries, party_of_entry])
                )
        rows = await fetch(self.session, statement, *arguments)
        return [HistoryEntry(LedgerEntry(*row[:-1]), row[-1]) for row in rows]

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
        """(id, role, email) of an account, by id or else by email (read-only, `_AUTH_USERS`;
        in autocommit when there is a session for it)."""
        query = select(_AUTH_USERS.c.id, _AUTH_USERS.c.role, _AUTH_USERS.c.email)
        if user_id is not None:
            query = query.where(_AUTH_USERS.c.id == user_id)
        else:
            query = query.where(_AUTH_USERS.c.email == email)
        found = (await (self.autocommit or self.session).execute(query)).first()
        return (found[0], found[1], found[2]) if found else None


class IdempotencyRepository:
    """`autocommit` (optional): a session for `get`, a read that needs no transaction."""

    def __init__(self, session: AsyncSession, *, autocommit: AsyncSession | None = None) -> None:
        self.session = session
        self.autocommit = autocommit

    async def claim(self, claim: KeyClaim) -> uuid.UUID | None:
        """Take the key for this request, its answer to come; None when another request holds
        it (unexpired). A concurrent claimer of the same key waits here until the holder's
        transaction ends (the unique index), then gets None — or the key, when the holder
        rolled back."""
        rows = await fetch(self.session, _CLAIM, *_claim_arguments(claim, None))
        return rows[0][0] if rows else None

    async def get(self, user_id: uuid.UUID, key: str) -> IdempotencyKey | None:
        result = await (self.autocommit or self.session).execute(
            select(IdempotencyKey)
            .where(
                col(IdempotencyKey.user_id) == user_id, col(IdempotencyKey.idempotency_key) == key
            )
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()


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


# Statements of `PaymentRepository.write` and `IdempotencyRepository.claim`: every value is a
# parameter; one text each, prepared once per connection.

_CLAIM = """INSERT INTO payments.idempotency_keys AS k
    (user_id, idempotency_key, fingerprint, payment_id, response, created_at, expires_at)
SELECT $1::uuid, $2::text, $3::text, $4::uuid,
    $5::text::jsonb || jsonb_build_object('created_at', now(), 'updated_at', now()),
    now(), now() + $6::interval
WHERE $2::text IS NOT NULL
ON CONFLICT ON CONSTRAINT uq_idempotency_keys_user_id DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, payment_id = EXCLUDED.payment_id,
    response = EXCLUDED.response, created_at = EXCLUDED.created_at,
    expires_at = EXCLUDED.expires_at
WHERE k.expires_at <= now()
RETURNING k.id"""
"""Take key $2 of user $1 unless another request holds it unexpired: its answer is payment $4
($5: the payment as JSON, without the timestamps that the database adds), or none yet."""

_WRITE = """WITH claim AS (CLAIM),
go AS (SELECT $2::text IS NULL OR EXISTS (SELECT FROM claim) AS ok),
answered AS (
    UPDATE payments.idempotency_keys
    SET payment_id = $4::uuid,
        response = $5::text::jsonb || jsonb_build_object('created_at', now(), 'updated_at', now())
    WHERE id = $7::uuid),
rows AS (
    SELECT r.* FROM go, unnest($8::uuid[], $9::uuid[], $10::numeric[], $11::text[], $12::text[],
        $13::text[], $14::text[], $15::text[], $16::uuid[], $17::uuid[], $18::bool[])
        AS r(id, user_id, amount, currency, status, type, description, metadata, customer_id,
             pays_payment_id, is_new)
    WHERE go.ok),
created AS (
    INSERT INTO payments.payments (id, user_id, amount, currency, status, type, description,
        metadata, customer_id, pays_payment_id, created_at, updated_at)
    SELECT id, user_id, amount, currency, status, type, description, metadata::jsonb,
        customer_id, pays_payment_id, now(), now()
    FROM rows WHERE is_new
    RETURNING id, created_at, updated_at),
changed AS (
    UPDATE payments.payments AS p
    SET status = r.status, amount = r.amount, description = r.description,
        metadata = r.metadata::jsonb, customer_id = r.customer_id
    FROM rows AS r WHERE p.id = r.id AND NOT r.is_new
    RETURNING p.id, p.created_at, p.updated_at),
ledger AS (
    INSERT INTO payments.payment_transactions
        (id, payment_id, transaction_type, amount, status, metadata, created_at)
    SELECT t.id, t.payment_id, t.kind, t.amount, t.status, t.metadata::jsonb, t.at
    FROM go, unnest($19::uuid[], $20::uuid[], $21::text[], $22::numeric[], $23::text[],
        $24::text[], $25::timestamptz[])
        WITH ORDINALITY AS t(id, payment_id, kind, amount, status, metadata, at, n)
    WHERE go.ok
    ORDER BY t.n),  -- the identity `seq` follows the order of the steps
outbox AS (
    INSERT INTO events.outbox (id, topic, key, payload, created_at)
    SELECT e.id, e.topic, e.key, e.payload::jsonb, e.at
    FROM go, unnest($26::uuid[], $27::text[], $28::text[], $29::text[], $30::timestamptz[])
        AS e(id, topic, key, payload, at)
    WHERE go.ok)
SELECT * FROM created UNION ALL SELECT * FROM changed""".replace("CLAIM", _CLAIM)
"""A change in one statement: the claim of key $2 (when given) decides whether anything is
written; else key $7 (when given) gets its answer. Foreign keys are checked at the statement's
end, so rows may refer to the payment inserted beside them."""


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _claim_arguments(claim: KeyClaim | None, answer: PaymentRow | None) -> tuple[Any, ...]:
    """$1 to $6 of `_CLAIM`: the key (or none) and the payment answering it (or none yet; its
    timestamps are the database's, added by the statement)."""
    answer_id, response = None, None
    if answer is not None:
        answer_id = answer.id
        response = _PAYMENT_JSON.dump_json(answer, exclude=_WRITTEN_BY_DATABASE).decode()
    if claim is None:
        return None, None, None, answer_id, response, None
    return claim.user_id, claim.key, claim.fingerprint, answer_id, response, claim.ttl


def _write_arguments(
    changes: Changes, claim: KeyClaim | None, answered_key: uuid.UUID | None
) -> tuple[Any, ...]:
    answer = changes.new if claim is not None or answered_key is not None else None
    payments = [changes.new] if changes.new is not None else []
    payments.extend(changes.changed)
    transactions, events = changes.transactions, changes.events
    return (
        *_claim_arguments(claim, answer),
        answered_key,
        [p.id for p in payments],
        [p.user_id for p in payments],
        [p.amount for p in payments],
        [p.currency for p in payments],
        [p.status for p in payments],
        [p.type for p in payments],
        [p.description for p in payments],
        [_json(p.metadata_) for p in payments],
        [p.customer_id for p in payments],
        [p.pays_payment_id for p in payments],
        [p is changes.new for p in payments],
        [t.id for t in transactions],
        [t.payment_id for t in transactions],
        [t.transaction_type for t in transactions],
        [t.amount for t in transactions],
        [t.status for t in transactions],
        [_json(t.metadata_) for t in transactions],
        [t.created_at for t in transactions],
        [e.id for e in events],
        [e.topic for e in events],
        [e.key for e in events],
        [_json(e.payload) for e in events],
        [e.created_at for e in events],
    )
