"""Validated inputs of the profile service, and the preferences document."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from functools import cache
from typing import Annotated

import langcodes
import phonenumbers
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shared.validation import CommandModel
from subgraphs.auth.commands import Name

MAX_BIO_CHARS = 2000
E164 = r"^\+[1-9][0-9]{1,14}$"
LANGUAGE_TAG = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$"


def _phone(value: str) -> str:
    """E.164 in form (the pattern) and a number some numbering plan has (phonenumbers)."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return value


def _language(value: str) -> str:
    if not langcodes.tag_is_valid(value):
        raise ValueError("must be a BCP 47 language tag, e.g. en or pt-BR")
    return langcodes.standardize_tag(value)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError("must be an IANA time zone, e.g. Europe/Paris")
    return value


Phone = Annotated[
    str,
    StringConstraints(pattern=E164),
    Field(description="E.164, e.g. +14155552671"),
    AfterValidator(_phone),
]
Language = Annotated[
    str,
    StringConstraints(max_length=35, pattern=LANGUAGE_TAG),
    Field(description="A BCP 47 language tag with registered subtags, e.g. en or pt-BR"),
    AfterValidator(_language),
]
TimeZone = Annotated[
    str,
    Field(json_schema_extra={"enum": sorted(_time_zones())}),
    AfterValidator(_time_zone),
]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Bio = Annotated[str, StringConstraints(max_length=MAX_BIO_CHARS)]


class UpdateProfile(CommandModel):
    """Fields left out stay as they are; `null` clears phone, address or bio."""

    name: Name | None = None
    phone: Phone | None = None
    address: Address | None = None
    bio: Bio | None = None


class Theme(StrEnum):
    light = "light"
    dark = "dark"
    system = "system"


class Notifications(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: bool = True
    sms: bool = False
    push: bool = True


class Preferences(BaseModel):
    """The whole stored document, with its defaults."""

    model_config = ConfigDict(extra="ignore")

    theme: Theme = Theme.system
    language: str = "en"
    timezone: str = "UTC"
    notifications: Notifications = Field(default_factory=Notifications)


class NotificationsUpdate(CommandModel):
    email: bool | None = None
    sms: bool | None = None
    push: bool | None = None


class UpdatePreferences(CommandModel):
    """Merged into the stored document: only the keys sent change."""

    theme: Theme | None = None
    language: Language | None = None
    timezone: TimeZone | None = None
    notifications: NotificationsUpdate | None = None

    def merged_into(self, current: Preferences) -> Preferences:
        changes = self.model_dump(exclude_none=True, exclude={"notifications"})
        if self.notifications is not None:
            changes["notifications"] = current.notifications.model_copy(
                update=self.notifications.model_dump(exclude_none=True)
            )
        return current.model_copy(update=changes)
