"""Validated inputs of the auth service."""

from __future__ import annotations

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints

from shared.rbac import Role
from shared.security.passwords import password_problem
from shared.validation import CommandModel


def _email(value: str) -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return result.normalized.lower()


def _new_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(f"password {problem}")
    return value


Email = Annotated[str, StringConstraints(max_length=255), AfterValidator(_email)]
NewPassword = Annotated[str, AfterValidator(_new_password)]
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
    # A malformed email is answered like any unknown one: no hint either way.
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=320)]
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
    email: Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=320)]


class ResetPassword(CommandModel):
    token: OpaqueToken
    new_password: NewPassword = Field()
