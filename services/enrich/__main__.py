import typer

from services.enrich.cli import enrich

if __name__ == "__main__":
    typer.run(enrich)
