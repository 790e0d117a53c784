"""Our router vs ``@apollo/gateway`` vs Hive Gateway on the corpus: right or not, and fetches.

    uv run python -m tests.conformance.report [CASE ...]            # the table and totals
    uv run python -m tests.conformance.report --known-failures      # a draft known_failures.py

(``make conformance-report``.) Apollo's and Hive's columns are their recorded answers judged
against the expected one; ours is run now, in-process.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass

from tests.conformance.corpus import (
    Outcome,
    RouterRun,
    budget,
    differences,
    expected,
    is_right,
    load_cases,
    load_recording,
)


@dataclass
class Row:
    test_id: str
    ours: Outcome
    problems: list[str]
    apollo: tuple[bool, int]
    hive: tuple[bool, int]
    budget: tuple[str, int] | None


async def collect(names: list[str]) -> list[Row]:
    cases = load_cases()
    rows: list[Row] = []
    for case_name in names or cases:
        case = cases[case_name]
        recording = load_recording(case_name)
        if recording is None:
            print(f"{case_name}: not recorded (make conformance-refresh)", file=sys.stderr)
            continue
        run = RouterRun(case_name, case, recording)
        try:
            for query in case.queries:
                ours = await run.run(case, query.name)
                problems = [f"invalid subgraph document: {d}" for d in ours.invalid]
                problems += differences(expected(case, query.name, recording), ours.response)
                answers = recording.answers[query.name]
                apollo, hive = (
                    (is_right(case, query.name, recording, g), int(answers[g]["fetches"]))
                    for g in ("apollo", "hive")
                )
                limit = budget(case, query.name, recording)
                rows.append(Row(f"{case_name}/{query.name}", ours, problems, apollo, hive, limit))
        finally:
            await run.aclose()
    return rows


def _cell(right: bool, fetches: int) -> str:
    return f"{'ok ' if right else 'BAD'} {fetches:>2}"


def print_table(rows: list[Row]) -> None:
    if not rows:
        return
    width = max(len(r.test_id) for r in rows)
    print(f"{'case/query':<{width}}  {'ours':>6}  {'apollo':>6}  {'hive':>6}  budget")
    for r in rows:
        ours = _cell(not r.problems, r.ours.fetches)
        over = r.budget is not None and r.ours.fetches > r.budget[1]
        limit = f"{r.budget[1]} ({r.budget[0]})" if r.budget else "-"
        print(
            f"{r.test_id:<{width}}  {ours:>6}  {_cell(*r.apollo):>6}  {_cell(*r.hive):>6}  "
            f"{limit}{'  OVER' if over else ''}"
        )
    total = len(rows)
    both = [r for r in rows if not r.problems and r.hive[0]]
    print(
        f"\n{total} queries over {len({r.test_id.split('/')[0] for r in rows})} cases: "
        f"right — ours {sum(not r.problems for r in rows)}, "
        f"apollo {sum(r.apollo[0] for r in rows)}, hive {sum(r.hive[0] for r in rows)}"
    )
    print(
        f"where ours and Hive are both right ({len(both)}): fetches ours "
        f"{sum(r.ours.fetches for r in both)}, hive {sum(r.hive[1] for r in both)}, apollo "
        f"{sum(r.apollo[1] for r in both)}; ours more than Hive on "
        f"{sum(r.ours.fetches > r.hive[1] for r in both)}, fewer on "
        f"{sum(r.ours.fetches < r.hive[1] for r in both)}"
    )


def _reason(row: Row) -> str:
    if row.ours.invalid:
        return "invalid subgraph document: " + row.ours.invalid[0]
    errors = row.ours.response.get("errors")
    if errors:
        return f"{errors[0].get('message')} at {errors[0].get('path')}"
    return "wrong data: " + row.problems[0]


def print_known_failures(rows: list[Row]) -> None:
    print("WRONG_ANSWERS: dict[str, str] = {")
    for r in rows:
        if r.problems:
            reason = _reason(r).replace('"', "'").replace("\n", " ")[:90]
            print(f'    "{r.test_id}": "{reason}",')
    print("}\n\nOVER_BUDGET: dict[str, str] = {")
    for r in rows:
        if r.budget is not None and r.ours.fetches > r.budget[1]:
            print(f'    "{r.test_id}": "{r.ours.fetches} fetches, {r.budget[0]} {r.budget[1]}",')
    print("}")


def main(argv: list[str]) -> None:
    names = [a for a in argv if not a.startswith("--")]
    rows = asyncio.run(collect(names))
    if "--known-failures" in argv:
        print_known_failures(rows)
    else:
        print_table(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
