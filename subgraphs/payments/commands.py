"""Validated inputs of the payments service. The JSON schema of each body model (the OpenAPI
document) states the same rules that are enforced, cross-field rules included."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.config import JsonDict

from shared.pagination import PageQuery
from shared.validation import CommandModel
from subgraphs.payments.currencies import ISO_4217
from subgraphs.payments.states import PaymentStatus, PaymentType

MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
MAX_METADATA_BYTES = 8 * 1024
REPORT_DAYS = 30
NO_NUL = r"^[^\u0000]*$"


def _cents(value: Decimal) -> Decimal:
    # Validation already refused more than two decimal places: this only fixes the exponent.
    return value.quantize(CENT)


def _storable_text(value: str) -> str:
    """Text PostgreSQL can store: a lone surrogate (valid JSON escape, not valid Unicode)
    becomes U+FFFD, as a lenient UTF-8 decoder would make it."""
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def storable(value: Any) -> Any:
    """A JSON value as it can be stored and exchanged (also applied when reading metadata back:
    JSONB writes a large float as an integer literal)."""
    if isinstance(value, str):
        return _storable_text(value.replace("\x00", "\ufffd"))
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, Decimal):  # REST bodies are read with exact decimals
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return float(value)  # JSON numbers beyond 64 bits are not exchanged exactly anyway
    return value


def _storable_json(value: dict[str, Any]) -> dict[str, Any]:
    """Metadata as PostgreSQL's JSONB stores it: numbers as JSON numbers, text with NUL and
    lone surrogates replaced by U+FFFD; at most MAX_METADATA_BYTES of JSON."""
    stored: dict[str, Any] = storable(value)
    if len(json.dumps(stored, ensure_ascii=False, allow_nan=False).encode()) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata must be at most {MAX_METADATA_BYTES} bytes of JSON")
    return stored


def _utc(value: datetime | None) -> datetime | None:
    """A bound in UTC (naive times are UTC); one beyond the calendar's ends becomes that end,
    which selects the same rows."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return (
            datetime.max.replace(tzinfo=UTC) if value.year > 1 else datetime.min.replace(tzinfo=UTC)
        )


def _known_currency(value: str) -> str:
    if value not in ISO_4217:
        raise ValueError("must be an ISO 4217 currency code in upper case (e.g. USD)")
    return value


Money = Annotated[
    Decimal,
    Field(gt=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2, allow_inf_nan=False),
    AfterValidator(_cents),
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": float(MAX_AMOUNT),
            "multipleOf": 0.01,
            "description": "More than 0, at most 99999999.99, at most two decimal places",
        }
    ),
]
Currency = Annotated[
    str,
    Field(
        description="An ISO 4217 code in upper case",
        json_schema_extra={"enum": sorted(ISO_4217)},
    ),
    AfterValidator(_known_currency),
]
Description = Annotated[
    str,
    BeforeValidator(lambda v: _storable_text(v) if isinstance(v, str) else v),
    StringConstraints(max_length=1000, pattern=NO_NUL),
]
Metadata = Annotated[dict[str, Any], AfterValidator(_storable_json)]
IdempotencyKeyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
]

# The cross-field rules of CreatePayment, for the JSON schema (the validator enforces them).
_TYPE_RULES: JsonDict = {
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "initiate"}}},
            "then": {"properties": {"paysPaymentId": {"type": "null"}}},
        },
        {
            "if": {"properties": {"type": {"const": "payment"}}},
            "then": {
                "properties": {"customerId": {"type": "null"}, "customerEmail": {"type": "null"}}
            },
        },
    ]
}


class CreatePayment(CommandModel):
    """A VENDOR initiates a request (`initiate`, optionally addressed to a customer by
    `customerId` or `customerEmail`); a CUSTOMER makes a payment (`payment`), optionally paying
    a request (`paysPaymentId`: the same amount and currency)."""

    model_config = ConfigDict(json_schema_extra=_TYPE_RULES)

    type: PaymentType
    amount: Money
    currency: Currency | None = None
    description: Description | None = None
    metadata: Metadata | None = None
    customer_id: uuid.UUID | None = None
    customer_email: Annotated[str, StringConstraints(max_length=254, pattern=NO_NUL)] | None = None
    pays_payment_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CreatePayment:
        if self.type is PaymentType.initiate and self.pays_payment_id is not None:
            raise ValueError("paysPaymentId is only for payments")
        if self.type is PaymentType.payment and (self.customer_id or self.customer_email):
            raise ValueError("customerId and customerEmail are only for requests (initiate)")
        return self

    def fingerprint_source(self) -> bytes:
        """The request as it is compared for idempotency (validated, normalised)."""
        return orjson.dumps(self.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)


class UpdatePayment(CommandModel):
    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

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


class ListPayments(PageQuery):
    status: PaymentStatus | None = None
    type: PaymentType | None = None
    from_: Annotated[datetime | None, AfterValidator(_utc)] = Field(default=None, alias="from")
    to: Annotated[datetime | None, AfterValidator(_utc)] = None
    min_amount: Decimal | None = Field(default=None, allow_inf_nan=False)
    max_amount: Decimal | None = Field(default=None, allow_inf_nan=False)
    sort: SortField = SortField.created_at
    order: SortOrder = SortOrder.desc


class History(PageQuery):
    user_id: uuid.UUID | None = None
    payment_id: uuid.UUID | None = None


class Report(CommandModel):
    """The days `from` to `to` (both included, UTC); default: the last 30 days. A range that
    ends before it starts is empty."""

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    user_id: uuid.UUID | None = None

    @property
    def days(self) -> tuple[date, date]:
        end = self.to or datetime.now(UTC).date()
        earliest = date.min + timedelta(days=REPORT_DAYS - 1)  # the calendar starts at year 1
        return self.from_ or (
            end - timedelta(days=REPORT_DAYS - 1) if end >= earliest else date.min
        ), end


class ProcessorOutcome(CommandModel):
    """The body of a processor webhook."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    payment_id: uuid.UUID
    status: Literal["processing", "completed", "failed"]
    reason: Description | None = None


class IdempotencyKey(CommandModel):
    value: IdempotencyKeyText = Field(alias="idempotencyKey")
