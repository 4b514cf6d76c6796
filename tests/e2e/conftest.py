from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.ingest.http_fixtures import ScriptedServer


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server
