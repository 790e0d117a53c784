"""The data every revision's database gets before it is measured: customers with a profile and
payments (each with its three ledger rows, as a settled payment has), a few administrators,
and an access token for each user."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import bcrypt
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

from shared.config import Settings
from shared.rbac import Role
from shared.security.tokens import issue_access_token
from subgraphs.auth.models import User
from subgraphs.payments.models import Payment, PaymentTransaction
from subgraphs.profile.models import UserProfile

PASSWORD = "bench platform passphrase"
PAYMENTS_PER_CUSTOMER = 30
ADMINS = 4


@dataclass(frozen=True)
class SeededUser:
    id: uuid.UUID
    email: str
    token: str
    payment_id: uuid.UUID | None


@dataclass(frozen=True)
class Seeded:
    customers: list[SeededUser]
    admins: list[SeededUser]


def password_hash(rounds: int) -> str:
    """One hash for every user (all share the password): seeding costs one bcrypt run."""
    return bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds)).decode()


async def seed(settings: Settings, customers: int, hashed: str) -> Seeded:
    """Insert the users, profiles and payments; returns them with tokens from `settings`."""
    rng = random.Random(7)  # noqa: S311 - the same data in every database
    now = datetime.now(UTC)
    users: list[dict[str, object]] = []
    profiles: list[dict[str, object]] = []
    payments: list[dict[str, object]] = []
    ledger: list[dict[str, object]] = []
    first_payment: dict[uuid.UUID, uuid.UUID] = {}
    roles = [Role.ADMIN] * ADMINS + [Role.CUSTOMER] * customers
    for n, role in enumerate(roles):
        user_id = uuid.uuid4()
        kind = role.value.lower()
        users.append(
            {
                "id": user_id,
                "email": f"bench-{kind}-{n:04d}@example.com",
                "name": f"Bench {kind.title()} {n}",
                "role": role.value,
                "password_hash": hashed,
                "email_verified": True,
                "is_active": True,
                "created_at": now - timedelta(days=400 - n),
                "updated_at": now,
            }
        )
        profiles.append(
            {
                "id": uuid.uuid4(),
                "user_id": user_id,
                "bio": f"Bench user {n}, here to be measured.",
                "phone": "+15550100",
                "preferences": {"theme": "dark", "language": "en"},
                "created_at": now,
                "updated_at": now,
            }
        )
        if role is not Role.CUSTOMER:
            continue
        for k in range(PAYMENTS_PER_CUSTOMER):
            payment_id = uuid.uuid4()
            first_payment.setdefault(user_id, payment_id)
            created = now - timedelta(hours=k * 7 + n, minutes=rng.randrange(60))
            amount = Decimal(rng.randrange(100, 50_000)) / 100
            payments.append(
                {
                    "id": payment_id,
                    "user_id": user_id,
                    "amount": amount,
                    "currency": "USD",
                    "status": "completed",
                    "type": "payment",
                    "description": f"Order {n}-{k}",
                    "metadata": {"order": f"{n}-{k}", "channel": "web"},
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for kind_, status, extra in (
                ("created", "pending", {"actor": str(user_id)}),
                ("status_changed", "processing", {"from": "pending", "to": "processing"}),
                ("status_changed", "completed", {"from": "processing", "to": "completed"}),
            ):
                ledger.append(
                    {
                        "id": uuid.uuid4(),
                        "payment_id": payment_id,
                        "transaction_type": kind_,
                        "amount": amount,
                        "status": status,
                        "metadata": {**extra, "source": "internal"},
                        "created_at": created,
                    }
                )
    engine = create_async_engine(settings.async_database_url)
    try:
        async with engine.begin() as connection:
            for model, rows in (
                (User, users),
                (UserProfile, profiles),
                (Payment, payments),
                (PaymentTransaction, ledger),
            ):
                await connection.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]
            await connection.exec_driver_sql("ANALYZE")
    finally:
        await engine.dispose()
    seeded: dict[str, list[SeededUser]] = {"ADMIN": [], "CUSTOMER": []}
    for row in users:
        role = Role(str(row["role"]))
        user_id = row["id"]
        assert isinstance(user_id, uuid.UUID)
        token, _ = issue_access_token(settings, user_id=user_id, email=str(row["email"]), role=role)
        seeded[role.value].append(
            SeededUser(user_id, str(row["email"]), token, first_payment.get(user_id))
        )
    return Seeded(customers=seeded["CUSTOMER"], admins=seeded["ADMIN"])
