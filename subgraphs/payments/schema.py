"""The payments subgraph's GraphQL schema: thin resolvers over PaymentService.

`Payment` is an entity; `User` is auth's entity, to which this subgraph contributes
`User.payments`. Lists and entities go through per-request DataLoaders (set-based queries)."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Generator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from aiodataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info

from shared.config import Settings
from shared.config_store import PAYMENTS_MAX_AMOUNT
from shared.errors import AppError
from shared.graphql.context import RequestContext, context_of
from shared.graphql.permissions import guard
from shared.graphql.schema import SubgraphSchema, build_schema
from shared.graphql.selection import selects
from shared.pagination import DEFAULT_PAGE, Page, PageQuery
from shared.rbac import AUTHENTICATED, Role, roles
from shared.security.tokens import AccessClaims
from shared.validation import Command, command_input, parse_command, to_command
from subgraphs.payments import commands
from subgraphs.payments.live import Subscription
from subgraphs.payments.processors import PaymentProcessor, processor_for
from subgraphs.payments.repository import LedgerEntry, PaymentRow
from subgraphs.payments.service import AmountLimit, Answer, PaymentService
from subgraphs.payments.settings import PaymentsSettings
from subgraphs.payments.types import (
    PageInfo,
    PaymentStatusEnum,
    PaymentTypeEnum,
    ReportNode,
    SortFieldEnum,
    SortOrderEnum,
    TransactionConnection,
    TransactionNode,
    payment_fields,
)

# (owner, first, after, with the ledgers of the page's payments)
OwnerPageKey = tuple[uuid.UUID, int, str | None, bool]
LEDGER = ("edges", "node", "transactions")  # where a page's selection asks for ledgers


def _max_amount(context: RequestContext) -> AmountLimit:
    async def read() -> Decimal:
        value: Decimal = await context.setting(PAYMENTS_MAX_AMOUNT)
        return value

    return read


def _service(context: RequestContext, **options: Any) -> PaymentService:
    return PaymentService(context.read_session(), max_amount=_max_amount(context), **options)


def _serialised(context: RequestContext, load: Any) -> Any:
    """Batch functions of one request share its session, which runs one query at a time."""
    lock: asyncio.Lock = context.loader("payments.session_lock", asyncio.Lock)

    async def run(keys: list[Any]) -> Any:
        async with lock:
            return await load(keys)

    return run


def _visible_loader(context: RequestContext, viewer: AccessClaims) -> DataLoader[Any, Any]:
    async def load(ids: list[uuid.UUID]) -> list[PaymentRow | None]:
        return await _service(context).visible_by_ids(viewer, ids)

    loader: DataLoader[Any, Any] = context.loader(
        "payments.visible", lambda: DataLoader(_serialised(context, load))
    )
    return loader


def _transactions_loader(context: RequestContext) -> DataLoader[Any, Any]:
    async def load(ids: list[uuid.UUID]) -> list[Any]:
        return await _service(context).transactions_of(ids)

    loader: DataLoader[Any, Any] = context.loader(
        "payments.transactions", lambda: DataLoader(_serialised(context, load))
    )
    return loader


def _answered(context: RequestContext, answer: Answer) -> PaymentNode:
    """The payment of a change's answer; its ledger, when the change knows it, is not read
    again."""
    return PaymentNode.from_row(answer.payment, answer.transactions, context)


async def _with_ledgers(
    context: RequestContext, page: Page[PaymentRow], wanted: bool
) -> PaymentConnection:
    """The connection of a page; when the selection asks for ledgers, all of the page's in
    one query, so no payment resolves its own."""
    if not wanted or not page.items:
        return PaymentConnection.from_page(page, None, context)
    ledgers = await _service(context).transactions_of([payment.id for payment in page.items])
    return PaymentConnection.from_page(page, ledgers, context)


def _owner_pages_loader(context: RequestContext, viewer: AccessClaims) -> DataLoader[Any, Any]:
    """`User.payments` for every user of a response in one query per distinct (first, after)."""

    async def load(keys: list[OwnerPageKey]) -> list[PaymentConnection]:
        groups: dict[tuple[int, str | None, bool], list[uuid.UUID]] = defaultdict(list)
        for owner, first, after, wanted in keys:
            groups[(first, after, wanted)].append(owner)
        found: dict[OwnerPageKey, PaymentConnection] = {}
        for (first, after, wanted), owners in groups.items():
            pages = await _service(context).pages_of_owners(viewer, owners, first, after)
            ledgers: list[list[LedgerEntry]] = []
            payments = [payment for page in pages for payment in page.items]
            if wanted and payments:
                ledgers = await _service(context).transactions_of([p.id for p in payments])
            for owner, page in zip(owners, pages, strict=True):
                taken, ledgers = ledgers[: len(page.items)], ledgers[len(page.items) :]
                found[(owner, first, after, wanted)] = PaymentConnection.from_page(
                    page, taken if wanted else None, context
                )
        return [found[key] for key in keys]

    loader: DataLoader[Any, Any] = context.loader(
        "payments.owner_pages", lambda: DataLoader(_serialised(context, load))
    )
    return loader


@strawberry.federation.type(keys=["id"], name="User", description="A platform account (auth).")
class UserRef:
    id: uuid.UUID

    @strawberry.field(description="The user's payments the caller may see, newest first.")
    async def payments(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description="Page size (clamped to 1..100)")],
        after: str | None = None,
    ) -> PaymentConnection:
        context = context_of(info)
        viewer = await context.require_viewer()
        page = parse_command(PageQuery, {"limit": first, "cursor": after})
        loader = _owner_pages_loader(context, viewer)
        connection: PaymentConnection = await loader.load(
            (self.id, page.limit, page.cursor, selects(info, *LEDGER))
        )
        return connection

    @classmethod
    async def resolve_reference(cls, info: Info, **representation: Any) -> UserRef | None:
        await context_of(info).require_viewer()
        try:
            return cls(id=uuid.UUID(str(representation.get("id"))))
        except ValueError:
            return None


class _Ledger:
    """A payment's ledger that was not loaded with it (an entity, a single payment, a replayed
    answer): loaded when graphql-core awaits it, batched per request; never when the
    selection does not ask for it (nothing is started before the await)."""

    __slots__ = ("context", "payment_id")

    def __init__(self, context: RequestContext | None, payment_id: uuid.UUID) -> None:
        self.context = context
        self.payment_id = payment_id

    def __await__(self) -> Generator[Any, None, list[TransactionNode]]:
        return self._load().__await__()

    async def _load(self) -> list[TransactionNode]:
        if self.context is None:
            raise AppError("a payment's ledger was asked for without a request to load it in")
        rows = await _transactions_loader(self.context).load(self.payment_id)
        return [TransactionNode.from_row(row) for row in rows]


@strawberry.federation.type(keys=["id"], name="Payment", description="A payment or request.")
class PaymentNode:
    id: uuid.UUID
    amount: Decimal
    currency: str
    status: PaymentStatusEnum  # type: ignore[valid-type]
    type: PaymentTypeEnum  # type: ignore[valid-type]
    description: str | None
    metadata: JSON | None
    pays_payment_id: uuid.UUID | None = strawberry.field(
        description="The request this payment pays."
    )
    created_at: datetime
    updated_at: datetime
    user: UserRef = strawberry.field(
        description="The owner: the VENDOR of a request, the CUSTOMER of a payment."
    )
    customer: UserRef | None = strawberry.field(
        description="The customer a request is addressed to."
    )
    # A plain field (no resolver), so that a page whose ledgers were loaded with it is
    # completed by the executor's plans in one step (`shared.graphql.execution`); a ledger
    # not loaded is a `_Ledger`, which graphql-core awaits.
    transactions: list[TransactionNode] = strawberry.field(
        description="The payment's ledger, oldest first."
    )

    @classmethod
    def from_row(
        cls,
        payment: PaymentRow,
        ledger: Sequence[LedgerEntry] | None = None,
        context: RequestContext | None = None,
    ) -> PaymentNode:
        """`ledger` when it was loaded with the payment, else loaded in `context` if the
        selection asks for it."""
        fields = payment_fields(payment)
        owner, customer = fields.pop("user_id"), fields.pop("customer_id")
        transactions: Any = (
            [TransactionNode.from_row(row) for row in ledger]
            if ledger is not None
            else _Ledger(context, payment.id)
        )
        return cls(
            **fields,
            user=UserRef(id=owner),
            customer=UserRef(id=customer) if customer else None,
            transactions=transactions,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, **representation: Any) -> PaymentNode | None:
        """Only payments the caller may see (as `payment(id:)`), batched per request."""
        context = context_of(info)
        viewer = await context.require_viewer()
        try:
            payment_id = uuid.UUID(str(representation.get("id")))
        except ValueError:
            return None
        payment = await _visible_loader(context, viewer).load(payment_id)
        return cls.from_row(payment, context=context) if payment else None


@strawberry.type
class PaymentEdge:
    cursor: str
    node: PaymentNode


@strawberry.type(description="A page of payments.")
class PaymentConnection:
    edges: list[PaymentEdge]
    page_info: PageInfo

    @classmethod
    def from_page(
        cls,
        page: Page[PaymentRow],
        ledgers: Sequence[Sequence[LedgerEntry]] | None,
        context: RequestContext,
    ) -> PaymentConnection:
        """`ledgers`, when given, are the page's payments' ledgers in the same order."""
        known = ledgers if ledgers is not None else [None] * len(page.items)
        return cls(
            edges=[
                PaymentEdge(cursor=cursor, node=PaymentNode.from_row(row, ledger, context))
                for row, cursor, ledger in zip(page.items, page.cursors, known, strict=True)
            ],
            page_info=PageInfo.of(page),
        )


@command_input(commands.CreatePayment)
class CreatePaymentInput:
    type: PaymentTypeEnum  # type: ignore[valid-type]
    amount: Decimal
    currency: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET
    customer_id: uuid.UUID | None = strawberry.UNSET
    customer_email: str | None = strawberry.UNSET
    pays_payment_id: uuid.UUID | None = strawberry.UNSET


@command_input(commands.UpdatePayment)
class UpdatePaymentInput:
    amount: Decimal | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    metadata: JSON | None = strawberry.UNSET


@command_input(commands.ChangeStatus)
class ChangeStatusInput:
    status: PaymentStatusEnum  # type: ignore[valid-type]
    reason: str | None = strawberry.UNSET


def _arguments(model: type[Command], arguments: dict[str, Any]) -> Command:
    """Validate query arguments as `model`; an argument given as null takes its default."""
    return parse_command(model, {k: v for k, v in arguments.items() if v is not None})


From = Annotated[
    datetime | None, strawberry.argument(name="from", description="Created at or after")
]
Limit = Annotated[int | None, strawberry.argument(description="Page size (clamped to 1..100)")]
To = Annotated[datetime | None, strawberry.argument(description="Created before")]


@strawberry.type
class Query:
    @strawberry.field(
        extensions=guard(AUTHENTICATED),
        description="Payments the caller may see (an ADMIN: all), a page at a time.",
    )
    async def payments(
        self,
        info: Info,
        status: PaymentStatusEnum | None = None,  # type: ignore[valid-type]
        type: PaymentTypeEnum | None = None,  # type: ignore[valid-type]
        from_: From = None,
        to: To = None,
        min_amount: Decimal | None = None,
        max_amount: Decimal | None = None,
        sort: SortFieldEnum | None = commands.SortField.created_at,  # type: ignore[valid-type]
        order: SortOrderEnum | None = commands.SortOrder.desc,  # type: ignore[valid-type]
        limit: Limit = DEFAULT_PAGE,
        cursor: str | None = None,
    ) -> PaymentConnection:
        context = context_of(info)
        query = _arguments(
            commands.ListPayments,
            {
                "status": status,
                "type": type,
                "from": from_,
                "to": to,
                "minAmount": min_amount,
                "maxAmount": max_amount,
                "sort": sort,
                "order": order,
                "limit": limit,
                "cursor": cursor,
            },
        )
        page = await _service(context).list_payments(await context.require_viewer(), query)
        return await _with_ledgers(context, page, selects(info, *LEDGER))

    @strawberry.field(
        extensions=guard(AUTHENTICATED),
        description="One payment; someone else's is not found.",
    )
    async def payment(self, info: Info, id: uuid.UUID) -> PaymentNode:
        context = context_of(info)
        service = _service(context)
        payment = await service.get(await context.require_viewer(), id)
        if not selects(info, "transactions"):
            return PaymentNode.from_row(payment, context=context)
        (ledger,) = await service.transactions_of([payment.id])
        return PaymentNode.from_row(payment, ledger)

    @strawberry.field(
        extensions=guard(AUTHENTICATED),
        description="Ledger rows of the caller's payments, newest first (an ADMIN: anyone's).",
    )
    async def payment_history(
        self,
        info: Info,
        user_id: uuid.UUID | None = None,
        payment_id: uuid.UUID | None = None,
        limit: Limit = DEFAULT_PAGE,
        cursor: str | None = None,
    ) -> TransactionConnection:
        context = context_of(info)
        query = _arguments(
            commands.History,
            {"userId": user_id, "paymentId": payment_id, "limit": limit, "cursor": cursor},
        )
        page = await _service(context).history(await context.require_viewer(), query)
        return TransactionConnection.from_page(page)

    @strawberry.field(
        extensions=guard(roles(Role.VENDOR, Role.ADMIN)),
        description="Totals by status, currency and UTC day (default: the last 30 days).",
    )
    async def payment_report(
        self,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        user_id: uuid.UUID | None = None,
    ) -> ReportNode:
        context = context_of(info)
        query = _arguments(commands.Report, {"from": from_, "to": to, "userId": user_id})
        report = await _service(context).report(await context.require_viewer(), query)
        return ReportNode.from_report(report)


@strawberry.type
class ChangeMutations:
    @strawberry.mutation(
        extensions=guard(roles(Role.VENDOR, Role.ADMIN)),
        description="Change amount, description or metadata while pending or initiated.",
    )
    async def update_payment(
        self, info: Info, id: uuid.UUID, input: UpdatePaymentInput
    ) -> PaymentNode:
        context = context_of(info)
        data = to_command(input)
        return _answered(
            context, await _service(context).update(await context.require_viewer(), id, data)
        )

    @strawberry.mutation(
        extensions=guard(AUTHENTICATED), description="Cancel a payment (its owner or an ADMIN)."
    )
    async def cancel_payment(self, info: Info, id: uuid.UUID) -> PaymentNode:
        context = context_of(info)
        return _answered(
            context, await _service(context).cancel(await context.require_viewer(), id)
        )

    @strawberry.mutation(
        extensions=guard(roles(Role.ADMIN)), description="One step of the state machine."
    )
    async def change_payment_status(
        self, info: Info, id: uuid.UUID, input: ChangeStatusInput
    ) -> PaymentNode:
        context = context_of(info)
        data = to_command(input)
        return _answered(
            context, await _service(context).change_status(await context.require_viewer(), id, data)
        )


def mutation_type(processor: PaymentProcessor, idempotency_ttl: timedelta) -> type:
    """The Mutation root; creation hands customer payments to the configured processor."""

    @strawberry.type(name="Mutation")
    class Mutation(ChangeMutations):
        @strawberry.mutation(
            extensions=guard(roles(Role.VENDOR, Role.CUSTOMER)),
            description="A VENDOR initiates a request, a CUSTOMER makes a payment. Repeating "
            "an `idempotencyKey` (or Idempotency-Key header) returns the first answer.",
        )
        async def create_payment(
            self, info: Info, input: CreatePaymentInput, idempotency_key: str | None = None
        ) -> PaymentNode:
            context = context_of(info)
            data = to_command(input)
            key = idempotency_key if idempotency_key is not None else context.idempotency_key
            if key is not None:
                key = parse_command(commands.IdempotencyKey, {"idempotencyKey": key}).value
            service = _service(
                context,
                processor=processor,
                idempotency_ttl=idempotency_ttl,
                autocommit=context.autocommit_session(info),
            )
            return _answered(
                context, await service.create(await context.require_viewer(), data, key)
            )

    return Mutation


def create_schema(settings: Settings, config: PaymentsSettings) -> SubgraphSchema:
    return build_schema(
        query=Query,
        mutation=mutation_type(
            processor_for(config), timedelta(hours=config.idempotency_ttl_hours)
        ),
        subscription=Subscription,
        types=[UserRef, PaymentNode],
        settings=settings,
    )
