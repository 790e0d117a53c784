"""The rules of authentication: accounts, sessions (refresh-token families), passwords.

Every entry point takes validated commands and the acting user's claims, so it behaves the same
from GraphQL, REST, another domain's service or a test."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import Settings
from shared.config_store import (
    AUTH_MAX_FAILED_LOGINS,
    AUTH_MAX_FAILED_LOGINS_PER_IP,
    read_setting,
)
from shared.errors import NotFound, RateLimited
from shared.events import catalog, record_event
from shared.models import utcnow
from shared.pagination import InvalidCursor, Page, decode, page_of
from shared.rbac import Role
from shared.security import denylist
from shared.security.passwords import dummy_hash, hash_password, verify_password
from shared.security.throttle import Budget, FailureThrottle
from shared.security.tokens import (
    AccessClaims,
    hash_opaque_token,
    issue_access_token,
    new_opaque_token,
)
from subgraphs.auth import commands
from subgraphs.auth.errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidRefreshToken,
    InvalidResetToken,
    LastAdmin,
    RefreshTokenReused,
    RoleNotAllowed,
    WrongCurrentPassword,
)
from subgraphs.auth.mailer import Mailer, OutboxMailer
from subgraphs.auth.models import PasswordResetToken, RefreshToken, User
from subgraphs.auth.repository import (
    RefreshTokenRepository,
    ResetTokenRepository,
    UserRepository,
    UserRow,
)

logger = logging.getLogger("security")

SELF_REGISTRABLE_ROLES = frozenset({Role.CUSTOMER, Role.VENDOR})
FORGOT_PASSWORD_LIMIT = 3
FORGOT_PASSWORD_MESSAGE = "If an account exists for this email, a reset link has been sent."


@dataclass(frozen=True, slots=True)
class AuthSession:
    """What a client gets when a session starts or rotates."""

    user: User
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass
class AuthService:
    session: AsyncSession
    redis: Redis
    settings: Settings
    client: catalog.ClientInfo = field(default_factory=catalog.ClientInfo)
    mailer: Mailer = field(default_factory=OutboxMailer)

    # Built on first use: a request uses one or two of them (`GET /auth/me` only `users`).

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.session)

    @cached_property
    def refresh_tokens(self) -> RefreshTokenRepository:
        return RefreshTokenRepository(self.session)

    @cached_property
    def reset_tokens(self) -> ResetTokenRepository:
        return ResetTokenRepository(self.session)

    @cached_property
    def login_throttle(self) -> FailureThrottle:
        return FailureThrottle(self.redis, "login", self.settings.login_failure_window)

    @cached_property
    def forgot_throttle(self) -> FailureThrottle:
        return FailureThrottle(self.redis, "forgot", self.settings.login_failure_window)

    @cached_property
    def reset_throttle(self) -> FailureThrottle:
        return FailureThrottle(self.redis, "reset", self.settings.login_failure_window)

    # Accounts --------------------------------------------------------------------------------

    async def register(self, data: commands.Register) -> AuthSession:
        if data.role not in SELF_REGISTRABLE_ROLES:
            raise RoleNotAllowed(f"Role {data.role.value} cannot be chosen at registration")
        user = await self._add_user(
            User(
                email=data.email,
                name=data.name,
                role=data.role.value,
                password_hash=await hash_password(data.password, self.settings.bcrypt_rounds),
            ),
            actor=None,
        )
        return await self._start_session(user)

    async def current_user(self, viewer: AccessClaims) -> User:
        user = await self.users.get(viewer.user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def account(self, viewer: AccessClaims) -> UserRow:
        """The caller's account, to show it (`current_user` is the one a change loads)."""
        user = await self.users.read(viewer.user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def change_name(self, viewer: AccessClaims, name: str) -> User:
        """The signed-in user's own display name (validated as `commands.Name`)."""
        user = await self.current_user(viewer)
        user.name = name
        await self.session.flush()
        return user

    async def users_by_ids(self, user_ids: Sequence[uuid.UUID]) -> list[UserRow | None]:
        """In the order asked, None where there is no such user (for DataLoaders)."""
        found = {user.id: user for user in await self.users.read_many(list(set(user_ids)))}
        return [found.get(user_id) for user_id in user_ids]

    # Sessions --------------------------------------------------------------------------------

    async def login(self, data: commands.Login) -> AuthSession:
        """Same answer, and one bcrypt check, for an unknown email and a wrong password (also
        when throttled: the account budget is kept per email, known or not). Two budgets per
        window: the account's (`auth.max_failed_logins`) and the client address's over all
        accounts (`auth.max_failed_logins_per_ip`, much larger), so guesses at one account
        never refuse the other accounts of the same address until the address's are spent."""
        account, address = await self._account_budget(data.email), await self._address_budget()
        # Counted as a failure of both until it succeeds: parallel guesses cannot overrun.
        await self.login_throttle.acquire(account, address)
        user = await self.users.get_by_email(data.email)
        password_hash = user.password_hash if user else dummy_hash(self.settings.bcrypt_rounds)
        is_valid = await verify_password(data.password, password_hash)
        if user is None or not is_valid or not user.is_active:
            await self._record_now(
                catalog.LOGIN_FAILED,
                catalog.LoginFailed(
                    user_id=user.id if user else None,
                    reason=_failure_reason(user, is_valid),
                    client=self.client,
                ),
                actor=user.id if user else None,
            )
            logger.warning("login failed", extra={"user_id": str(user.id) if user else None})
            raise InvalidCredentials()
        await self.login_throttle.reset(account.subject)
        await self.login_throttle.release(address.subject)
        await record_event(
            self.session,
            catalog.LOGIN_SUCCEEDED,
            catalog.LoginSucceeded(user_id=user.id, client=self.client),
            actor=user.id,
        )
        return await self._start_session(user)

    async def refresh(self, data: commands.Refresh) -> AuthSession:
        """Rotate a refresh token. Presenting one that was already rotated means it leaked:
        the whole family (and every access token of the user) is revoked."""
        now = utcnow()
        token = await self.refresh_tokens.get_for_update(hash_opaque_token(data.refresh_token))
        if token is None:
            raise InvalidRefreshToken()
        if token.revoked_at is not None:
            if token.replaced_by is not None:
                await self.refresh_tokens.revoke_family(token.family_id, now)
                await self._revoke_access_tokens(token.user_id)
                await self._record_now(
                    catalog.REFRESH_REUSE_DETECTED,
                    catalog.RefreshReuseDetected(
                        user_id=token.user_id, family_id=token.family_id, client=self.client
                    ),
                    actor=token.user_id,
                )
                logger.warning("refresh token reuse", extra={"user_id": str(token.user_id)})
                raise RefreshTokenReused()
            raise InvalidRefreshToken()
        if token.expires_at <= now:
            raise InvalidRefreshToken("The refresh token has expired")
        user = await self.users.get(token.user_id)
        if user is None or not user.is_active:
            raise InvalidRefreshToken()
        successor, issued = await self._issue(user, token.family_id, token.expires_at)
        token.revoked_at = now
        token.replaced_by = successor.id
        await self.session.flush()
        return issued

    async def logout(self, viewer: AccessClaims, data: commands.Logout) -> None:
        now = utcnow()
        if data.all:
            await self.refresh_tokens.revoke_all_for_user(viewer.user_id, now)
            await self._revoke_access_tokens(viewer.user_id)
        elif data.refresh_token:
            token = await self.refresh_tokens.get_for_update(hash_opaque_token(data.refresh_token))
            # Someone else's token is left alone, and nothing tells the caller it exists.
            if token is not None and token.user_id == viewer.user_id:
                await self.refresh_tokens.revoke_family(token.family_id, now)
        await denylist.revoke_token(self.redis, viewer)
        await record_event(
            self.session,
            catalog.LOGGED_OUT,
            catalog.LoggedOut(user_id=viewer.user_id, all_sessions=data.all, client=self.client),
            actor=viewer.user_id,
        )

    async def end_all_sessions(self, user_id: uuid.UUID) -> None:
        """Revoke every refresh token and access token of a user, effective at once."""
        await self.refresh_tokens.revoke_all_for_user(user_id, utcnow())
        await self._revoke_access_tokens(user_id)

    # Passwords -------------------------------------------------------------------------------

    async def change_password(
        self, viewer: AccessClaims, data: commands.ChangePassword
    ) -> AuthSession:
        """Needs the current password; ends every session and starts a fresh one for the caller."""
        user = await self.current_user(viewer)
        account = await self._account_budget(user.email)
        await self.login_throttle.acquire(account)  # guesses cost the account's sign-in budget
        if not await verify_password(data.current_password, user.password_hash):
            raise WrongCurrentPassword()
        await self.login_throttle.release(account.subject)
        await self._set_password(user, data.new_password, via="change")
        return await self._start_session(user)

    async def forgot_password(self, data: commands.ForgotPassword) -> str:
        """Always the same answer. A known address gets a single-use token (≥ 256 bits, stored
        hashed, short-lived); repeated requests for one address are silently not re-sent."""
        user = await self.users.get_by_email(data.email)
        account = Budget(f"account:{data.email}", FORGOT_PASSWORD_LIMIT)
        try:
            await self.forgot_throttle.acquire(account)
        except RateLimited:
            return FORGOT_PASSWORD_MESSAGE
        if user is None or not user.is_active:
            return FORGOT_PASSWORD_MESSAGE
        await self._mail_reset_token(
            user,
            subject="Reset your password",
            purpose="Use this token to reset your password",
            footer="If you did not ask for this, ignore this email.",
        )
        return FORGOT_PASSWORD_MESSAGE

    async def reset_password(self, data: commands.ResetPassword) -> str:
        """A wrong token costs the client address one attempt of its own budget (the size of
        `auth.max_failed_logins_per_ip`): tokens carry ≥ 256 bits, so the budget only bounds
        the work, and people sharing an address are not refused for a few typos."""
        address = await self._address_budget()
        await self.reset_throttle.acquire(address)
        now = utcnow()
        token = await self.reset_tokens.get_for_update(hash_opaque_token(data.token))
        if token is None or token.used_at is not None or token.expires_at <= now:
            raise InvalidResetToken()
        await self.reset_throttle.release(address.subject)
        user = await self.users.get(token.user_id)
        if user is None:
            raise InvalidResetToken()
        await self.reset_tokens.consume_all_for_user(user.id, now)
        await self._set_password(user, data.new_password, via="reset")
        return "Your password has been reset. Sign in with the new password."

    # Administration (called by the admin domain's service) --------------------------------

    async def find_users(self, query: commands.UserQuery) -> Page[UserRow]:
        """A page of the users matching `query`, counted; its cursors continue its sort only."""
        scope = f"users:{query.sort.value}"
        after = _user_key(query.cursor, scope, query.sort) if query.cursor else None
        rows, total = await self.users.search(query, after)
        column = query.sort.column
        return page_of(rows, query.limit, lambda u: (scope, getattr(u, column), u.id), total)

    async def get_user(self, user_id: uuid.UUID) -> User:
        user = await self.users.get(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def create_user(self, data: commands.CreateUser, *, actor: uuid.UUID) -> User:
        """Any role. Without a password the account gets an unguessable one and the user an
        invitation: a reset token by email (they can ask for a fresh one with forgot-password)."""
        password = data.password or new_opaque_token(32)
        user = await self._add_user(
            User(
                email=data.email,
                name=data.name,
                role=data.role.value,
                email_verified=data.email_verified,
                password_hash=await hash_password(password, self.settings.bcrypt_rounds),
            ),
            actor=actor,
        )
        if data.password is None:
            await self._mail_reset_token(
                user,
                subject="You have been invited",
                purpose="An account was created for you. Use this token to choose a password",
                footer="After it expires, ask for a new one with 'forgot password'.",
            )
        return user

    async def update_user(
        self, user_id: uuid.UUID, data: commands.UpdateUser, *, actor: uuid.UUID
    ) -> tuple[User, dict[str, list[object]]]:
        """Apply the given fields; returns the user and what changed (`field: [from, to]`)."""
        user = await self._user_for_change(user_id)
        changes: dict[str, list[object]] = {}
        if data.email is not None and data.email != user.email:
            if await self.users.get_by_email(data.email) is not None:
                raise EmailTaken()
            changes["email"] = [user.email, data.email]
            user.email = data.email
        for name in ("name", "email_verified"):
            value = getattr(data, name)
            if value is not None and value != getattr(user, name):
                changes[name] = [getattr(user, name), value]
                setattr(user, name, value)
        if data.active is not None and data.active != user.is_active:
            changes["active"] = [user.is_active, data.active]
            await self._set_active(user, data.active, actor=actor)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise EmailTaken() from None
        return user, changes

    async def deactivate_user(self, user_id: uuid.UUID, *, actor: uuid.UUID) -> User:
        """Sign-in refused, every session ended at once; the user's rows stay."""
        user = await self._user_for_change(user_id)
        if user.is_active:
            await self._set_active(user, False, actor=actor)
        return user

    async def set_role(
        self, user_id: uuid.UUID, role: Role, *, actor: uuid.UUID
    ) -> tuple[User, str]:
        """Ends the user's sessions, so the new role applies from the next sign-in. Returns
        the user and the role they had."""
        user = await self._user_for_change(user_id)
        previous = user.role
        if previous == role.value:
            return user, previous
        if previous == Role.ADMIN.value:
            await self._keep_an_admin(user)
        user.role = role.value
        await self.session.flush()
        await self.end_all_sessions(user.id)
        await record_event(
            self.session,
            catalog.USER_ROLE_CHANGED,
            catalog.UserRoleChanged(
                user_id=user.id, from_role=previous, to_role=role.value, changed_by=actor
            ),
            actor=actor,
            key=str(user.id),
        )
        return user, previous

    # Internals -------------------------------------------------------------------------------

    async def _add_user(self, user: User, *, actor: uuid.UUID | None) -> User:
        """Insert a new account and publish `user.registered` (actor: the user themselves
        unless an admin created it)."""
        if await self.users.get_by_email(user.email) is not None:
            raise EmailTaken()
        try:
            async with self.session.begin_nested():
                await self.users.add(user)
        except IntegrityError:
            raise EmailTaken() from None  # a concurrent registration won the race
        await record_event(
            self.session,
            catalog.USER_REGISTERED,
            catalog.UserRegistered(
                user_id=user.id,
                email=user.email,
                name=user.name,
                role=user.role,
                client=self.client,
            ),
            actor=actor or user.id,
            key=str(user.id),
        )
        return user

    async def _user_for_change(self, user_id: uuid.UUID) -> User:
        """The user row, locked, after the admin-roster lock (always taken first, so every
        change of a user waits in one order and the last-admin check sees committed state)."""
        await self.users.lock_admin_roster()
        user = await self.users.get_for_update(user_id)
        if user is None:
            raise NotFound("User not found")
        return user

    async def _keep_an_admin(self, user: User) -> None:
        if user.is_active and await self.users.count_active_admins(excluding=user.id) == 0:
            raise LastAdmin()

    async def _set_active(self, user: User, active: bool, *, actor: uuid.UUID) -> None:
        if active:
            user.is_active, user.deactivated_at = True, None
            event: tuple[str, catalog.EventData] = (
                catalog.USER_REACTIVATED,
                catalog.UserReactivated(user_id=user.id, reactivated_by=actor),
            )
        else:
            if user.role == Role.ADMIN.value:
                await self._keep_an_admin(user)
            user.is_active, user.deactivated_at = False, utcnow()
            await self.end_all_sessions(user.id)
            event = (
                catalog.USER_DEACTIVATED,
                catalog.UserDeactivated(user_id=user.id, deactivated_by=actor),
            )
        await self.session.flush()
        await record_event(self.session, *event, actor=actor, key=str(user.id))

    async def _account_budget(self, email: str) -> Budget:
        """Failures per account: the platform setting `auth.max_failed_logins`, read per
        attempt (an admin's change applies at once)."""
        limit = await read_setting(self.session, self.redis, self.settings, AUTH_MAX_FAILED_LOGINS)
        return Budget(f"account:{email}", limit)

    async def _address_budget(self) -> Budget:
        """Failures per client address: the setting `auth.max_failed_logins_per_ip`."""
        limit = await read_setting(
            self.session, self.redis, self.settings, AUTH_MAX_FAILED_LOGINS_PER_IP
        )
        return Budget(f"ip:{self.client.ip}", limit)

    async def _mail_reset_token(
        self, user: User, *, subject: str, purpose: str, footer: str
    ) -> None:
        """A single-use token (≥ 256 bits, stored hashed, short-lived) sent to the user."""
        raw = new_opaque_token(32)
        expires_at = utcnow() + self.settings.password_reset_expires_in
        await self.reset_tokens.add(
            PasswordResetToken(
                user_id=user.id, token_hash=hash_opaque_token(raw), expires_at=expires_at
            )
        )
        minutes = int(self.settings.password_reset_expires_in.total_seconds() // 60)
        await self.mailer.send(
            self.session,
            to=user.email,
            subject=subject,
            body=f"Hello {user.name},\n\n{purpose} within {minutes} minutes:\n\n{raw}\n\n{footer}",
        )

    async def _set_password(self, user: User, password: str, *, via: str) -> None:
        user.password_hash = await hash_password(password, self.settings.bcrypt_rounds)
        await self.session.flush()
        await self.end_all_sessions(user.id)
        await record_event(
            self.session,
            catalog.PASSWORD_CHANGED,
            catalog.PasswordChanged(user_id=user.id, via=via, client=self.client),
            actor=user.id,
        )

    async def _start_session(self, user: User) -> AuthSession:
        expires_at = utcnow() + self.settings.jwt_refresh_expires_in
        _, issued = await self._issue(user, uuid.uuid4(), expires_at)
        return issued

    async def _issue(
        self, user: User, family_id: uuid.UUID, expires_at: datetime
    ) -> tuple[RefreshToken, AuthSession]:
        raw = new_opaque_token(32)
        row = await self.refresh_tokens.add(
            RefreshToken(
                user_id=user.id,
                token=hash_opaque_token(raw),
                family_id=family_id,
                expires_at=expires_at,
            )
        )
        access, _ = issue_access_token(
            self.settings, user_id=user.id, email=user.email, role=Role(user.role)
        )
        expires_in = int(self.settings.jwt_expires_in.total_seconds())
        return row, AuthSession(user, access, raw, expires_in)

    async def _revoke_access_tokens(self, user_id: uuid.UUID) -> None:
        ttl = self.settings.jwt_expires_in + timedelta(seconds=5)
        await denylist.revoke_all_for_user(self.redis, user_id, int(ttl.total_seconds()))

    async def _record_now(
        self, event_type: str, data: catalog.EventData, *, actor: uuid.UUID | None
    ) -> None:
        """Record an event that must survive the error the caller is about to raise."""
        await record_event(self.session, event_type, data, actor=actor)
        await self.session.commit()


def _failure_reason(user: User | None, is_valid: bool) -> str:
    if user is None:
        return "unknown_email"
    return "wrong_password" if not is_valid else "deactivated"


def _user_key(cursor: str, scope: str, sort: commands.UserSort) -> tuple[Any, uuid.UUID]:
    value, raw_id = decode(cursor, scope, 2)
    try:
        key: Any = datetime.fromisoformat(value) if sort.column == "created_at" else value
        return key, uuid.UUID(raw_id)
    except ValueError:
        raise InvalidCursor() from None
