"""Payment processors. A processor is handed each new customer payment and reports the steps
it goes through; the service applies them (state machine, ledger, events, linked request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from subgraphs.payments.repository import PaymentRow
from subgraphs.payments.settings import PaymentsSettings, ProcessorKind
from subgraphs.payments.states import PaymentStatus

Report = Callable[[PaymentStatus], Awaitable[None]]


class PaymentProcessor(Protocol):
    name: str

    async def submit(self, payment: PaymentRow, report: Report) -> None: ...


class InternalLedgerProcessor:
    """Money moves inside the platform's own ledger: a payment settles at once."""

    name = "internal_ledger"

    async def submit(self, payment: PaymentRow, report: Report) -> None:
        await report(PaymentStatus.processing)
        await report(PaymentStatus.completed)


class ExternalProcessor:
    """An outside processor: the payment stays pending until its signed webhook reports."""

    name = "external"

    async def submit(self, payment: PaymentRow, report: Report) -> None:
        return None


def processor_for(settings: PaymentsSettings) -> PaymentProcessor:
    if settings.processor is ProcessorKind.EXTERNAL:
        return ExternalProcessor()
    return InternalLedgerProcessor()
