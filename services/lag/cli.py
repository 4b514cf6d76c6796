"""`newswire lag`: how far the consumer groups are behind, now, live, or as Prometheus metrics.

    newswire lag [--group G]... [--all-groups] [--json] [--samples N] [--interval S]
    newswire lag [--group G]... [--all-groups] --watch [--interval S]
    newswire lag serve [--group G]... [--all-groups] [--host H] [--port P] [--interval S]

Without ``--group`` the namespace's enrich and indexer groups are watched. ``--interval`` is the
time between refreshes: 1 s between one-shot ``--samples``, else ``NEWSWIRE_LAG_REFRESH_INTERVAL_S``
(5 s).

Exit codes (the README's one table, ``shared.errors.ExitCode``): 0 every group OK or WARN; 1 a
group is STOP, STALL or REWIND, or ``serve`` cannot listen on its address; 2 bad usage or
settings; 3 Kafka cannot be reached. ``--watch`` and ``serve`` run until SIGINT/SIGTERM, then
exit 0; ``serve`` keeps serving while Kafka is away (``newswire_lag_refresh_ok`` says so).
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.live import Live
from rich.text import Text

from services.lag import render
from services.lag.errors import KafkaUnavailableError
from services.lag.exporter import Exporter
from services.lag.metrics import LagMetrics
from services.lag.models import LagReport
from services.lag.monitor import Monitor
from services.lag.settings import LagSettings
from shared import ports
from shared.errors import ExitCode, NewswireError
from shared.lifecycle import Lifecycle

app = typer.Typer(help="Consumer lag: offsets, lag in messages and seconds, status, metrics.")
console = Console(stderr=True)

ONE_SHOT_SAMPLE_INTERVAL_S = 1.0

Groups = Annotated[
    list[str] | None,
    typer.Option("--group", "-g", help="A consumer group (repeatable). Default: enrich + indexer."),
]
AllGroups = Annotated[
    bool, typer.Option("--all-groups", help="Every consumer group on the cluster.")
]
Interval = Annotated[
    float | None,
    typer.Option(min=0.1, help="Seconds between refreshes (default 5; 1 between --samples)."),
]


def _overrides(
    base: dict[str, Any], group: list[str] | None, all_groups: bool, interval: float | None
) -> dict[str, Any]:
    overrides = dict(base)
    if group:
        overrides["groups"] = group
    if all_groups:
        overrides["all_groups"] = True
    if interval is not None:
        overrides["refresh_interval_s"] = interval
    return overrides


def _settings(overrides: dict[str, Any]) -> LagSettings:
    try:
        return LagSettings(**overrides)
    except ValidationError as exc:
        console.print(f"[red]invalid settings:[/red] {exc}")
        raise typer.Exit(int(ExitCode.USAGE)) from exc


def _failed(exc: NewswireError) -> typer.Exit:
    console.print(f"[red]cannot read consumer lag:[/red] {exc}")
    return typer.Exit(int(exc.exit_code))


@app.callback(invoke_without_command=True)
def lag(
    ctx: typer.Context,
    group: Groups = None,
    all_groups: AllGroups = False,
    json_output: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
    samples: Annotated[
        int, typer.Option(min=1, help="Refreshes before reporting (statuses need history).")
    ] = 1,
    watch: Annotated[bool, typer.Option("--watch", help="A live table, until Ctrl-C.")] = False,
    interval: Interval = None,
) -> None:
    """Per group and partition: committed and log-end offsets, lag, lag in seconds, status."""
    overrides = _overrides({}, group, all_groups, interval)
    ctx.obj = overrides  # options given before `serve` apply to it too
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(overrides)
    if watch:
        _watch(settings)
        return
    report = _one_shot(settings, samples, interval or ONE_SHOT_SAMPLE_INTERVAL_S)
    if json_output:
        typer.echo(report.model_dump_json(indent=2))
    else:
        Console().print(render.table(report))
    if report.status.is_error:
        raise typer.Exit(int(ExitCode.FAILED))


def _one_shot(settings: LagSettings, samples: int, interval_s: float) -> LagReport:
    with Monitor(settings) as monitor:
        try:
            report = monitor.refresh()
            for _ in range(samples - 1):
                time.sleep(interval_s)
                report = monitor.refresh()
        except KafkaUnavailableError as exc:
            raise _failed(exc) from exc
    return report


def _watch(settings: LagSettings) -> None:
    with Lifecycle("lag-watch", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        monitor = life.resource(Monitor(settings), Monitor.close)
        try:
            first = monitor.refresh()
        except KafkaUnavailableError as exc:  # said on the console, not only in the log
            console.print(f"[red]cannot read consumer lag:[/red] {exc}")
            life.fail(exc.exit_code, "Kafka unreachable")
            first = None
        if first is not None:
            with Live(render.table(first), console=Console(), auto_refresh=False) as live:
                while not life.stop.wait(settings.refresh_interval_s):
                    try:
                        live.update(render.table(monitor.refresh()), refresh=True)
                    except KafkaUnavailableError as exc:
                        failed = Text(f"refresh failed, retrying: {exc}", style="red")
                        live.update(failed, refresh=True)
    raise typer.Exit(int(life.exit_code))


@app.command()
def serve(
    ctx: typer.Context,
    group: Groups = None,
    all_groups: AllGroups = False,
    host: Annotated[
        str | None, typer.Option(help=f"Address (default {ports.DEFAULT_HOST}).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help=f"Port (default {ports.LAG}).")
    ] = None,
    interval: Interval = None,
) -> None:
    """Serve Prometheus metrics on /metrics, refreshing in the background; stops on SIGTERM."""
    overrides = _overrides(ctx.obj or {}, group, all_groups, interval)
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = _settings(overrides)
    with Lifecycle("lag", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        monitor = life.resource(Monitor(settings), Monitor.close)
        exporter = Exporter(monitor, LagMetrics(settings.refresh_interval_s))
        exporter.start()
        life.resource(exporter, Exporter.stop_serving, name="metrics server")
        exporter.run(life.stop)
    raise typer.Exit(int(life.exit_code))
