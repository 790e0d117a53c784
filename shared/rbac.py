"""Roles and the one declaration of who may call an operation, used by GraphQL and REST alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    CUSTOMER = "CUSTOMER"
    VENDOR = "VENDOR"


@dataclass(frozen=True, slots=True)
class Access:
    """Who may call an operation: anyone (public) or an authenticated user with one of `roles`."""

    roles: frozenset[Role] | None

    @property
    def is_public(self) -> bool:
        return self.roles is None

    def allows(self, role: Role | None) -> bool:
        if self.roles is None:
            return True
        return role is not None and role in self.roles

    def describe(self) -> str:
        if self.roles is None:
            return "public"
        if self.roles == frozenset(Role):
            return "any authenticated user"
        return " or ".join(sorted(self.roles))


PUBLIC = Access(None)
AUTHENTICATED = Access(frozenset(Role))


def roles(*allowed: Role) -> Access:
    return Access(frozenset(allowed))
