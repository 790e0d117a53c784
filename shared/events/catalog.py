"""The typed payloads of every event on the hub: the contract between producing and consuming
domains. Add a model here before publishing a new event type."""

from __future__ import annotations

import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True)


class ClientInfo(EventData):
    ip: str | None = None
    user_agent: str | None = None


class UserRegistered(EventData):
    user_id: uuid.UUID
    email: str
    name: str
    role: str
    client: ClientInfo


class LoginSucceeded(EventData):
    user_id: uuid.UUID
    client: ClientInfo


class LoginFailed(EventData):
    """No email is carried: a failed attempt on an unknown address must not store it."""

    user_id: uuid.UUID | None
    reason: str
    client: ClientInfo


class LoggedOut(EventData):
    user_id: uuid.UUID
    all_sessions: bool
    client: ClientInfo


class RefreshReuseDetected(EventData):
    user_id: uuid.UUID
    family_id: uuid.UUID
    client: ClientInfo


class PasswordChanged(EventData):
    user_id: uuid.UUID
    via: str  # "change" | "reset"
    client: ClientInfo


class UserRoleChanged(EventData):
    user_id: uuid.UUID
    from_role: str
    to_role: str
    changed_by: uuid.UUID


class UserDeactivated(EventData):
    user_id: uuid.UUID
    deactivated_by: uuid.UUID


class UserReactivated(EventData):
    user_id: uuid.UUID
    reactivated_by: uuid.UUID


class ConfigChanged(EventData):
    """A platform setting (`shared.config_store`) changed; `value` is its stored JSON form."""

    key: str
    value: object
    changed_by: uuid.UUID


USER_ROLE_CHANGED = "user.role_changed"
USER_DEACTIVATED = "user.deactivated"
USER_REACTIVATED = "user.reactivated"
CONFIG_CHANGED = "admin.config_changed"


USER_REGISTERED = "user.registered"
LOGIN_SUCCEEDED = "auth.login_succeeded"
LOGIN_FAILED = "auth.login_failed"
LOGGED_OUT = "auth.logged_out"
REFRESH_REUSE_DETECTED = "auth.refresh_reuse_detected"
PASSWORD_CHANGED = "auth.password_changed"


class PaymentCreated(EventData):
    payment_id: uuid.UUID
    user_id: uuid.UUID
    type: str  # "initiate" | "payment"
    status: str
    amount: Decimal
    currency: str
    customer_id: uuid.UUID | None = None
    pays_payment_id: uuid.UUID | None = None


class PaymentStatusChanged(EventData):
    """`actor_id` is None when the processor (not a user) moved the payment."""

    payment_id: uuid.UUID
    user_id: uuid.UUID
    from_status: str
    to_status: str
    actor_id: uuid.UUID | None
    source: str  # "user" | "admin" | a processor's name | "request_follow"
    amount: Decimal
    currency: str
    reason: str | None = None


PAYMENT_CREATED = "payment.created"
PAYMENT_STATUS_CHANGED = "payment.status_changed"


PAYLOADS: dict[str, type[EventData]] = {
    USER_REGISTERED: UserRegistered,
    USER_ROLE_CHANGED: UserRoleChanged,
    USER_DEACTIVATED: UserDeactivated,
    USER_REACTIVATED: UserReactivated,
    LOGIN_SUCCEEDED: LoginSucceeded,
    LOGIN_FAILED: LoginFailed,
    LOGGED_OUT: LoggedOut,
    REFRESH_REUSE_DETECTED: RefreshReuseDetected,
    PASSWORD_CHANGED: PasswordChanged,
    CONFIG_CHANGED: ConfigChanged,
    PAYMENT_CREATED: PaymentCreated,
    PAYMENT_STATUS_CHANGED: PaymentStatusChanged,
}
"""Every event type on the hub and its payload model (`Envelope.typed()`)."""
