"""A minimal faust-streaming app for the broker smoke test (run as its own process).

Reads NEWSWIRE_TEST_* from the environment: broker, source and sink topics, app id, data dir.
"""

from __future__ import annotations

import os

import faust

app = faust.App(
    os.environ["NEWSWIRE_TEST_APP_ID"],
    broker=f"kafka://{os.environ['NEWSWIRE_TEST_BOOTSTRAP']}",
    store="memory://",
    datadir=os.environ["NEWSWIRE_TEST_DATADIR"],
    web_enabled=False,
    topic_partitions=3,
    topic_allow_declare=True,
)
source = app.topic(os.environ["NEWSWIRE_TEST_SOURCE"], key_serializer="raw", value_serializer="raw")
sink = app.topic(os.environ["NEWSWIRE_TEST_SINK"], key_serializer="raw", value_serializer="raw")


@app.agent(source)
async def shout(stream):  # type: ignore[no-untyped-def]
    async for key, value in stream.items():
        await sink.send(key=key, value=value.upper())


if __name__ == "__main__":
    app.main()
