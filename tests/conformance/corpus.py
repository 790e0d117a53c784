"""The corpus: cases, their recordings, how an answer is judged, and our router's run of a query.

Judging an answer (:func:`differences`):

* ``data`` must equal the expected ``data`` exactly, key order included (GraphQL orders a
  response like the selection set);
* errors are judged by presence and path, not message or extensions (gateways word them
  differently): an answer has errors exactly when the expected one has; when the expected
  errors carry paths, each path of ours must lie on one of them (equal, or one a prefix of the
  other: gateways differ on whether a failed entity or its field carries the error) and at
  least one must. How many errors one failure yields differs too (graphql-js stops a list at
  its first non-null violation, ``@apollo/gateway`` reports each), so counts are not compared.

The expected answer is ``@apollo/gateway``'s recorded one (with the non-null violations it
reports under ``extensions.valueCompletion`` moved to ``errors``, where the spec puts them),
unless the case overrides it with the spec's (:class:`~tests.conformance.harness.Override`,
with the reason).

Fetch budget (:func:`budget`): the subgraph requests Hive Gateway made for the query when its
answer is right, else ``@apollo/gateway``'s when its answer is right, else none.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from router.gateway import Gateway
from router.supergraph.loader import load_supergraph
from tests.conformance import cases
from tests.conformance.harness import Case, CaseService, InProcessTransport

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"
GATEWAYS = ("apollo", "hive")


@cache
def load_cases() -> dict[str, Case]:
    """Every case module in ``cases/`` (its ``CASE``), by module name."""
    found: dict[str, Case] = {}
    for module in sorted(pkgutil.iter_modules(cases.__path__), key=lambda m: m.name):
        case = importlib.import_module(f"{cases.__name__}.{module.name}").CASE
        assert isinstance(case, Case), module.name
        found[module.name] = case
    return found


def fingerprint(case: Case) -> str:
    """Changes whenever a subgraph SDL, the world's rows or a query changes (recordings must be
    refreshed); resolvers are code and are not covered."""
    content = {
        "subgraphs": [[s.name, s.sdl] for s in case.subgraphs],
        "world": repr(sorted(case.world.rows.items())),
        "queries": [[q.name, q.text, q.variables, q.operation_name] for q in case.queries],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Recording:
    supergraph: str
    fingerprint: str
    # query name -> gateway -> {"response", "fetches", "invalid"}
    answers: dict[str, dict[str, dict[str, Any]]]


def recording_dir(case_name: str) -> Path:
    return RECORDED / case_name


@cache
def load_recording(case_name: str) -> Recording | None:
    directory = recording_dir(case_name)
    if not (directory / "answers.json").exists():
        return None
    answers = json.loads((directory / "answers.json").read_text())
    return Recording(
        supergraph=(directory / "supergraph.graphql").read_text(),
        fingerprint=answers["fingerprint"],
        answers=answers["queries"],
    )


def expected(case: Case, query: str, recording: Recording) -> dict[str, Any]:
    override = case.overrides.get(query)
    if override is not None:
        return override.response
    return spec_errors(recording.answers[query]["apollo"]["response"])


def spec_errors(response: dict[str, Any]) -> dict[str, Any]:
    """``@apollo/gateway`` reports the non-null violations it finds while shaping the response
    under ``extensions.valueCompletion``; the spec makes them field errors, in ``errors``."""
    completion = (response.get("extensions") or {}).get("valueCompletion")
    if not completion:
        return response
    out = {k: v for k, v in response.items() if k != "extensions"}
    out["errors"] = [*(response.get("errors") or []), *completion]
    return out


def differences(expected_response: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Why ``actual`` is not the expected answer (empty: it is)."""
    found: list[str] = []
    want_data, got_data = _canonical(expected_response.get("data")), _canonical(actual.get("data"))
    if json.dumps(want_data) != json.dumps(got_data):
        found.append(f"data: expected {json.dumps(want_data)}, got {json.dumps(got_data)}")
    want_errors = expected_response.get("errors") or []
    got_errors = actual.get("errors") or []
    if bool(want_errors) != bool(got_errors):
        found.append(f"errors: expected {_brief(want_errors)}, got {_brief(got_errors)}")
        return found
    want_paths = [e["path"] for e in want_errors if e.get("path")]
    got_paths = [e["path"] for e in got_errors if e.get("path")]
    stray = [p for p in got_paths if not any(_related(p, w) for w in want_paths)]
    if want_paths and (stray or not any(_related(p, w) for p in got_paths for w in want_paths)):
        found.append(f"errors: expected at {want_paths}, got {_brief(got_errors)}")
    return found


def _canonical(value: Any) -> Any:
    """Integral floats as ints: JSON from JavaScript writes the Float 4.0 as 4."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _related(path: list[Any], other: list[Any]) -> bool:
    """One path is a prefix of the other (the entity or its field carries the error)."""
    shorter = min(len(path), len(other))
    return path[:shorter] == other[:shorter]


def _brief(errors: list[dict[str, Any]]) -> str:
    return json.dumps([{"message": e.get("message"), "path": e.get("path")} for e in errors])


def is_right(case: Case, query: str, recording: Recording, gateway: str) -> bool:
    answer = recording.answers[query][gateway]
    return not answer.get("invalid") and not differences(
        expected(case, query, recording), spec_errors(answer["response"])
    )


def budget(case: Case, query: str, recording: Recording) -> tuple[str, int] | None:
    """(gateway, fetches) our router must not exceed, or None when no gateway was right."""
    for gateway in ("hive", "apollo"):
        if is_right(case, query, recording, gateway):
            return gateway, int(recording.answers[query][gateway]["fetches"])
    return None


@dataclass
class Outcome:
    response: dict[str, Any]
    fetches: int
    invalid: list[str]  # subgraph documents that were not valid against that subgraph


class RouterRun:
    """Our router (``router.gateway.Gateway``) over one case's in-process subgraphs."""

    def __init__(self, case_name: str, case: Case, recording: Recording) -> None:
        self.service = CaseService(case_name, case)
        transports = {name: InProcessTransport(self.service, name) for name in self.service.schemas}
        self.gateway = Gateway(load_supergraph(recording.supergraph), None, transports=transports)

    async def run(self, case: Case, query: str) -> Outcome:
        operation = case.query(query)
        self.service.reset()
        response = await self.gateway.execute(
            operation.text, operation.operation_name, operation.variables
        )
        invalid = [f"{r.subgraph}: {r.errors} in {r.query}" for r in self.service.invalid()]
        return Outcome(response, len(self.service.received), invalid)

    async def aclose(self) -> None:
        await self.gateway.aclose()
