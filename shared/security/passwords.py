"""bcrypt password hashing; passwords are refused above bcrypt's 72-byte limit, never truncated."""

from __future__ import annotations

import asyncio
from functools import cache
from importlib.resources import files

import bcrypt

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72


@cache
def common_passwords() -> frozenset[str]:
    """The most common leaked passwords, refused at registration and change."""
    text = files("shared.security").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return f"must be at most {MAX_PASSWORD_BYTES} bytes (UTF-8)"
    if password.lower() in common_passwords():
        return "is too common; choose another"
    return None


def _hash(password: str, rounds: int) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def _verify(password: str, password_hash: str) -> bool:
    encoded = password.encode()
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode())
    except ValueError:
        return False


async def hash_password(password: str, rounds: int) -> str:
    """Hash off the event loop: bcrypt at cost 12 takes ~250 ms of CPU."""
    return await asyncio.to_thread(_hash, password, rounds)


async def verify_password(password: str, password_hash: str) -> bool:
    return await asyncio.to_thread(_verify, password, password_hash)


@cache
def dummy_hash(rounds: int) -> str:
    """A real hash to check against when the account does not exist (equal timing)."""
    return _hash("not-a-real-password-but-same-cost", rounds)
