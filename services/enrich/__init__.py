"""The enrich app (faust-streaming): raw topic -> language + named entities -> enriched topic.

Modules: ``settings`` -> ``language`` (detection), ``gazetteer`` (places and countries with
cross-language ids), ``entities`` (NER routing per language, label normalisation, mention
merging) -> ``enricher`` (one batch of raw articles -> enriched articles or failures) -> ``app``
(the faust app: batches, dead letters, metrics) -> ``cli``.
"""
