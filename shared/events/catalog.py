"""The typed payloads of every event on the hub: the contract between producing and consuming
domains. Add a model here before publishing a new event type."""

from __future__ import annotations

import uuid

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


USER_REGISTERED = "user.registered"
LOGIN_SUCCEEDED = "auth.login_succeeded"
LOGIN_FAILED = "auth.login_failed"
LOGGED_OUT = "auth.logged_out"
REFRESH_REUSE_DETECTED = "auth.refresh_reuse_detected"
PASSWORD_CHANGED = "auth.password_changed"
