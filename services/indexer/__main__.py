import typer

from services.indexer.cli import index
from shared.logging import configure_logging

if __name__ == "__main__":
    configure_logging()
    typer.run(index)
