"""RBAC on GraphQL fields: the `Access` of a field is its one declaration of who may call it."""

from __future__ import annotations

import logging
from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from shared.errors import Forbidden, ServiceUnavailable
from shared.graphql.context import context_of
from shared.rbac import Access, Role

logger = logging.getLogger("security")


class HasAccess(BasePermission):
    """Allow the field when the caller satisfies `access`; 401 without a valid token,
    403 FORBIDDEN with one of the wrong role, 503 MAINTENANCE for everyone but administrators
    while the `maintenance_mode` setting is on (public fields such as login stay open)."""

    def __init__(self, access: Access) -> None:
        self.access = access

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if self.access.is_public:
            return True
        context = context_of(info)
        claims = await context.require_viewer()
        if not self.access.allows(claims.role):
            logger.warning(
                "authorization refused",
                extra={
                    "user_id": str(claims.user_id),
                    "role": claims.role.value,
                    "field": info.field_name,
                    "required": self.access.describe(),
                },
            )
            raise Forbidden()
        if claims.role is not Role.ADMIN and await context.in_maintenance():
            raise ServiceUnavailable(
                "The platform is under maintenance; try again later", code="MAINTENANCE"
            )
        return True


def guard(access: Access) -> list[FieldExtension]:
    """Field extensions enforcing `access`: `@strawberry.field(extensions=guard(AUTHENTICATED))`."""
    return [PermissionExtension(permissions=[HasAccess(access)], use_directives=False)]


def access_of(field: StrawberryField) -> Access | None:
    """The access a field declares through `guard`, or None when it declares none."""
    for extension in field.extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, HasAccess):
                    return permission.access
    return None
