"""Contracts and helpers shared by every newswire service.

Library code only: importing any module here has no side effects (no clients, no settings read).

- ``names``: every topic, group, index and alias name; ``ids``: the article id.
- ``models``: the article contracts; ``deadletter``: the dead-letter record, every reason code
  and the one sink that writes them.
- ``errors``: the error tree and the one table of exit codes; ``lifecycle``: how a long-running
  service starts, stops on SIGTERM/SIGINT and closes its resources.
- ``settings``: the settings every service repeats (``ServiceSettings``), Kafka and
  Elasticsearch connection settings.
- ``kafka``, ``elasticsearch``, ``index``: clients, topics, record headers, the index template.
- ``metrics``, ``logging``: what every stage measures and how it logs; ``ports``: the
  default HTTP port of every service.

Dependency direction: ``names``/``ids``/``errors`` -> ``models``/``deadletter`` -> ``settings``
-> ``kafka``/``elasticsearch``/``index`` -> ``lifecycle``.
"""
