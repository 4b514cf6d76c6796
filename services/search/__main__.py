from services.search.cli import search_app
from shared.logging import configure_logging

if __name__ == "__main__":
    configure_logging()
    search_app()
