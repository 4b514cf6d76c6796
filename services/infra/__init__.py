"""Local infrastructure without Docker: a real Kafka broker (KRaft) and Elasticsearch node, and
the whole pipeline run as local processes (`newswire up`).

Kafka and Elasticsearch are fetched from Maven Central with Maven, cached under
``~/.cache/newswire``, and run on 127.0.0.1. Modules, in dependency order: ``settings`` ->
``java`` (finding a JDK), ``fetch`` (Maven), ``processes`` (server paths, state file, spawning and
stopping) -> ``analysis_plugin`` -> ``kafka_server``, ``es_server`` -> ``runner`` (both servers:
up, down, status) -> ``smoke`` (round trips on the running servers), ``stack`` (every service
as a process, on the ports of ``shared.ports``) -> ``cli``.
"""
