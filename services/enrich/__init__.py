"""The enrich app (faust-streaming): raw topic -> language + named entities -> enriched topic.

Modules, in dependency order:

- ``settings``: ``EnrichSettings`` (``NEWSWIRE_ENRICH_*``); ``errors``: the app's error tree;
  ``metrics``: its Prometheus metrics;
- ``language``: language detection (lingua + fastText);
- ``ner/``: the parts of entity extraction (word lists, gazetteer, mentions, the spaCy, natasha
  and demonym backends, mention merging); ``entities``: ``EntityExtractor``, which routes each
  language to its backend and merges the mentions into entities;
- ``enricher``: one batch of raw articles -> enriched articles, or failures to dead-letter;
- ``app``: ``EnrichStage``, the faust app: batches, delivery before ack, dead letters,
  ``/metrics``;
- ``worker``: the faust worker under the service lifecycle (signals, stop, exit codes);
- ``cli``: ``newswire enrich`` (start-up checks, model loading, exit codes).
"""
