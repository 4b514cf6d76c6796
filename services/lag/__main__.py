from services.lag.cli import app
from shared.logging import configure_logging

if __name__ == "__main__":
    configure_logging()
    app()
