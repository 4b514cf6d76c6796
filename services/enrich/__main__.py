import typer

from services.enrich.cli import enrich
from shared.logging import configure_logging

if __name__ == "__main__":
    configure_logging()
    typer.run(enrich)
