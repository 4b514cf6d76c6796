"""`newswire infra up|down|status`. Exit codes: 0 ok; 1 a server failed to start or is unhealthy."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.infra import runner, smoke
from services.infra.settings import InfraSettings

app = typer.Typer(help="Local Kafka + Elasticsearch without Docker (fetched from Maven Central).")
console = Console(stderr=True)
log = logging.getLogger(__name__)


def _print_status(statuses: list[runner.ServerStatus], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    table = Table(title="newswire local infrastructure")
    for column in ("server", "version", "pid", "address", "health", "logs"):
        table.add_column(column, overflow="fold")
    for s in statuses:
        health = (
            "[green]healthy" if s.healthy else ("[yellow]starting" if s.running else "[red]down")
        )
        table.add_row(s.name, s.version, str(s.pid or "-"), s.address, health, "\n".join(s.logs))
    Console().print(table)


@app.command()
def up(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Fetch (first time only) and start Kafka and Elasticsearch; return once both are healthy."""
    settings = InfraSettings()
    try:
        with console.status("starting Kafka and Elasticsearch (first run fetches them)..."):
            statuses = runner.up(settings)
    except RuntimeError as exc:
        console.print(f"[red]infra up failed:[/red]\n{exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    _print_status(statuses, json_output)


@app.command()
def down() -> None:
    """Stop both servers; nothing is left running."""
    stopped = runner.down(InfraSettings())
    console.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@app.command()
def status(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Versions, pids, addresses, health and log files; exit 1 unless both are healthy."""
    statuses = runner.status(InfraSettings())
    _print_status(statuses, json_output)
    if not all(s.healthy for s in statuses):
        raise typer.Exit(1)


@app.command("smoke")
def smoke_command() -> None:
    """Produce/consume a keyed message and run a French search on the running servers."""
    try:
        for line in smoke.run(InfraSettings()):
            console.print(f"[green]ok[/green] {line}")
    except Exception as exc:  # any failure of the smoke run is reported, exit 1
        console.print(f"[red]smoke failed:[/red] {exc}")
        raise typer.Exit(1) from exc


stack_console = Console()


def _print_stack(services: dict[str, dict[str, object]]) -> None:
    table = Table(title="newswire services")
    for column in ("service", "pid", "url", "health", "log"):
        table.add_column(column, overflow="fold")
    for name, info in services.items():
        health = (
            "[green]healthy"
            if info["healthy"]
            else ("[yellow]unhealthy" if info["running"] else "[red]down")
        )
        table.add_row(name, str(info["pid"] or "-"), str(info["url"]), health, str(info["log"]))
    stack_console.print(table)


def stack_up(
    samples: Annotated[bool, typer.Option(help="Import the bundled samples.")] = True,
) -> None:
    """Run the whole pipeline locally: infrastructure, every service, the sample sources."""
    from services.infra import stack

    settings = InfraSettings()
    try:
        with console.status("starting Kafka, Elasticsearch and the services..."):
            services = stack.up(settings)
    except RuntimeError as exc:
        console.print(f"[red]newswire up failed:[/red]\n{exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc
    _print_stack(services)
    env = stack.environment(settings)
    if samples:
        stack.import_samples(env)
    console.print(
        "search: http://127.0.0.1:8080/ (web page), `newswire search QUERY` (CLI)\n"
        f"push:   POST http://127.0.0.1:8000/articles with X-API-Key from "
        f"{settings.state_dir / 'ingest-api-key'}\n"
        "lag:    `newswire lag` (or http://127.0.0.1:9308/metrics); audit: `newswire audit`\n"
        "stop:   `newswire down`"
    )
    stack.print_lag(env)


def stack_down() -> None:
    """Stop every service (each flushes and commits), then Kafka and Elasticsearch."""
    from services.infra import stack

    stopped = stack.down(InfraSettings())
    console.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


def stack_status(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every service and server: pid, URL, health, log file. Exit 1 unless all are healthy."""
    from services.infra import stack

    settings = InfraSettings()
    services = stack.status(settings)
    servers = runner.status(settings)
    if json_output:
        typer.echo(
            json.dumps({"services": services, "servers": [asdict(s) for s in servers]}, indent=2)
        )
    else:
        _print_status(servers, as_json=False)
        _print_stack(services)
    if not (all(s.healthy for s in servers) and all(i["healthy"] for i in services.values())):
        raise typer.Exit(1)
