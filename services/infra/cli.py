"""`newswire infra up|down|status|smoke` and `newswire up|down|status`.

Exit codes (the README's one table, ``shared.errors.ExitCode``): 0 done (``status``: everything
healthy); 1 a server or service failed to start (the message ends with its log), ``status``
found something down or unhealthy, or a ``smoke`` round trip failed; 2 bad usage or settings;
3 ``smoke`` cannot reach Kafka or Elasticsearch.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from services.infra import runner, smoke
from services.infra.settings import InfraSettings
from shared.errors import ExitCode, NewswireError

app = typer.Typer(help="Local Kafka + Elasticsearch without Docker (fetched from Maven Central).")
console = Console(stderr=True)
log = logging.getLogger(__name__)
T = TypeVar("T")


def _settings() -> InfraSettings:
    try:
        return InfraSettings()
    except ValidationError as exc:
        console.print(f"[red]invalid settings:[/red] {exc}", highlight=False)
        raise typer.Exit(int(ExitCode.USAGE)) from exc


def _starting(what: str, start: Callable[[], T]) -> T:
    """Run ``start`` under a spinner; a failure to start is printed in full, exit 1."""
    try:
        with console.status(f"starting {what} (the first run fetches Kafka and Elasticsearch)..."):
            return start()
    except RuntimeError as exc:
        console.print(f"[red]starting {what} failed:[/red]\n{exc}", highlight=False)
        raise typer.Exit(int(ExitCode.FAILED)) from exc


def _health(healthy: bool, running: bool, not_healthy: str) -> str:
    return "[green]healthy" if healthy else (f"[yellow]{not_healthy}" if running else "[red]down")


def _logs_footer(paths: Iterable[str], logs_dir: Path) -> Text:
    """The log files, named under their common folder: whole paths do not fit in a column."""
    names = []
    for path in paths:
        try:
            names.append(str(Path(path).relative_to(logs_dir)))
        except ValueError:  # a log kept elsewhere: its whole path
            names.append(path)
    return Text(f"logs in {logs_dir}/: " + ", ".join(names), style="dim")


def _table(title: str, columns: Iterable[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, no_wrap=True)  # short values: pids, addresses, one word
    return table


def _print_status(statuses: list[runner.ServerStatus], logs_dir: Path, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    table = _table("newswire local infrastructure", ("server", "version", "pid", "address"))
    table.add_column("health", no_wrap=True)
    for s in statuses:
        health = _health(s.healthy, s.running, "starting")
        table.add_row(s.name, s.version, str(s.pid or "-"), s.address, health)
    out = Console()
    out.print(table)
    out.print(_logs_footer((path for s in statuses for path in s.logs), logs_dir), end="\n\n")


@app.command()
def up(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Fetch (first time only) and start Kafka and Elasticsearch; return once both are healthy."""
    settings = _settings()
    statuses = _starting("Kafka and Elasticsearch", lambda: runner.up(settings))
    _print_status(statuses, settings.logs_dir, json_output)


@app.command()
def down() -> None:
    """Stop both servers; nothing is left running."""
    stopped = runner.down(_settings())
    console.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@app.command()
def status(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Versions, pids, addresses, health and log files; exit 1 unless both are healthy."""
    settings = _settings()
    statuses = runner.status(settings)
    _print_status(statuses, settings.logs_dir, json_output)
    if not all(s.healthy for s in statuses):
        raise typer.Exit(int(ExitCode.FAILED))


@app.command("smoke")
def smoke_command() -> None:
    """Produce/consume a keyed message and run a French search on the running servers."""
    settings = _settings()
    try:
        for line in smoke.run(settings):
            console.print(f"[green]ok[/green] {line}")
    except NewswireError as exc:
        console.print(f"[red]smoke failed:[/red] {exc}", highlight=False)
        raise typer.Exit(int(exc.exit_code)) from exc


def _print_stack(services: dict[str, dict[str, object]], logs_dir: Path) -> None:
    table = _table("newswire services", ("service", "pid", "url"))
    table.add_column("health", no_wrap=True)
    for name, info in services.items():
        health = _health(bool(info["healthy"]), bool(info["running"]), "unhealthy")
        table.add_row(name, str(info["pid"] or "-"), str(info["url"]), health)
    out = Console()
    out.print(table)
    out.print(_logs_footer((str(info["log"]) for info in services.values()), logs_dir))


def stack_up(
    samples: Annotated[bool, typer.Option(help="Import the bundled samples.")] = True,
) -> None:
    """Run the whole pipeline locally: infrastructure, every service, the sample sources."""
    from services.infra import stack

    settings = _settings()
    services = _starting("Kafka, Elasticsearch and the services", lambda: stack.up(settings))
    _print_stack(services, settings.logs_dir)
    env = stack.environment(settings)
    if samples:
        stack.import_samples(env)
    search, ingest, lag = (stack.service(n).url for n in ("search", "ingest-api", "lag"))
    console.print(
        f"search: {search}/ (web page), `newswire search QUERY` (CLI)\n"
        f"push:   POST {ingest}/articles with X-API-Key from "
        f"{settings.state_dir / 'ingest-api-key'}\n"
        f"lag:    `newswire lag` (or {lag}/metrics); audit: `newswire audit`\n"
        "stop:   `newswire down`",
        highlight=False,
    )
    stack.print_lag(env)


def stack_down() -> None:
    """Stop every service (each flushes and commits), then Kafka and Elasticsearch."""
    from services.infra import stack

    stopped = stack.down(_settings())
    console.print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


def stack_status(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every service and server: pid, URL, health, log file. Exit 1 unless all are healthy."""
    from services.infra import stack

    settings = _settings()
    services = stack.status(settings)
    servers = runner.status(settings)
    if json_output:
        typer.echo(
            json.dumps({"services": services, "servers": [asdict(s) for s in servers]}, indent=2)
        )
    else:
        _print_status(servers, settings.logs_dir, as_json=False)
        _print_stack(services, settings.logs_dir)
    if not (all(s.healthy for s in servers) and all(i["healthy"] for i in services.values())):
        raise typer.Exit(int(ExitCode.FAILED))
