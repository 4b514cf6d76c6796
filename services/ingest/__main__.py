from services.ingest.cli import ingest_app

if __name__ == "__main__":
    ingest_app()
