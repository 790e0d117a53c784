"""The sign-in throttle's two budgets per 15-minute window: an account's few failures
(`auth.max_failed_logins`, 5) and a client address's many (`auth.max_failed_logins_per_ip`,
100, over all accounts). Guesses at one account never refuse the other accounts of an address
(an office, a carrier's NAT) until the address's own budget is spent; a password-reset
guesser is held to a budget of the address's size. Real PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from subgraphs.auth.app import create_app
from tests.integration.auth.conftest import PASSWORD
from tests.integration.conftest import ApiClient

OFFICE = "198.51.100.20"
ELSEWHERE = "203.0.113.77"
WRONG = "not the password"


@pytest.fixture
async def office(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    """Everyone behind one address."""
    async with client_for(create_app, client_ip=OFFICE) as client:
        yield client


@pytest.fixture
async def elsewhere(client_for: Callable[..., Any]) -> AsyncIterator[ApiClient]:
    async with client_for(create_app, client_ip=ELSEWHERE) as client:
        yield client


async def _login(api: ApiClient, email: str, password: str = WRONG) -> httpx.Response:
    return await api.http.post("/api/auth/login", json={"email": email, "password": password})


async def test_guesses_at_one_account_do_not_lock_out_its_neighbours(
    register: Callable[..., Any], office: ApiClient, elsewhere: ApiClient
) -> None:
    await register("ada@example.com")
    await register("bob@example.com")
    codes = [(await _login(office, "ada@example.com")).status_code for _ in range(8)]
    assert codes == [401] * 5 + [429] * 3
    # Bob signs in from the same address: other accounts' failures are not his.
    bob = await _login(office, "bob@example.com", PASSWORD)
    assert bob.status_code == 200, bob.text
    # Ada's own lock-out is unchanged, from any address, with the right password too.
    for api in (office, elsewhere):
        ada = await _login(api, "ada@example.com", PASSWORD)
        assert ada.status_code == 429
        assert 0 < int(ada.headers["Retry-After"]) <= 15 * 60
        assert ada.json()["error"]["code"] == "RATE_LIMITED"


async def test_a_locked_out_unknown_email_looks_like_a_locked_out_account(
    register: Callable[..., Any], office: ApiClient
) -> None:
    """No enumeration, also when throttled: same status and body for both."""
    await register("ada@example.com")
    answers: dict[str, list[httpx.Response]] = {}
    for email in ("ada@example.com", "nobody@example.com"):
        answers[email] = [await _login(office, email) for _ in range(6)]
    known, unknown = answers["ada@example.com"], answers["nobody@example.com"]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 5 + [429]
    assert [r.json() for r in known[:-1]] == [r.json() for r in unknown[:-1]]
    # The refusals count down each account's own window, started a few milliseconds apart: the
    # same answer, its seconds equal or one apart when a second boundary falls between them.
    known_wait, unknown_wait = (int(r.headers["Retry-After"]) for r in (known[-1], unknown[-1]))
    assert abs(known_wait - unknown_wait) <= 1
    assert _without_countdown(known[-1].json()) == _without_countdown(unknown[-1].json())
    assert known[-1].headers.keys() == unknown[-1].headers.keys()


def _without_countdown(body: dict[str, Any]) -> dict[str, Any]:
    """A 429 body with its seconds to wait blanked out (they are in the message and details)."""
    wait = str(body["error"]["details"]["retryAfter"])
    error = {**body["error"], "message": body["error"]["message"].replace(wait, "N")}
    error["details"] = {**error["details"], "retryAfter": "N"}
    return {**body, "error": error}


async def test_an_address_that_spends_its_budget_is_refused_for_everyone(
    register: Callable[..., Any], office: ApiClient, elsewhere: ApiClient
) -> None:
    """Credential stuffing from one address: 100 failures over 25 accounts (4 each, no account
    locked), then the address is refused for every account, the right password included,
    until its window ends; other addresses are not affected."""
    await register("bob@example.com")
    for index in range(100):
        failed = await _login(office, f"user{index % 25}@example.com")
        assert failed.status_code == 401, (index, failed.text)
    refused = await _login(office, "user99@example.com")  # the 101st
    assert refused.status_code == 429
    bob = await _login(office, "bob@example.com", PASSWORD)
    assert bob.status_code == 429
    assert 0 < int(bob.headers["Retry-After"]) <= 15 * 60
    assert bob.json() == refused.json()
    assert (await _login(elsewhere, "bob@example.com", PASSWORD)).status_code == 200
    assert (await _login(elsewhere, "user0@example.com")).status_code == 401


async def test_a_correct_sign_in_does_not_spend_the_address_budget(
    register: Callable[..., Any], office: ApiClient
) -> None:
    """A busy office: many good sign-ins and a few typos from one address never add up to
    a refusal; a correct sign-in also clears its account's failures."""
    await register("ada@example.com")
    for _ in range(30):
        assert (await _login(office, "ada@example.com")).status_code == 401  # a typo
        assert (await _login(office, "ada@example.com", PASSWORD)).status_code == 200


async def test_wrong_reset_tokens_spend_the_address_budget_not_a_few_typos(
    office: ApiClient, elsewhere: ApiClient
) -> None:
    """Ten wrong tokens used to refuse every reset from the address; a reset guesser is now
    stopped after the address budget (100), and only at that address."""
    body = {"token": "guess", "newPassword": "a completely new passphrase"}
    for index in range(100):
        wrong = await office.http.post("/api/auth/reset-password", json=body)
        assert wrong.status_code == 400, (index, wrong.text)
        assert wrong.json()["error"]["code"] == "INVALID_TOKEN"
    blocked = await office.http.post("/api/auth/reset-password", json=body)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    other = await elsewhere.http.post("/api/auth/reset-password", json=body)
    assert other.status_code == 400
    # Sign-in from the address has its own budget: resets did not spend it.
    assert (await _login(office, "someone@example.com")).status_code == 401
