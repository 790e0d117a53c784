"""The federation conformance corpus against our router (no Node: answers are recorded).

For every query of every case (``tests/conformance/cases/``), our router runs on the case's
recorded supergraph (composed by ``@apollo/composition``) over its in-process subgraphs:

* ``test_answer``: every document a subgraph received is valid against that subgraph's own
  schema, and the answer is the expected one (``corpus.differences``: ``data`` exactly, key order
  included; errors by presence and path);
* ``test_fetches``: we made no more subgraph requests than the budget (Hive Gateway's count
  where its answer is right, else ``@apollo/gateway``'s);
* ``test_recordings_are_fresh``: every case was recorded as it is now (else
  ``make conformance-refresh``).

What fails today is listed in ``known_failures.py`` and runs as a strict xfail: a fix makes the
test pass, which fails the run until the entry is removed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conformance import known_failures
from tests.conformance.corpus import (
    Outcome,
    Recording,
    RouterRun,
    budget,
    differences,
    expected,
    fingerprint,
    load_cases,
    load_recording,
)

CASES = load_cases()


def _params(failures: dict[str, str]) -> list[Any]:
    params: list[Any] = []
    for case_name, case in CASES.items():
        for query in case.queries:
            test_id = f"{case_name}/{query.name}"
            reason = failures.get(test_id)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(case_name, query.name, id=test_id, marks=marks))
    return params


def test_known_failures_name_real_queries() -> None:
    ids = {f"{c}/{q.name}" for c, case in CASES.items() for q in case.queries}
    stale = (set(known_failures.WRONG_ANSWERS) | set(known_failures.OVER_BUDGET)) - ids
    assert not stale, f"known_failures.py names queries that do not exist: {sorted(stale)}"


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_recordings_are_fresh(case_name: str) -> None:
    recording = load_recording(case_name)
    assert recording is not None, f"{case_name} was never recorded: make conformance-refresh"
    assert recording.fingerprint == fingerprint(CASES[case_name]), (
        f"{case_name} changed since it was recorded: make conformance-refresh CASES={case_name}"
    )


class Runs:
    """One router per case (made on first use); each query is run once for both tests."""

    def __init__(self) -> None:
        self.routers: dict[str, RouterRun] = {}
        self.outcomes: dict[tuple[str, str], Outcome] = {}

    async def outcome(self, case_name: str, query: str) -> tuple[Recording, Outcome]:
        recording = load_recording(case_name)
        if recording is None or query not in recording.answers:
            pytest.fail(f"{case_name}/{query} was never recorded: make conformance-refresh")
        if (case_name, query) not in self.outcomes:
            if case_name not in self.routers:
                self.routers[case_name] = RouterRun(case_name, CASES[case_name], recording)
            router = self.routers[case_name]
            self.outcomes[case_name, query] = await router.run(CASES[case_name], query)
        return recording, self.outcomes[case_name, query]


@pytest.fixture(scope="module")
async def runs() -> AsyncIterator[Runs]:
    made = Runs()
    yield made
    for router in made.routers.values():
        await router.aclose()


@pytest.mark.parametrize(("case_name", "query"), _params(known_failures.WRONG_ANSWERS))
async def test_answer(runs: Runs, case_name: str, query: str) -> None:
    recording, outcome = await runs.outcome(case_name, query)
    assert not outcome.invalid, "a subgraph received an invalid document:\n" + "\n".join(
        outcome.invalid
    )
    problems = differences(expected(CASES[case_name], query, recording), outcome.response)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("case_name", "query"), _params(known_failures.OVER_BUDGET))
async def test_fetches(runs: Runs, case_name: str, query: str) -> None:
    recording, outcome = await runs.outcome(case_name, query)
    limit = budget(CASES[case_name], query, recording)
    if limit is None:
        pytest.skip("neither recorded gateway answers right: no budget")
    gateway, fetches = limit
    assert outcome.fetches <= fetches, (
        f"{outcome.fetches} subgraph requests, {gateway} made {fetches}"
    )
