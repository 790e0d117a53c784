from __future__ import annotations

import pytest

from shared.security.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least"),
        ("é" * 37, "at most 72 bytes"),
        ("password123", "too common"),
        ("a perfectly fine passphrase", None),
        ("x" * 72, None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


async def test_hash_and_verify_without_crashing_on_long_input() -> None:
    hashed = await hash_password("a perfectly fine passphrase", 4)
    assert await verify_password("a perfectly fine passphrase", hashed)
    assert not await verify_password("wrong", hashed)
    assert not await verify_password("é" * 64, hashed)  # 128 bytes: refused, not a ValueError
