"""Demo users for development: one of each role, with known passwords."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from shared.config import Settings
from shared.rbac import Role
from shared.resources import open_resources
from shared.security.passwords import hash_password
from subgraphs.auth.models import User


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    password: str


DEMO_USERS = (
    DemoUser("admin@example.com", "Demo Admin", Role.ADMIN, "demo-admin-passphrase"),
    DemoUser("vendor@example.com", "Demo Vendor", Role.VENDOR, "demo-vendor-passphrase"),
    DemoUser("customer@example.com", "Demo Customer", Role.CUSTOMER, "demo-customer-passphrase"),
)


async def seed_demo_users(settings: Settings) -> list[DemoUser]:
    """Create the demo users that do not exist yet; return the ones created."""
    if settings.is_production:
        raise RuntimeError("Demo users are for development only")
    created = []
    async with open_resources(settings) as resources, resources.session_factory() as session:
        existing = set(
            (await session.execute(select(User.email))).scalars().all()  # type: ignore[call-overload]
        )
        for demo in DEMO_USERS:
            if demo.email in existing:
                continue
            session.add(
                User(
                    email=demo.email,
                    name=demo.name,
                    role=demo.role.value,
                    email_verified=True,
                    password_hash=await hash_password(demo.password, settings.bcrypt_rounds),
                )
            )
            created.append(demo)
        await session.commit()
    return created


async def has_users(settings: Settings) -> bool:
    async with open_resources(settings) as resources, resources.session_factory() as session:
        return (await session.execute(select(User.id).limit(1))).first() is not None  # type: ignore[call-overload]
