"""The payment state machine: the only place that knows which status may follow which."""

from __future__ import annotations

from enum import StrEnum

from subgraphs.payments.errors import InvalidTransition


class PaymentType(StrEnum):
    # Lower-case members: GraphQL enum values and REST bodies spell them as the design does.
    initiate = "initiate"  # a VENDOR's request for money
    payment = "payment"  # a CUSTOMER's payment


class PaymentStatus(StrEnum):
    pending = "pending"
    initiated = "initiated"
    processing = "processing"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


S = PaymentStatus
TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    S.pending: frozenset({S.processing, S.cancelled}),
    S.initiated: frozenset({S.processing, S.cancelled}),
    S.processing: frozenset({S.completed, S.failed, S.cancelled}),
    S.completed: frozenset(),
    S.failed: frozenset(),
    S.cancelled: frozenset(),
}
INITIAL_STATUS = {PaymentType.initiate: S.initiated, PaymentType.payment: S.pending}
EDITABLE = frozenset({S.pending, S.initiated})
OUTCOMES = frozenset({S.completed, S.failed})


def is_terminal(status: PaymentStatus) -> bool:
    return not TRANSITIONS[status]


def check_transition(current: PaymentStatus, target: PaymentStatus) -> None:
    """Raise INVALID_TRANSITION (409, naming from/to) unless `current → target` is allowed."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"A payment cannot go from {current.value} to {target.value}",
            details={"from": current.value, "to": target.value},
        )


def path_to(current: PaymentStatus, target: PaymentStatus) -> list[PaymentStatus]:
    """The steps from `current` to a processing outcome: a processor reporting `completed` for
    a pending payment moves it through `processing` first, so each step is recorded."""
    if target in OUTCOMES and current in (S.pending, S.initiated):
        return [S.processing, target]
    return [target]
