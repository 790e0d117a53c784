"""Validated inputs of the auth service."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints

from shared.pagination import PageQuery
from shared.rbac import Role
from shared.security.passwords import (
    MAX_PASSWORD_BYTES,
    MIN_PASSWORD_CHARS,
    common_passwords,
    password_problem,
)
from shared.validation import CommandModel


def _email(value: str) -> str:
    try:
        # Syntax only: no DNS look-up; `.test` addresses are allowed for test accounts.
        result = validate_email(value.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return result.normalized.lower()


def _new_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(f"password {problem}")
    return value


Email = Annotated[
    str, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_email)
]
# Sign-in and reset look-ups take any text: a malformed address is answered like an unknown one.
LookupEmail = Annotated[str, Field(max_length=320), AfterValidator(lambda v: v.strip().lower())]
NewPassword = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_CHARS,
        max_length=MAX_PASSWORD_BYTES,
        description="8 to 72 bytes (UTF-8); not one of the most common passwords",
        json_schema_extra={"not": {"enum": sorted(common_passwords())}},
    ),
    AfterValidator(_new_password),
]
# Any stored password is at most 72 bytes; longer input is simply wrong, not an error to report.
GivenPassword = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
OpaqueToken = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class Register(CommandModel):
    email: Email
    password: NewPassword
    name: Name
    role: Role = Role.CUSTOMER


class Login(CommandModel):
    email: LookupEmail
    password: GivenPassword


class Refresh(CommandModel):
    refresh_token: OpaqueToken


class Logout(CommandModel):
    refresh_token: OpaqueToken | None = None
    all: bool = False


class ChangePassword(CommandModel):
    current_password: GivenPassword
    new_password: NewPassword


class ForgotPassword(CommandModel):
    email: LookupEmail


class ResetPassword(CommandModel):
    token: OpaqueToken
    new_password: NewPassword


# Administration (the admin domain's inputs) ----------------------------------------------------


class UserSort(StrEnum):
    CREATED_AT_DESC = "CREATED_AT_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    EMAIL_ASC = "EMAIL_ASC"
    NAME_ASC = "NAME_ASC"

    @property
    def column(self) -> str:
        """The `User` attribute this order sorts by (then by id)."""
        return self.value.removesuffix("_DESC").removesuffix("_ASC").lower()

    @property
    def descending(self) -> bool:
        return self.value.endswith("_DESC")


class UserQuery(PageQuery):
    role: Role | None = None
    search: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    active: bool | None = None
    sort: UserSort = UserSort.CREATED_AT_DESC


class CreateUser(CommandModel):
    """Without a password the user is invited: they get a reset token by email."""

    email: Email
    name: Name
    role: Role
    password: NewPassword | None = None
    email_verified: bool = False


class UpdateUser(CommandModel):
    name: Name | None = None
    email: Email | None = None
    email_verified: bool | None = None
    active: bool | None = None
