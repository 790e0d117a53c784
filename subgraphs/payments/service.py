"""The rules of payments: who may create, see, change and cancel which payment, the state
machine's use, idempotent creation, processing and reports.

Every entry point takes validated commands and the caller's claims, so it behaves the same
from GraphQL, REST, the processor webhook or a test. Objects another user may not see are
answered as not found (404), never as forbidden."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Forbidden, NotFound
from shared.ids import uuid7
from shared.models import utcnow
from shared.pagination import InvalidCursor, Page, PageQuery, decode, page_of
from shared.rbac import Role
from shared.security.tokens import AccessClaims
from subgraphs.payments import commands
from subgraphs.payments.currencies import DEFAULT_CURRENCY
from subgraphs.payments.errors import (
    AmountAboveLimit,
    IdempotencyKeyReused,
    PaymentNotEditable,
    RequestNotPayable,
    UnknownCustomer,
)
from subgraphs.payments.ledger import Ledger
from subgraphs.payments.processors import InternalLedgerProcessor, PaymentProcessor
from subgraphs.payments.repository import (
    HistoryEntry,
    IdempotencyRepository,
    KeyClaim,
    Keyset,
    LedgerEntry,
    Party,
    PaymentFilter,
    PaymentRepository,
    PaymentRow,
    ProcessorEventRepository,
    Scope,
    payment_of_answer,
)
from subgraphs.payments.states import (
    EDITABLE,
    INITIAL_STATUS,
    PaymentStatus,
    PaymentType,
    is_terminal,
    path_to,
)

CREATOR_OF = {PaymentType.initiate: Role.VENDOR, PaymentType.payment: Role.CUSTOMER}
FOLLOW_SOURCE = "request_follow"


@dataclass(frozen=True, slots=True)
class Totals:
    count: int
    total: Decimal
    average: Decimal
    currency: str
    status: str | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class PaymentReport:
    start: date
    end: date
    by_status: list[Totals]
    by_currency: list[Totals]
    by_day: list[Totals]


def scope_of(viewer: AccessClaims) -> Scope:
    """ADMIN sees every payment; anyone else their own and requests addressed to them."""
    return Scope(None if viewer.role is Role.ADMIN else viewer.user_id)


AmountLimit = Callable[[], Awaitable[Decimal]]
"""Reads the platform's current largest accepted amount (`payments.max_amount`)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A change's answer: the payment, and its whole ledger as the change knows it (None when
    it does not: a replay of an earlier request's answer)."""

    payment: PaymentRow
    transactions: list[LedgerEntry] | None


class PaymentService:
    def __init__(
        self,
        session: AsyncSession,
        processor: PaymentProcessor | None = None,
        *,
        idempotency_ttl: timedelta = timedelta(hours=24),
        max_amount: AmountLimit | None = None,
        autocommit: AsyncSession | None = None,
    ) -> None:
        """`autocommit`: a session whose statements commit one by one, for the reads that need
        no lock and for a change written in one statement before anything else in `session`
        (`create` of a request or a payment of none); given only when nothing after the change
        can fail the operation (`RequestContext.autocommit_session`)."""
        self.session = session
        self.max_amount = max_amount
        self.payments = PaymentRepository(session, autocommit=autocommit)
        self.keys = IdempotencyRepository(session, autocommit=autocommit)
        self.processor_events = ProcessorEventRepository(session)
        self.ledger = Ledger(self.payments)
        self.processor = processor or InternalLedgerProcessor()
        self.idempotency_ttl = idempotency_ttl

    # Creating --------------------------------------------------------------------------------

    async def create(
        self,
        viewer: AccessClaims,
        data: commands.CreatePayment,
        idempotency_key: str | None = None,
    ) -> Answer:
        """Create once per Idempotency-Key: a repeat with the same body gets the first answer
        (a concurrent repeat waits for it), with another body IDEMPOTENCY_KEY_REUSED."""
        if CREATOR_OF[data.type] is not viewer.role:
            raise Forbidden(
                f"Only a {CREATOR_OF[data.type].value} can create a payment of type "
                f"{data.type.value}"
            )
        await self._check_amount(data.amount)
        claim = None
        if idempotency_key is not None:
            fingerprint = hashlib.sha256(data.fingerprint_source()).hexdigest()
            claim = KeyClaim(viewer.user_id, idempotency_key, fingerprint, self.idempotency_ttl)
        if data.pays_payment_id is not None:
            payment = await self._pay_request(viewer, data, data.pays_payment_id, claim)
        else:
            payment = await self._open(viewer, data, claim)
        if payment is None:
            assert claim is not None
            return Answer(await self._replay(claim), None)
        return Answer(payment, self.ledger.transactions_of(payment.id))

    async def _check_amount(self, amount: Decimal | None) -> None:
        if amount is None or self.max_amount is None:
            return
        limit = await self.max_amount()
        if amount > limit:
            raise AmountAboveLimit(details={"maxAmount": str(limit)})

    async def _replay(self, claim: KeyClaim) -> PaymentRow:
        stored = await self.keys.get(claim.user_id, claim.key)
        if stored is None or stored.response is None:
            raise AssertionError("an idempotency key was held without its response")
        if stored.fingerprint != claim.fingerprint:
            raise IdempotencyKeyReused(details={"idempotencyKey": claim.key})
        return payment_of_answer(stored.response)

    async def _open(
        self, viewer: AccessClaims, data: commands.CreatePayment, claim: KeyClaim | None
    ) -> PaymentRow | None:
        """A request (initiate) or a payment of no request, written with its key in one
        statement (nothing is locked before it, so a concurrent repeat waits on the key), a
        transaction of its own unless the request's transaction holds something already;
        None when the key is another request's."""
        payment = self._new(viewer, data, data.amount, data.currency or DEFAULT_CURRENCY)
        if data.customer_id is not None or data.customer_email is not None:
            payment.customer_id = await self._customer(data)
        self.ledger.open(payment, actor=viewer.user_id)
        if data.type is PaymentType.payment:
            await self._submit(payment)
        return payment if await self.ledger.write(claim, alone=True) else None

    async def _customer(self, data: commands.CreatePayment) -> uuid.UUID:
        """The addressed customer; given both an id and an email, they must name the same."""
        email = data.customer_email.strip().lower() if data.customer_email else None
        found = await self.payments.find_user(user_id=data.customer_id, email=email)
        if found is None or found[1] != Role.CUSTOMER.value or (email and found[2] != email):
            raise UnknownCustomer("The request must be addressed to an existing customer")
        return found[0]

    async def _pay_request(
        self,
        viewer: AccessClaims,
        data: commands.CreatePayment,
        request_id: uuid.UUID,
        claim: KeyClaim | None,
    ) -> PaymentRow | None:
        """Pay a VENDOR's request: the request (locked) moves to processing and follows the
        payment's outcome. An unaddressed request becomes addressed to its payer. The key is
        claimed before the request is locked, so a concurrent repeat waits for the first
        answer rather than finding the request already paid."""
        key_id = await self.keys.claim(claim) if claim is not None else None
        if claim is not None and key_id is None:
            return None
        request = await self._hold(request_id)
        if (
            request is None
            or request.type != PaymentType.initiate.value
            or request.customer_id not in (None, viewer.user_id)
        ):
            raise NotFound("Payment request not found")
        if request.status != PaymentStatus.initiated.value:
            raise RequestNotPayable(
                f"The request is {request.status}", details={"status": request.status}
            )
        amount, currency = data.amount, data.currency or request.currency
        if (amount, currency) != (request.amount, request.currency):
            raise RequestNotPayable(
                "A request is paid in full, in its currency",
                details={"amount": str(request.amount), "currency": request.currency},
            )
        request.customer_id = viewer.user_id
        payment = self.ledger.open(self._new(viewer, data, amount, currency), actor=viewer.user_id)
        self.ledger.move(
            request,
            PaymentStatus.processing,
            actor=viewer.user_id,
            source="user",
            reason=f"paid by payment {payment.id}",
        )
        await self._submit(payment)
        await self.ledger.write(answered_key=key_id)
        return payment

    def _new(
        self, viewer: AccessClaims, data: commands.CreatePayment, amount: Decimal, currency: str
    ) -> PaymentRow:
        """A payment in memory; its timestamps are the database's transaction time, set when
        it is written (as the updated_at trigger uses: never updated before it was created)."""
        now = utcnow()  # replaced by the database's time when written
        return PaymentRow(
            id=uuid7(),
            created_at=now,
            updated_at=now,
            customer_id=None,
            user_id=viewer.user_id,
            type=data.type.value,
            status=INITIAL_STATUS[data.type].value,
            amount=amount,
            currency=currency,
            description=data.description,
            metadata_=data.metadata,
            pays_payment_id=data.pays_payment_id,
        )

    async def _submit(self, payment: PaymentRow) -> None:
        async def report(status: PaymentStatus) -> None:
            await self._advance(payment, status, actor=None, source=self.processor.name)

        await self.processor.submit(payment, report)

    # Changing --------------------------------------------------------------------------------

    async def update(
        self, viewer: AccessClaims, payment_id: uuid.UUID, data: commands.UpdatePayment
    ) -> Answer:
        """Description, metadata and amount, while pending or initiated; a VENDOR only their
        own payments."""
        payment, ledger = await self._locked(viewer, payment_id, owner_only=True)
        if PaymentStatus(payment.status) not in EDITABLE:
            raise PaymentNotEditable(details={"status": payment.status})
        fields = data.model_fields_set
        if "amount" in fields and data.amount is not None:
            if payment.pays_payment_id is not None:
                raise PaymentNotEditable("A payment of a request carries the request's amount")
            await self._check_amount(data.amount)
            self.ledger.reprice(payment, data.amount, actor=viewer.user_id)
        if "description" in fields:
            payment.description = data.description
        if "metadata" in fields:
            payment.metadata_ = data.metadata
        self.ledger.edit(payment)
        return await self._written(payment, ledger)

    async def cancel(self, viewer: AccessClaims, payment_id: uuid.UUID) -> Answer:
        payment, ledger = await self._locked(viewer, payment_id, owner_only=True)
        await self._advance(
            payment, PaymentStatus.cancelled, actor=viewer.user_id, source=_source(viewer)
        )
        return await self._written(payment, ledger)

    async def change_status(
        self, viewer: AccessClaims, payment_id: uuid.UUID, data: commands.ChangeStatus
    ) -> Answer:
        """One step of the state machine, by an ADMIN (the field's guard)."""
        payment, ledger = await self._locked(viewer, payment_id, owner_only=False)
        await self._advance(
            payment,
            data.status,
            actor=viewer.user_id,
            source=_source(viewer),
            reason=data.reason,
            direct=True,
        )
        return await self._written(payment, ledger)

    async def _written(self, payment: PaymentRow, ledger: list[LedgerEntry]) -> Answer:
        """Write the change; the answer is `payment` with its ledger: as it was locked, and the
        rows the change added."""
        await self.ledger.write()
        return Answer(payment, ledger + self.ledger.transactions_of(payment.id))

    async def apply_processor_outcome(self, outcome: commands.ProcessorOutcome) -> bool:
        """Apply a processor's report once; False when the event was already applied."""
        payment = await self._hold(outcome.payment_id)
        if payment is None:
            raise NotFound("Payment not found")
        if not await self.processor_events.claim(outcome.id, payment.id, outcome.status):
            return False
        await self._advance(
            payment,
            PaymentStatus(outcome.status),
            actor=None,
            source=self.processor.name,
            reason=outcome.reason,
        )
        await self.ledger.write()
        return True

    async def _advance(
        self,
        payment: PaymentRow,
        target: PaymentStatus,
        *,
        actor: uuid.UUID | None,
        source: str,
        reason: str | None = None,
        direct: bool = False,
    ) -> None:
        """Move `payment` to `target` (through `processing` for a processor's outcome unless
        `direct`); a payment of a request that ends takes its request (if still processing)
        to the same end."""
        steps = [target] if direct else path_to(PaymentStatus(payment.status), target)
        for step in steps:
            self.ledger.move(payment, step, actor=actor, source=source, reason=reason)
        status = PaymentStatus(payment.status)
        if payment.pays_payment_id is None or not is_terminal(status):
            return
        request = await self._hold(payment.pays_payment_id)
        if request is not None and request.status == PaymentStatus.processing.value:
            self.ledger.move(
                request,
                status,
                actor=actor,
                source=FOLLOW_SOURCE,
                reason=f"payment {payment.id} {status.value}",
            )

    async def _hold(self, payment_id: uuid.UUID) -> PaymentRow | None:
        """The payment as this change has it, else locked from the database."""
        held = self.ledger.held(payment_id)
        return held if held is not None else await self.payments.get_for_update(payment_id)

    async def _locked(
        self, viewer: AccessClaims, payment_id: uuid.UUID, *, owner_only: bool
    ) -> tuple[PaymentRow, list[LedgerEntry]]:
        """The payment locked for a change, with its ledger: 404 when the viewer cannot see
        it, 403 when they can but (`owner_only`) it is not theirs and they are not an ADMIN."""
        found = await self.payments.locked_with_ledger(payment_id)
        if found is None or not _sees(viewer, found[0]):
            raise NotFound("Payment not found")
        payment = found[0]
        if owner_only and viewer.role is not Role.ADMIN and payment.user_id != viewer.user_id:
            raise Forbidden("Only the payment's owner or an ADMIN can change it")
        return found

    # Reading ---------------------------------------------------------------------------------

    async def get(self, viewer: AccessClaims, payment_id: uuid.UUID) -> PaymentRow:
        found = await self.payments.get_many([payment_id], scope_of(viewer))
        if not found:
            raise NotFound("Payment not found")
        return found[0]

    async def visible_by_ids(
        self, viewer: AccessClaims, payment_ids: Sequence[uuid.UUID]
    ) -> list[PaymentRow | None]:
        """In the order asked, None where there is none the viewer may see (DataLoaders)."""
        found = {p.id: p for p in await self.payments.get_many(payment_ids, scope_of(viewer))}
        return [found.get(payment_id) for payment_id in payment_ids]

    async def transactions_of(self, payment_ids: Sequence[uuid.UUID]) -> list[list[LedgerEntry]]:
        """Ledgers of payments already shown to the viewer, oldest first (DataLoaders)."""
        ledgers = await self.payments.transactions_of(payment_ids)
        return [ledgers.get(payment_id, []) for payment_id in payment_ids]

    async def list_payments(
        self, viewer: AccessClaims, query: commands.ListPayments
    ) -> Page[PaymentRow]:
        scope_name = f"payments:{query.sort.value}:{query.order.value}"
        keyset = Keyset(
            query.sort.value,
            descending=query.order is commands.SortOrder.desc,
            after=_payment_key(query.cursor, scope_name, query.sort) if query.cursor else None,
        )
        where = PaymentFilter(
            status=query.status.value if query.status else None,
            type=query.type.value if query.type else None,
            created_from=query.from_,
            created_to=query.to,
            min_amount=query.min_amount,
            max_amount=query.max_amount,
        )
        rows = await self.payments.page(scope_of(viewer), where, keyset, query.limit + 1)
        return page_of(rows, query.limit, lambda p: (scope_name, getattr(p, keyset.column), p.id))

    async def pages_of_owners(
        self, viewer: AccessClaims, owners: Sequence[uuid.UUID], first: int, after: str | None
    ) -> list[Page[PaymentRow]]:
        """`User.payments` of many users at once: each owner's payments the viewer may see,
        newest first."""
        query = PageQuery(limit=first, cursor=after)
        scope_name = "payments:created_at:desc"
        key = _payment_key(after, scope_name, commands.SortField.created_at) if after else None
        keyset = Keyset("created_at", descending=True, after=key)
        pages = await self.payments.pages_per_owner(
            owners, scope_of(viewer), keyset, query.limit + 1
        )
        return [
            page_of(pages.get(owner, []), query.limit, lambda p: (scope_name, p.created_at, p.id))
            for owner in owners
        ]

    async def history(self, viewer: AccessClaims, query: commands.History) -> Page[HistoryEntry]:
        """Ledger rows of the payments the viewer sees, newest first; only an ADMIN may ask
        for another user's (`userId`: the payments that user owns)."""
        if viewer.role is Role.ADMIN:
            party = None if query.user_id is None else Party(query.user_id, owned_only=True)
        elif query.user_id in (None, viewer.user_id):
            party = Party(viewer.user_id, owned_only=query.user_id is not None)
        else:
            raise Forbidden("Only an ADMIN can read another user's history")
        before = int(decode(query.cursor, "history", 1)[0]) if query.cursor else None
        rows = await self.payments.history(
            party, payment_id=query.payment_id, before_seq=before, size=query.limit + 1
        )
        return page_of(rows, query.limit, lambda row: ("history", row.seq))

    async def report(self, viewer: AccessClaims, query: commands.Report) -> PaymentReport:
        """Totals of the viewer's own payments (an ADMIN: everyone's, or one user's)."""
        if viewer.role is Role.ADMIN:
            owner = query.user_id
        elif query.user_id in (None, viewer.user_id):
            owner = viewer.user_id
        else:
            raise Forbidden("Only an ADMIN can report on another user's payments")
        start, end = query.days
        rows = await self.payments.totals(
            owner_id=owner,
            start=datetime.combine(start, time.min, UTC),
            end=(  # the day after `end`, or the calendar's last instant when `end` is its last day
                datetime.combine(end + timedelta(days=1), time.min, UTC)
                if end < date.max
                else datetime.max.replace(tzinfo=UTC)
            ),
        )
        groups: dict[int, list[Totals]] = {1: [], 2: [], 3: []}
        for row in rows:
            groups[row.level].append(
                Totals(
                    count=row.payments,
                    total=row.total,
                    average=row.average,
                    currency=row.currency,
                    status=row.status,
                    day=row.day,
                )
            )
        return PaymentReport(
            start, end, by_status=groups[1], by_currency=groups[3], by_day=groups[2]
        )


def _sees(viewer: AccessClaims, payment: PaymentRow) -> bool:
    return viewer.role is Role.ADMIN or viewer.user_id in (payment.user_id, payment.customer_id)


def _source(viewer: AccessClaims) -> str:
    return "admin" if viewer.role is Role.ADMIN else "user"


def _payment_key(cursor: str, scope: str, sort: commands.SortField) -> tuple[Any, uuid.UUID]:
    value, raw_id = decode(cursor, scope, 2)
    try:
        key: Any = (
            Decimal(value) if sort is commands.SortField.amount else datetime.fromisoformat(value)
        )
        return key, uuid.UUID(raw_id)
    except (ValueError, InvalidOperation):
        raise InvalidCursor() from None
