"""GraphQL types of the payments subgraph (output side), built from rows and service results."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.scalars import JSON

from shared.pagination import Page
from subgraphs.payments import commands
from subgraphs.payments.models import Payment
from subgraphs.payments.repository import HistoryEntry, LedgerEntry, PaymentRow
from subgraphs.payments.service import PaymentReport, Totals
from subgraphs.payments.states import PaymentStatus, PaymentType

PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
PaymentTypeEnum = strawberry.enum(PaymentType, name="PaymentType")
SortFieldEnum = strawberry.enum(commands.SortField, name="PaymentSortField")
SortOrderEnum = strawberry.enum(commands.SortOrder, name="PaymentSortOrder")


# The enum members by value: a dict look-up per row, not the enum's call (~80 a page).
_STATUS = {member.value: member for member in PaymentStatus}
_TYPE = {member.value: member for member in PaymentType}
_EXACT = 2**63  # `commands.storable` turns integers from here on into floats


def _as_stored(value: Any) -> bool:
    """Whether `commands.storable` gives `value` back unchanged (a cheap, exact check: ASCII
    text without NUL, numbers within 64 bits, and containers of those; anything else, such
    as a subclass of these, is left to `storable`)."""
    kind = type(value)
    if kind is str:
        return value.isascii() and "\x00" not in value
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii() or "\x00" in key:
                return False
            if not _as_stored(item):
                return False
        return True
    if kind is bool or kind is float or value is None:
        return True
    if kind is int:
        return -_EXACT < value < _EXACT
    if kind is list:
        return all(_as_stored(item) for item in value)
    return False


def readable(metadata: Any) -> Any:
    """Metadata as `commands.storable` makes it, without rebuilding a document it leaves
    unchanged (nearly all: ~80 of them in a page of payments)."""
    return metadata if _as_stored(metadata) else commands.storable(metadata)


@strawberry.type(name="PaymentPageInfo", description="Where a page ends, whether more follow.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    limit: int = strawberry.field(description="The page size applied (clamped to 1..100).")

    @classmethod
    def of(cls, page: Page[Any]) -> PageInfo:
        return cls(has_next_page=page.has_next_page, end_cursor=page.end_cursor, limit=page.limit)


@strawberry.type(name="PaymentTransaction", description="One append-only ledger row.")
class TransactionNode:
    id: uuid.UUID
    payment_id: uuid.UUID
    transaction_type: str
    amount: Decimal
    status: PaymentStatusEnum  # type: ignore[valid-type]
    metadata: JSON | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: LedgerEntry) -> TransactionNode:
        return cls(
            id=row.id,
            payment_id=row.payment_id,
            transaction_type=row.transaction_type,
            amount=row.amount,
            status=_STATUS.get(row.status) or PaymentStatus(row.status),
            metadata=JSON(readable(row.metadata_)),
            created_at=row.created_at,
        )


@strawberry.type(name="PaymentTransactionEdge")
class TransactionEdge:
    cursor: str
    node: TransactionNode


@strawberry.type(name="PaymentTransactionConnection", description="Ledger rows, newest first.")
class TransactionConnection:
    edges: list[TransactionEdge]
    page_info: PageInfo

    @classmethod
    def from_page(cls, page: Page[HistoryEntry]) -> TransactionConnection:
        return cls(
            edges=[
                TransactionEdge(cursor=cursor, node=TransactionNode.from_row(row.entry))
                for row, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo.of(page),
        )


@strawberry.type(
    name="PaymentStatusTotals", description="Count, sum and average (2 places) of a group."
)
class StatusTotals:
    status: PaymentStatusEnum  # type: ignore[valid-type]
    currency: str
    count: int
    total: Decimal
    average: Decimal


@strawberry.type(name="PaymentCurrencyTotals")
class CurrencyTotals:
    currency: str
    count: int
    total: Decimal
    average: Decimal


@strawberry.type(name="PaymentDayTotals")
class DayTotals:
    day: date
    currency: str
    count: int
    total: Decimal
    average: Decimal


@strawberry.type(name="PaymentReport", description="Totals of the payments created in a range.")
class ReportNode:
    from_: date = strawberry.field(name="from")
    to: date
    by_status: list[StatusTotals]
    by_currency: list[CurrencyTotals]
    by_day: list[DayTotals]

    @classmethod
    def from_report(cls, report: PaymentReport) -> ReportNode:
        def numbers(t: Totals) -> dict[str, Any]:
            return {
                "currency": t.currency,
                "count": t.count,
                "total": t.total,
                "average": t.average,
            }

        return cls(
            from_=report.start,
            to=report.end,
            by_status=[
                StatusTotals(status=PaymentStatus(str(t.status)), **numbers(t))
                for t in report.by_status
            ],
            by_currency=[CurrencyTotals(**numbers(t)) for t in report.by_currency],
            by_day=[DayTotals(day=t.day, **numbers(t)) for t in report.by_day if t.day],
        )


def payment_fields(payment: Payment | PaymentRow) -> dict[str, Any]:
    """The constructor arguments of the `Payment` type for a row."""
    return {
        "id": payment.id,
        "amount": payment.amount,
        "currency": payment.currency,
        "status": _STATUS.get(payment.status) or PaymentStatus(payment.status),
        "type": _TYPE.get(payment.type) or PaymentType(payment.type),
        "description": payment.description,
        "metadata": readable(payment.metadata_),
        "pays_payment_id": payment.pays_payment_id,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "user_id": payment.user_id,
        "customer_id": payment.customer_id,
    }
