"""Validated inputs of the payments service."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shared.validation import CommandModel
from subgraphs.payments.currencies import ISO_4217
from subgraphs.payments.states import PaymentStatus, PaymentType

MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
MAX_PAGE = 100
DEFAULT_PAGE = 20
MAX_METADATA_BYTES = 8 * 1024
MAX_REPORT_DAYS = 366


def _cents(value: Decimal) -> Decimal:
    # Validation already refused more than two decimal places: this only fixes the exponent.
    return value.quantize(CENT)


def _small_json(value: dict[str, Any]) -> dict[str, Any]:
    if len(orjson.dumps(value)) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON")
    return value


def _known_currency(value: str) -> str:
    if value not in ISO_4217:
        raise ValueError("must be an ISO 4217 currency code in upper case (e.g. USD)")
    return value


Money = Annotated[
    Decimal,
    Field(
        gt=0,
        le=MAX_AMOUNT,
        max_digits=10,
        decimal_places=2,
        allow_inf_nan=False,
        description="More than 0, at most 99999999.99, at most two decimal places",
        json_schema_extra={"multipleOf": 0.01},
    ),
    AfterValidator(_cents),
]
Currency = Annotated[
    str,
    Field(
        description="An ISO 4217 code in upper case",
        json_schema_extra={"enum": sorted(ISO_4217)},
    ),
    AfterValidator(_known_currency),
]
Description = Annotated[str, StringConstraints(max_length=1000)]
Metadata = Annotated[dict[str, Any], AfterValidator(_small_json)]
IdempotencyKeyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]


class CreatePayment(CommandModel):
    """A VENDOR initiates a request (`initiate`, optionally addressed to a customer); a
    CUSTOMER makes a payment (`payment`), optionally paying a request (`paysPaymentId`, the
    amount then defaults to the request's)."""

    type: PaymentType
    amount: Money | None = None
    currency: Currency | None = None
    description: Description | None = None
    metadata: Metadata | None = None
    customer_id: uuid.UUID | None = None
    customer_email: Annotated[str, StringConstraints(max_length=254)] | None = None
    pays_payment_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CreatePayment:
        if self.type is PaymentType.initiate and self.pays_payment_id is not None:
            raise ValueError("paysPaymentId is only for payments")
        if self.type is PaymentType.payment and (self.customer_id or self.customer_email):
            raise ValueError("customerId and customerEmail are only for requests (initiate)")
        if self.customer_id is not None and self.customer_email is not None:
            raise ValueError("give customerId or customerEmail, not both")
        if self.amount is None and self.pays_payment_id is None:
            raise ValueError("amount is required")
        return self

    def fingerprint_source(self) -> bytes:
        """The request as it is compared for idempotency (validated, normalised)."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)


class UpdatePayment(CommandModel):
    amount: Money | None = None
    description: Description | None = None
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _something(self) -> UpdatePayment:
        if not self.model_fields_set:
            raise ValueError("give at least one of amount, description, metadata")
        return self


class ChangeStatus(CommandModel):
    status: PaymentStatus
    reason: Description | None = None


class SortField(StrEnum):
    created_at = "created_at"
    amount = "amount"


class SortOrder(StrEnum):
    asc = "asc"
    desc = "desc"


class Page(CommandModel):
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


class ListPayments(Page):
    status: PaymentStatus | None = None
    type: PaymentType | None = None
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    min_amount: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)
    max_amount: Decimal | None = Field(default=None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)
    sort: SortField = SortField.created_at
    order: SortOrder = SortOrder.desc


class History(Page):
    user_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None


class Report(CommandModel):
    """A report of the days `from` to `to` (both included, UTC); default: the last 30 days."""

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    user_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _range(self) -> Report:
        start, end = self.days
        if start > end:
            raise ValueError("from must not be after to")
        if (end - start).days >= MAX_REPORT_DAYS:
            raise ValueError(f"a report covers at most {MAX_REPORT_DAYS} days")
        return self

    @property
    def days(self) -> tuple[date, date]:
        end = self.to or datetime.now(UTC).date()
        return self.from_ or end - timedelta(days=29), end


class ProcessorOutcome(CommandModel):
    """The body of a processor webhook."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    payment_id: uuid.UUID
    status: Literal["processing", "completed", "failed"]
    reason: Description | None = None


class IdempotencyKey(CommandModel):
    value: IdempotencyKeyText = Field(alias="idempotencyKey")
