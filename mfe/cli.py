"""`mfe`: the platform's command line."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import signal
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from mfe.embedded import ensure_services
from mfe.supervisor import Service, mfe_command, run_until_interrupted
from shared.config import Settings, get_settings
from shared.logs import configure_logging
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

ROOT = Path(__file__).resolve().parents[1]

DrainSeconds = Annotated[
    float, typer.Option(envvar="DRAIN_SECONDS", help="On SIGTERM: /ready 503 this long first")
]
GracefulTimeout = Annotated[
    int, typer.Option(envvar="GRACEFUL_TIMEOUT", help="Then: in-flight requests' bound (s)")
]

app = typer.Typer(help="Run, migrate and seed the MFE platform.", no_args_is_help=True)


def _spec(name: str) -> SubgraphSpec:
    for spec in SUBGRAPHS:
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in SUBGRAPHS)
    raise typer.BadParameter(f"unknown subgraph {name!r} (known: {known})")


def _factory(spec: SubgraphSpec) -> Any:
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
    from shared.http.server import serve

    configure_logging()
    spec = _spec(name)
    with ExitStack() as stack:
        ensure_services(stack)
        application = _factory(spec)(get_settings())
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
    from mfe.seed import DEMO_USERS, has_users, seed_demo_users

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

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await worker(get_settings(), stop)

    configure_logging()
    with ExitStack() as stack:
        ensure_services(stack)
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
def events(
    replay: Annotated[
        str | None, typer.Option(help="Put this consumer's dead letters back on their streams")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Each stream's length, pending messages per consumer group and dead letters."""
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
