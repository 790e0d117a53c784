"""The README-ready markdown of a `make bench-platform` run."""

from __future__ import annotations

from dataclasses import dataclass

from bench.platform.measure import PgbenchResult, Result, SqlCount
from bench.platform.routes import Route

CPU_GROUPS = ("router", "subgraphs", "postgres", "redis", "relay+consumers")


@dataclass
class Row:
    route: Route
    direct: bool
    results: list[tuple[Result, SqlCount]]  # in the order of the revisions (HEAD first)

    @property
    def via(self) -> str:
        return "direct" if self.direct else "router"


def _table(header: list[str], lines: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return out


def _speed(result: Result) -> str:
    errors = result.errors + result.non2xx
    flag = f" ({errors} errors)" if errors else ""
    return f"{result.rps:,.0f}{flag}"


def markdown(
    rows: list[Row],
    labels: list[str],
    floor: PgbenchResult,
    floor_after: PgbenchResult,
    *,
    cores: int,
    bcrypt_seconds: float,
    connections: int,
    seconds: float,
    load: tuple[float, float, float],
) -> str:
    pg_rate = (floor.tps + floor_after.tps) / 2
    # Columns: the base first (before), then HEAD (after).
    order = list(range(len(labels)))[::-1]
    out = [
        "",
        f"{connections} connections, {seconds:.0f} s per run, {cores} cores shared by every "
        f"process; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        f"Floor: pgbench (prepared) on the list route's page, {floor.tps:,.0f} and "
        f"{floor_after.tps:,.0f} tps (start, end), p50 {floor.p50:.2f} ms, p99 "
        f"{floor.p99:.2f} ms, PostgreSQL CPU {floor.cpu_ms:.3f} ms per page.",
        "",
    ]
    header = ["route", "via"]
    for i in order:
        header += [f"{labels[i]}: req/s", "p50 / p99 ms", "÷ pgbench"]
    if len(labels) > 1:
        header.append("HEAD / base")
    lines = []
    for row in rows:
        line = [row.route.name, row.via]
        for i in order:
            result, _ = row.results[i]
            ratio = f"1/{pg_rate / result.rps:,.0f}" if result.rps else "-"
            line += [_speed(result), f"{result.p50:.1f} / {result.p99:.1f}", ratio]
        if len(labels) > 1:
            head, base = row.results[0][0].rps, row.results[-1][0].rps
            line.append(f"{head / base:.2f}x" if base else "-")
        lines.append(line)
    out += _table(header, lines)
    for i in order:
        out += ["", f"CPU per request (ms) and SQL per request, {labels[i]}:", ""]
        header = ["route", "via", *CPU_GROUPS, "total (+ wrk)", "SQL statements / round trips"]
        lines = []
        for row in rows:
            result, sql = row.results[i]
            cpu = [result.cpu_ms.get(group, 0.0) for group in CPU_GROUPS]
            by_role = ", ".join(f"{role} {n:.1f}" for role, n in sorted(sql.by_role.items()))
            lines.append(
                [row.route.name, row.via]
                + [f"{value:.2f}" for value in cpu]
                + [
                    f"{sum(cpu):.2f} (+ {result.cpu_ms.get('wrk', 0.0):.2f})",
                    f"{sql.statements:.1f} / {sql.round_trips:.1f} ({by_role})",
                ]
            )
        out += _table(header, lines)
    logins = [row for row in rows if row.route.name.startswith("POST /api/auth/login")]
    if logins:
        bound = cores / bcrypt_seconds
        out += [
            "",
            f"Login is bcrypt-bound: one check at cost 12 takes {bcrypt_seconds * 1000:.0f} ms "
            f"of CPU here, so {cores} cores allow at most {bound:.1f} logins/s; measured: "
            + "; ".join(
                f"{labels[i]} {row.via} {row.results[i][0].rps:.1f}/s "
                f"({row.results[i][0].rps / bound:.0%})"
                for row in logins
                for i in order
            )
            + ".",
        ]
    return "\n".join(out)
