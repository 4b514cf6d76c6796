"""Local infrastructure without Docker: a real Kafka broker (KRaft) and Elasticsearch node.

Both are fetched from Maven Central with Maven, cached under ``~/.cache/newswire``, and run on
127.0.0.1. Modules: ``settings`` -> ``java``/``fetch``/``processes`` -> ``kafka_server``/
``es_server`` (+ ``analysis_plugin``) -> ``runner`` -> ``cli``.
"""
