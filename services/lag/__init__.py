"""The lag monitor: are the enrich and indexer consumer groups keeping up?

Modules, in dependency order: ``settings``, ``errors`` -> ``rules`` (Burrow's status rules, pure),
``timeline`` (log-end offsets over time, pure) -> ``clients``, ``offsets`` (one read of the
cluster), ``commitlog`` (commits from ``__consumer_offsets``), ``timestamps`` (record timestamps)
-> ``models`` (the report) -> ``monitor`` (refresh: all of the above, state kept across
refreshes) -> ``render`` (table), ``metrics`` + ``exporter`` (Prometheus) -> ``cli``.
"""
