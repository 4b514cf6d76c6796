"""The dedup stage: incoming articles -> new and changed articles, versioned, on the raw topic.

Ingest is stateless: it validates, normalises and publishes every accepted article to the
incoming topic, keyed by article id. This faust app remembers, per id, the content hash and
version it last published (a faust table: RocksDB on local disk, its changelog a compacted
topic), so Kafka's partition assignment gives every id exactly one writer however many
instances run.

- ``decision``: what an incoming article is (new, changed, duplicate) and its version; pure.
- ``stage``: the faust app, its table and agent (send, wait for Kafka, then remember, then ack).
- ``settings``, ``metrics``, ``cli`` (``newswire dedup``).
"""
