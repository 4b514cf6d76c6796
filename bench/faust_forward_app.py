"""The dedup bench's baseline: a bare faust agent forwarding incoming -> raw, in batches, with
the same broker settings as the dedup stage and nothing else (no table, no decision)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from shared.settings import KafkaSettings
from shared.streams import faust_app

names_incoming = os.environ["BENCH_SOURCE"]
names_raw = os.environ["BENCH_SINK"]
app = faust_app(
    os.environ["BENCH_APP_ID"],
    KafkaSettings(),
    host="127.0.0.1",
    port=int(os.environ["BENCH_PORT"]),
    data_dir=Path(os.environ["BENCH_DATADIR"]),
    replication_factor=1,
    store="memory://",
)
source = app.topic(names_incoming, key_serializer="raw", value_serializer="raw")
sink = app.topic(names_raw, key_serializer="raw", value_serializer="raw")


@app.agent(source)  # type: ignore[untyped-decorator]
async def forward(stream: Any) -> Any:
    async for events in stream.noack_take(500, within=0.05):
        futures = [
            await sink.send(key=e.message.key, value=e.message.value, force=True) for e in events
        ]
        await asyncio.gather(*futures)
        for event in events:
            await stream.ack(event)
        yield None


if __name__ == "__main__":
    app.main()
